package triage_test

import (
	"iter"

	"bonafide"
)

func iterPull(s iter.Seq[bonafide.Record]) (func() (bonafide.Record, bool), func()) {
	return iter.Pull(s)
}
