// Package sqlstore is the SQL core the two stores share: what package
// sqlite and package postgres would otherwise each write again, written
// once so that a rule about stored records cannot differ between them.
//
// A store built on it keeps only what truly differs between databases: its
// SQL dialect, its column types, how it locks (SQLite's one writer
// connection, PostgreSQL's table lock), how it bulk-loads (PostgreSQL's
// COPY) and how it maps driver error codes to bonafide codes.
//
// # Records
//
// [Codec] turns a [bonafide.Record] into its stored form, an [Encoded]:
// type, times and ids for the records table, the interchange JSON body
// without the reporter, the reporter sealed apart, its blind-index tags and
// the safety assessment made at intake, all before any lock is taken, so
// that concurrent writers encode in parallel. [Codec.Decode] reverses it.
// It is the only place the stores call the domain's JSON codec.
// [Codec.EncodeAll] is a bulk load's pipeline: encoding on one goroutine,
// the back-end's inserts (SQLite's statements, PostgreSQL's COPY) on the
// caller's, in order, with buffers reused.
//
// # Group commit
//
// [Batcher] queues concurrent writes for one goroutine that commits them
// together, up to [MaxBatch] a transaction, with the back-end's own
// [CommitFunc]. A caller whose context ends while its request is still
// queued abandons it and the request is never written; once the writer has
// taken it, the caller waits for the commit. So an error from
// [Batcher.Add] always means "not stored".
//
// # Reading
//
// [Pages] walks a keyset-paged query a page at a time, so that no read
// holds a connection while its caller works; [Collect] scans rows of either
// driver.
//
// # Shared queries
//
// A store implements [DB] (its reads, its way of writing, ? placeholders
// numbered for PostgreSQL by [Numbered], its time columns, IN lists, row
// and table locks); the queries both stores run alike are written once on
// it: [Users], [Approvals], [Disclosures], [VaultKeys] and [ReporterTags]
// whole ([Tables], which each Store embeds), and the reads of
// assessments, cases and the audit log ([AssessmentReader], [CaseReader],
// [AuditReader]), which each store's own type embeds beside the writes
// it makes in its own way. [Time] scans a time column of either.
//
// # Migrations
//
// Each store embeds its own migrations/NNN_name.sql files (the SQL
// differs, the numbers are the same); a table whose definition differs
// only in the names of its column types is written once, in this
// package's migrations/ with {text}, {int}, {time}, {json} and {blob},
// and [Migrations] puts in each store's [ColumnTypes]. [LoadMigrations]
// reads, orders and validates a folder of them, [CheckSchema] refuses a
// stale schema and [Migrate] applies the pending ones with the back-end's
// own transaction.
package sqlstore
