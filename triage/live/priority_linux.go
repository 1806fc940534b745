package live

import "syscall"

// lowerThreadPriority sets the calling thread's nice value (Linux keeps
// one per thread: setpriority on a thread id). Unprivileged, a thread can
// only raise it, which is why the background work has a thread of its own
// rather than lowering and restoring one.
func lowerThreadPriority(nice int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), nice)
}

// threadNice returns the calling thread's nice value.
func threadNice() (int, error) {
	// The raw system call returns 20 - nice, so that it is never negative.
	p, _, errno := syscall.Syscall(syscall.SYS_GETPRIORITY, syscall.PRIO_PROCESS, uintptr(syscall.Gettid()), 0)
	if errno != 0 {
		return 0, errno
	}
	return 20 - int(p), nil
}
