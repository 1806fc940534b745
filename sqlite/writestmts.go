package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"bonafide/sqlstore"
)

// The writer's frequent statements, prepared once on the writer's pool
// (wdb) when the store opens. modernc's driver compiles the SQL of every
// statement that is not prepared, and database/sql prepares a statement
// made on a *sql.Conn once more in every transaction (Tx.StmtContext of a
// connection's statement re-prepares it), so a referral's commit compiled
// about a dozen statements: a tenth of the intake server's CPU. A
// statement prepared on the pool is prepared on its one connection, and
// Tx.StmtContext finds it there without compiling it again.
//
// They must be prepared before the store takes the writer's connection
// for itself (Store.wconn): a pool statement prepared while that connection
// is held would wait for a free one for ever. So the set is fixed at open;
// any other statement runs as before (prepared in its transaction).
const (
	insertAuditEntrySQL = `INSERT INTO audit_entries (n, data) VALUES (?, ?)`
	insertAuditHashSQL  = `INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)`
	savepointSQL        = `SAVEPOINT write`
	rollbackToSQL       = `ROLLBACK TO write`
	releaseSQL          = `RELEASE write`
	referralStoredSQL   = `SELECT 1 FROM records WHERE seq = ? AND referral_id = ? AND type = 'referral'`
	insertAssessmentSQL = `INSERT INTO assessments (referral_id, seq, safety_level, flagged, score, decision_due, engine, created, output, kind)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (referral_id, engine) DO NOTHING`
)

// writeSQL lists the statements kept prepared (besides insertStmts).
var writeSQL = []string{
	sqlstore.AuditSizeSQL,
	insertAuditEntrySQL,
	insertAuditHashSQL,
	savepointSQL,
	rollbackToSQL,
	releaseSQL,
	referralStoredSQL,
	insertAssessmentSQL,
	updateCaseSQL,
	restrictFamilySQL,
}

// writeStmts maps a statement's SQL to its statement prepared on wdb;
// written only at open, so read without a lock.
type writeStmts map[string]*sql.Stmt

func prepareWriteStmts(ctx context.Context, db *sql.DB) (writeStmts, error) {
	w := writeStmts{}
	for _, q := range writeSQL {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("sqlite: prepare: %w", err), w.close())
		}
		w[q] = st
	}
	return w, nil
}

// in returns q's statement for use in tx: the prepared one, or q prepared
// in tx when it is not among them. Either is closed with tx. (An error of
// Tx.StmtContext comes back from the statement's first use.)
func (w writeStmts) in(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	if st, ok := w[q]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	if unprepared != nil {
		unprepared(q)
	}
	return tx.PrepareContext(ctx, q)
}

// unprepared, when a test sets it, hears of every statement that in has to
// prepare in its transaction: the intake path must have none.
var unprepared func(q string)

// exec runs q in tx through its prepared statement.
func (w writeStmts) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := w.in(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (w writeStmts) close() error {
	var errs []error
	for _, st := range w {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
