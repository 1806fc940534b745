package live

import (
	"log/slog"
	"runtime"
	"sync"
)

// lowThreadNice is the nice value of triage's background thread: at 10 a
// thread gets about a tenth of a processor that a normal one also wants
// (the kernel's weights 110 against 1,024), and all of one nobody else
// wants.
const lowThreadNice = 10

// A lowThread runs functions, one at a time, on one operating-system
// thread of low scheduling priority. Go has no priorities of its own; a
// goroutine locked to a thread whose nice value is raised is how one piece
// of work can be put behind the rest of the process and of the machine.
type lowThread struct {
	jobs chan func()
}

// newLowThread starts the thread. Where the priority cannot be lowered
// (another system, or a refusal) it says so in log and runs at normal
// priority: slower intake under load, never lost work.
func newLowThread(log *slog.Logger) *lowThread {
	t := &lowThread{jobs: make(chan func())}
	addProcessor(1)
	ready := make(chan struct{})
	go func() {
		// Never unlocked: when the goroutine ends the runtime ends the
		// thread too, so that no other goroutine inherits its priority.
		runtime.LockOSThread()
		if err := lowerThreadPriority(lowThreadNice); err != nil {
			log.Warn("triage: background thread at normal priority", slog.Any("error", err))
		}
		close(ready)
		for f := range t.jobs {
			f()
		}
	}()
	<-ready
	return t
}

// do runs f on the thread and returns when it has.
func (t *lowThread) do(f func()) {
	done := make(chan struct{})
	t.jobs <- func() {
		defer close(done)
		f()
	}
	<-done
}

// close ends the thread once the function it runs, if any, has returned.
func (t *lowThread) close() {
	close(t.jobs)
	addProcessor(-1)
}

// processorsMu makes addProcessor's read and write of GOMAXPROCS one step,
// for services started and stopped at once.
var processorsMu sync.Mutex

// addProcessor changes GOMAXPROCS by n. The background thread holds one
// of the runtime's processors while it runs, also while the kernel keeps
// it waiting behind busier threads; without one more, the rest of the
// process (intake's requests) would be left one processor short exactly
// when the machine is busy. While the thread is idle the extra processor
// lets the runtime run one more goroutine than there are cores, which
// costs little. (Setting GOMAXPROCS also ends the runtime's own updates of
// it from the container's CPU limit.)
func addProcessor(n int) {
	processorsMu.Lock()
	defer processorsMu.Unlock()
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0)+n, 1))
}
