package auditlogtest_test

import (
	"testing"

	"bonafide/auditlog"
	"bonafide/auditlog/auditlogtest"
)

func TestStorageMemory(t *testing.T) {
	auditlogtest.RunStorage(t, func(t *testing.T) auditlogtest.TamperStorage { return new(auditlog.MemoryStorage) })
}
