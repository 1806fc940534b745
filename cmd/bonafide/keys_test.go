package main

import (
	"maps"
	"os"
	"sync"

	"bonafide/auditlog"
	"bonafide/vault"
)

// noTestKeys in a test's env map stops withTestKeys adding keys, for tests
// of what happens without them.
const noTestKeys = "BONAFIDE_TEST_NO_KEYS"

// testKeys is one master key and one signing key for the whole test binary,
// as text, so that every in-process command of a test opens the same vault.
var testKeys = sync.OnceValue(func() map[string]string {
	mk, err := vault.GenerateMasterKey(nil)
	if err != nil {
		panic(err)
	}
	mt, _ := mk.MarshalText()
	_, sk, err := auditlog.GenerateSigningKey(auditlog.DefaultKeyName)
	if err != nil {
		panic(err)
	}
	return map[string]string{vault.EnvMasterKey: string(mt), auditlog.EnvSigningKey: string(sk)}
})

// withTestKeys returns env with the test keys added, unless env names keys
// of its own or holds noTestKeys.
func withTestKeys(env map[string]string) map[string]string {
	if _, ok := env[noTestKeys]; ok {
		return env
	}
	for _, k := range []string{vault.EnvMasterKey, vault.EnvMasterKeyFile, auditlog.EnvSigningKey, auditlog.EnvSigningKeyFile} {
		if env[k] != "" {
			return env
		}
	}
	out := maps.Clone(env)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, testKeys())
	return out
}

func init() {
	// Tests that run the built binary (crash_test.go) inherit the keys
	// through the process environment.
	for k, v := range testKeys() {
		if os.Getenv(k) == "" && os.Getenv(k+"_FILE") == "" {
			os.Setenv(k, v)
		}
	}
}

// testKeyConfig is the test keys as openApp takes them.
func testKeyConfig() keyConfig {
	k := testKeys()
	return keyConfig{masterKeyText: k[vault.EnvMasterKey], auditKeyText: k[auditlog.EnvSigningKey]}
}
