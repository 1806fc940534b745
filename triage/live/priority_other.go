//go:build !linux

package live

import "errors"

// lowerThreadPriority is not available here: background triage runs at
// normal priority.
func lowerThreadPriority(int) error {
	return errors.New("thread priorities are set on Linux only")
}

// threadNice reports no nice value.
func threadNice() (int, error) { return 0, errors.New("thread priorities are read on Linux only") }
