package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"bonafide/auditlog"
	"bonafide/vault"
)

// runKeys dispatches `bonafide keys generate|rotate`.
func runKeys(ctx context.Context, args []string, std stdio) error {
	return runGroup(ctx, "keys", []command{
		{"generate", "write a new master key file and audit signing key file (mode 0600)", runKeysGenerate},
		{"rotate", "put a new master key first in the master key file and re-wrap every data key under it", runKeysRotate},
	}, args, std)
}

// runKeysGenerate writes a new master key file and a new audit signing key
// file, each with mode 0600, and refuses to overwrite either: an existing
// master key is the only way to open the reporters sealed under it. It
// prints the public verifier key, which whoever keeps checkpoints outside
// the system needs.
func runKeysGenerate(_ context.Context, args []string, std stdio) error {
	kc := keyConfig{MasterKeyFile: defaultMasterKeyFile, AuditKeyFile: defaultAuditKeyFile}
	sc := newSubcommand(std, "keys generate", "", "Writes a new master key file and a new audit signing key file (mode 0600), refusing to overwrite either, and prints the public verifier key.")
	kc.flags(sc.fs, sc.env)
	var name string
	sc.env.string(sc.fs, &name, "audit-key-name", "BONAFIDE_AUDIT_KEY_NAME", "name of the signing key in checkpoint signatures (default "+auditlog.DefaultKeyName+")")
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	if name == "" {
		name = auditlog.DefaultKeyName
	}
	for _, f := range []string{kc.MasterKeyFile, kc.AuditKeyFile} {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("%s exists; not overwritten (to change the master key use 'bonafide keys rotate')", f)
		}
	}
	mk, err := vault.GenerateMasterKeyFile(kc.MasterKeyFile)
	if err != nil {
		return err
	}
	sk, err := auditlog.GenerateSigningKeyFile(kc.AuditKeyFile, name)
	if err != nil {
		os.Remove(kc.MasterKeyFile)
		return err
	}
	// The disclosure key, beside the others, unless one exists already.
	dk := filepath.Join(filepath.Dir(kc.AuditKeyFile), defaultDisclosureKeyFile)
	var dvk string
	if _, err := os.Stat(dk); errors.Is(err, os.ErrNotExist) {
		k, err := auditlog.GenerateSigningKeyFile(dk, disclosureKeyName)
		if err != nil {
			return err
		}
		dvk = k.VerifierKey()
	}
	fmt.Fprintf(std.out, "master key %s written to %s\n", mk.ID(), kc.MasterKeyFile)
	fmt.Fprintf(std.out, "audit signing key written to %s\n", kc.AuditKeyFile)
	fmt.Fprintf(std.out, "audit verifier key (public; give it to whoever keeps checkpoints): %s\n", sk.VerifierKey())
	if dvk != "" {
		fmt.Fprintf(std.out, "disclosure signing key written to %s; its verifier key (public, for the police to check packages): %s\n", dk, dvk)
	}
	fmt.Fprintf(std.out, "Keep both files secret and out of the database's backups: set %s=%s and %s=%s.\n",
		vault.EnvMasterKeyFile, kc.MasterKeyFile, auditlog.EnvSigningKeyFile, kc.AuditKeyFile)
	return nil
}

// runKeysRotate replaces the primary master key without downtime: it
// generates a new key, rewrites the master key file (atomically, 0600) with
// the new key first and the old ones after it, then re-wraps every data key
// in the store under the new key (vault.Rotate). Data keys do not change,
// so sealed reporters stay as they are and running servers, which hold the
// unwrapped data keys, carry on; servers started later read the new file.
// Once every server has restarted, delete the old lines from the file.
// Run again after a failure: every step is safe to repeat.
func runKeysRotate(ctx context.Context, args []string, std stdio) error {
	cfg := defaultStoreConfig()
	sc := newSubcommand(std, "keys rotate", "", "Puts a new master key first in the master key file and re-wraps every data key in the store under it, without downtime.")
	sc.store(&cfg)
	if _, err := sc.parse(args, noArgs); err != nil {
		return err
	}
	cfg.MasterKeyFile = cfg.masterKeyFile()
	if cfg.MasterKeyFile == "" {
		return usagef("keys rotate rewrites the master key file: give --master-key-file, set %s or keep %s in the working directory", vault.EnvMasterKeyFile, defaultMasterKeyFile)
	}
	if err := cfg.dbConfig.existing(); err != nil {
		return err // before the key file is rewritten
	}
	logger := sc.logger()

	old, err := vault.ReadMasterKeyFile(cfg.MasterKeyFile)
	if err != nil {
		return err
	}
	next, err := vault.GenerateMasterKey(nil)
	if err != nil {
		return err
	}
	keys := append(vault.MasterKeys{next}, old...)
	if err := replaceMasterKeyFile(cfg.MasterKeyFile, keys); err != nil {
		return err
	}
	fmt.Fprintf(std.out, "new master key %s written first in %s; the old keys stay listed after it\n", next.ID(), cfg.MasterKeyFile)

	// Open with the new file, so that the audit log and the vault are the
	// ones every later process sees.
	acfg := cfg.app()
	acfg.Existing = true
	a, err := openApp(ctx, acfg, logger)
	if err != nil {
		return err
	}
	res, err := vault.Rotate(ctx, a.Keys, keys)
	if err == nil {
		err = a.record(ctx, "keys.rotate", "master:"+next.ID().String(),
			fmt.Sprintf("re-wrapped %d data keys (%d already under it)", res.Rewrapped, res.Already))
	}
	if cerr := a.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "re-wrapped %d data keys under %s (%d already were)\n", res.Rewrapped, res.Primary, res.Already)
	fmt.Fprintf(std.out, "Once every server has restarted with %s, delete the old key lines from it and destroy them.\n", cfg.MasterKeyFile)
	return nil
}

// replaceMasterKeyFile writes keys to a new file beside name and renames it
// over name, so that a reader sees the old file or the new one, never half.
func replaceMasterKeyFile(name string, keys vault.MasterKeys) error {
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".new")
	os.Remove(tmp) // a leftover from an interrupted rotation
	if err := vault.WriteMasterKeyFile(tmp, keys...); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace master key file: %w", err)
	}
	return nil
}
