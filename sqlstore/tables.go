package sqlstore

import "time"

// Tables are the stores this package writes whole, over one store's DB.
// Package sqlite's and package postgres's Store embed it, so that
// Disclosures, Users, Approvals, VaultKeys and ReporterTags are their
// methods.
type Tables struct {
	db  DB
	now func() time.Time
}

// NewTables returns the stores kept in db; now stamps what is created
// without a time.
func NewTables(db DB, now func() time.Time) Tables { return Tables{db: db, now: now} }

// Disclosures returns the police disclosure requests, their packages and
// the subject access requests (migration 008), a bonafide.DisclosureStore.
func (t Tables) Disclosures() *Disclosures { return NewDisclosures(t.db) }

// Users returns the users, sessions and API tokens (migration 003), a
// bonafide.UserStore.
func (t Tables) Users() *Users { return NewUsers(t.db, t.now) }

// Approvals returns the account changes waiting for a second
// administrator (migration 012), a bonafide.ApprovalStore.
func (t Tables) Approvals() *Approvals { return NewApprovals(t.db) }

// VaultKeys returns the table of wrapped data keys, a vault.KeyStore.
func (t Tables) VaultKeys() *VaultKeys { return NewVaultKeys(t.db) }

// ReporterTags returns the table of reporter blind-index tags, a
// vault.TagIndex.
func (t Tables) ReporterTags() *ReporterTags { return NewReporterTags(t.db) }
