package vaulttest_test

import (
	"testing"

	"bonafide/vault"
	"bonafide/vault/vaulttest"
)

func TestKeyStoreMemory(t *testing.T) {
	vaulttest.RunKeyStore(t, func(t *testing.T) vault.KeyStore { return new(vault.MemoryKeyStore) })
}

func TestTagIndexMemory(t *testing.T) {
	vaulttest.RunTagIndex(t, func(t *testing.T) vault.TagIndex { return new(vault.MemoryTagIndex) })
}
