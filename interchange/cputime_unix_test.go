//go:build unix

package interchange

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time this process has used, user and system, so
// that benchmarks on a shared machine can report work per CPU-second as well
// as per wall-second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
