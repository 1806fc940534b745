package live

// ForgetCheckpointSegments makes the service's next checkpoint write every
// segment, as its first does (for BenchmarkRestartCheckpoint's full
// write beside the incremental one).
func (s *Service) ForgetCheckpointSegments() {
	<-s.cpIdle
	s.cpSegs = nil
	s.cpIdle <- struct{}{}
}

// ThreadNice is the calling thread's nice value, for tests that check on
// which thread triage ran.
func ThreadNice() (int, error) { return threadNice() }
