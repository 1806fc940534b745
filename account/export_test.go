package account

// DummyHash is s.dummyHash, for the tests of package account_test.
func DummyHash(s *Service) string { return s.dummyHash() }
