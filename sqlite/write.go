package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"

	"bonafide"
	"bonafide/sqlstore"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// insertStmts are the writer's prepared inserts.
type insertStmts struct {
	record, reporter, tag, safety, caseOpen *sql.Stmt
}

// preparer is *sql.Conn or *sql.DB.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func (p *insertStmts) prepare(ctx context.Context, c preparer) error {
	var err error
	p.record, err = c.PrepareContext(ctx, `INSERT INTO records
		(type, stored_at, record_time, referral_id, outcome_of, body) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	p.reporter, err = c.PrepareContext(ctx, `INSERT INTO reporters (seq, sealed) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	p.tag, err = c.PrepareContext(ctx, `INSERT OR IGNORE INTO reporter_tags (referral_id, kind, tag) VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	p.safety, err = c.PrepareContext(ctx, `INSERT INTO assessments
		(referral_id, seq, safety_level, flagged, score, decision_due, engine, created, output, kind)
		VALUES (?, ?, ?, 0, 0, ?, ?, ?, ?, 'safety')`)
	if err != nil {
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	p.caseOpen, err = c.PrepareContext(ctx, `INSERT INTO cases
		(referral_id, seq, state, safety_level, safety_rank, channel, received_at, decision_due, due, updated)
		VALUES (?, ?, 'received', ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	return nil
}

// in returns p's statements for use in tx, a transaction of the writer's
// pool. Statements prepared on the pool (Store.txIns) are found prepared
// on tx's connection; ones prepared on a *sql.Conn would be compiled again
// for every transaction (writestmts.go).
func (p *insertStmts) in(ctx context.Context, tx *sql.Tx) *insertStmts {
	return &insertStmts{
		record:   tx.StmtContext(ctx, p.record),
		reporter: tx.StmtContext(ctx, p.reporter),
		tag:      tx.StmtContext(ctx, p.tag),
		safety:   tx.StmtContext(ctx, p.safety),
		caseOpen: tx.StmtContext(ctx, p.caseOpen),
	}
}

func (p *insertStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{p.record, p.reporter, p.tag, p.safety, p.caseOpen} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// insert writes one encoded record inside the open transaction. A
// duplicate referral id aborts only this statement (SQLite's default ABORT
// conflict resolution) and comes back with code EConflict; any other error
// leaves the transaction to be rolled back.
func (s *Store) insert(ctx context.Context, ins *insertStmts, e *sqlstore.Encoded, storedAt int64) (int64, error) {
	res, err := ins.record.ExecContext(ctx, string(e.Type), storedAt, e.RecordTime.UnixMicro(), e.ReferralID, e.OutcomeOf, e.Body)
	if err != nil {
		if isUniqueViolation(err) {
			return 0, bonafide.Errorf(bonafide.EConflict, "referral %q is already stored", e.ReferralID.String)
		}
		return 0, fmt.Errorf("sqlite: insert %s: %w", e.Type, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("sqlite: insert %s: %w", e.Type, err)
	}
	if e.Reporter != nil {
		if _, err := ins.reporter.ExecContext(ctx, seq, e.Reporter); err != nil {
			return 0, fmt.Errorf("sqlite: insert reporter of record %d: %w", seq, err)
		}
	}
	for _, t := range e.Tags {
		if _, err := ins.tag.ExecContext(ctx, e.ReferralID.String, string(t.Kind), t.Sum[:]); err != nil {
			return 0, fmt.Errorf("sqlite: insert reporter tags of record %d: %w", seq, err)
		}
	}
	if a := e.Safety; a != nil {
		if _, err := ins.safety.ExecContext(ctx, a.ReferralID, seq, a.SafetyLevel, a.DecisionDue.UnixMicro(),
			a.Engine, storedAt, []byte(a.Output)); err != nil {
			return 0, fmt.Errorf("sqlite: insert safety assessment of record %d: %w", seq, err)
		}
		due := a.DecisionDue.UnixMicro()
		if _, err := ins.caseOpen.ExecContext(ctx, a.ReferralID, seq, a.SafetyLevel, bonafide.SafetyRank(a.SafetyLevel),
			e.Channel, e.RecordTime.UnixMicro(), due, due, storedAt); err != nil {
			return 0, fmt.Errorf("sqlite: open the case of record %d: %w", seq, err)
		}
	}
	return seq, nil
}

// isUniqueViolation matches SQLite's extended result code, never message text.
func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// Add stores rec durably and returns its sequence number. Concurrent Adds
// share a commit (sqlstore.Batcher). An error means the record was not
// stored: if ctx ends before the writer has claimed the request, Add returns
// ctx's error at once and the writer skips it; once claimed, Add waits for
// the commit (a few milliseconds) and reports its outcome.
func (s *Store) Add(ctx context.Context, rec bonafide.Record) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: add: %w", err)
	}
	enc, err := s.codec.Encode(rec, nil)
	if err != nil {
		return 0, err
	}
	return s.batch.Add(ctx, write{rec: &enc})
}

// A write is one request to the writer goroutine: an Add (rec) or a
// writeTx call (f, which runs its statements under its caller's context).
type write struct {
	rec *sqlstore.Encoded
	f   func(tx *sql.Tx) error
}

// commit writes a batch in one transaction and syncs once, a
// sqlstore.CommitFunc: the Adds queued (a duplicate id fails only its own
// request) and the other writes (writeTx: case events, users, the audit
// log's entries, triage's assessments), each of those in a savepoint of its
// own, so that its error undoes only its own writes. Abandoned requests are
// skipped; any other failure rolls back and fails the whole batch.
//
// One queue for both means one sync covers the referrals of new requests
// and the audit entries and assessments of earlier ones: with a queue
// each, every referral sent over HTTP waited for two syncs taken in turn
// (its own, then its audit entry's) besides those of the assessments.
func (s *Store) commit(batch []*sqlstore.Request[write], results []sqlstore.Result) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	ctx := context.Background()
	tx, err := s.wconn.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	fail := func(err error) error { return errors.Join(err, tx.Rollback()) }
	var ins *insertStmts // the connection's insert statements in tx, at the batch's first Add
	storedAt := s.opts.Now().UnixMicro()
	for i, r := range batch {
		if !r.Take() {
			continue // abandoned: the caller has returned and wants no answer
		}
		if w := r.Item; w.rec != nil {
			if ins == nil {
				ins = s.txIns.in(ctx, tx)
			}
			seq, err := s.insert(ctx, ins, w.rec, storedAt)
			if err != nil && bonafide.ErrorCode(err) != bonafide.EConflict {
				return fail(err)
			}
			results[i] = sqlstore.Result{Seq: seq, Err: err}
			continue
		}
		if _, err := s.wst.exec(ctx, tx, savepointSQL); err != nil {
			return fail(fmt.Errorf("sqlite: savepoint: %w", err))
		}
		if err := r.Item.f(tx); err != nil {
			if _, rerr := s.wst.exec(ctx, tx, rollbackToSQL); rerr != nil {
				return fail(errors.Join(err, rerr))
			}
			results[i].Err = err
		}
		if _, err := s.wst.exec(ctx, tx, releaseSQL); err != nil {
			return fail(fmt.Errorf("sqlite: release savepoint: %w", err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// rollback ends a failed transaction. Its own error is dropped: the caller
// already reports the error that caused it, and a connection somehow left in
// a transaction makes the next BEGIN fail loudly rather than silently.
func (s *Store) rollback(ctx context.Context) {
	_, _ = s.wconn.ExecContext(ctx, "ROLLBACK")
}

// Import stores every record of recs in one transaction: all or none. It
// holds the write lock throughout, so Adds wait until it ends. It returns the
// number of records stored, or the first error (from recs, from encoding, a
// duplicate referral id with EConflict, or ctx) with the number of records
// taken before it, having written nothing.
func (s *Store) Import(ctx context.Context, recs iter.Seq2[bonafide.Record, error]) (int, error) {
	end, err := s.batch.Begin() // so that Close waits for the import
	if err != nil {
		return 0, err
	}
	defer end()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: import: %w", err)
	}
	if _, err := s.wconn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return 0, fmt.Errorf("sqlite: import: begin: %w", err)
	}
	n, err := s.importTx(ctx, recs)
	if err != nil {
		s.rollback(context.Background())
		return n, err
	}
	if _, err := s.wconn.ExecContext(ctx, "COMMIT"); err != nil {
		s.rollback(context.Background())
		return 0, fmt.Errorf("sqlite: import: commit: %w", err)
	}
	return n, nil
}

// importBatch is how many records the encoding goroutine hands over at a
// time; importQueue is how many batches may wait (sqlstore.Codec.EncodeAll).
const (
	importBatch = 128
	importQueue = 4
)

// importTx runs the source and encoding on one goroutine and the inserts on
// this one (sqlstore.Codec.EncodeAll), so that parsing and JSON encoding
// overlap SQLite's work. It returns the number of records inserted.
func (s *Store) importTx(ctx context.Context, recs iter.Seq2[bonafide.Record, error]) (int, error) {
	n := 0
	storedAt := s.opts.Now().UnixMicro()
	err := s.codec.EncodeAll(recs, importBatch, importQueue, func(chunk []sqlstore.Encoded) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sqlite: import: %w", err)
		}
		for i := range chunk {
			if _, err := s.insert(ctx, &s.ins, &chunk[i], storedAt); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
