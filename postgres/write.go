package postgres

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"bonafide"
	"bonafide/sqlstore"
	"bonafide/vault"

	"github.com/jackc/pgx/v5"
)

// lockRecords serialises writers (not readers) so that seq order is commit
// order.
const lockRecords = `LOCK TABLE records IN EXCLUSIVE MODE`

// insertOne inserts a record numbered after the highest seq (the caller holds
// lockRecords) and its reporter, if any, in one statement. A duplicate
// referral id inserts nothing and returns no row. The reporter's blind-index
// tags ($8 kinds, $9 tags) go in with it, only if the record went in.
const insertOne = `WITH r AS (
	INSERT INTO records (seq, type, stored_at, record_time, referral_id, outcome_of, body)
	SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4, $5, $6 FROM records
	ON CONFLICT (referral_id) DO NOTHING
	RETURNING seq
), p AS (
	INSERT INTO reporters (seq, sealed) SELECT seq, $7::bytea FROM r WHERE $7::bytea IS NOT NULL
), t AS (
	INSERT INTO reporter_tags (referral_id, kind, tag)
	SELECT $4, u.kind, u.tag FROM r CROSS JOIN unnest($8::text[], $9::bytea[]) AS u(kind, tag)
	ON CONFLICT DO NOTHING
), a AS (
	INSERT INTO assessments (referral_id, seq, safety_level, flagged, score, decision_due, engine, created, output, kind)
	SELECT $4, seq, $10::text, false, 0, $11::timestamptz, $12::text, $2, $13::json, 'safety' FROM r WHERE $10::text IS NOT NULL
), c AS (
	INSERT INTO cases (referral_id, seq, state, safety_level, safety_rank, channel, received_at, decision_due, due, updated)
	SELECT $4, seq, 'received', $10::text, $14::integer, $15::text, $3, $11::timestamptz, $11::timestamptz, $2 FROM r WHERE $10::text IS NOT NULL
)
SELECT seq FROM r`

// safetyColumns gives insertOne's safety assessment and case parameters
// ($10-$14): all nil when the record has none.
func safetyColumns(a *bonafide.Assessment) (level, due, engine, output, rank any) {
	if a == nil {
		return nil, nil, nil, nil, nil
	}
	return a.SafetyLevel, a.DecisionDue, a.Engine, string(a.Output), bonafide.SafetyRank(a.SafetyLevel)
}

// tagColumns splits tags into the kind and tag arrays insertOne takes.
func tagColumns(tags []vault.Tag) ([]string, [][]byte) {
	kinds := make([]string, len(tags))
	sums := make([][]byte, len(tags))
	for i, t := range tags {
		kinds[i] = string(t.Kind)
		sums[i] = t.Sum[:]
	}
	return kinds, sums
}

// now returns the store's clock at PostgreSQL's precision.
func (s *Store) now() time.Time { return sqlstore.Micro(s.opts.Now()) }

// Add stores rec durably and returns its sequence number. Concurrent Adds
// share a commit (sqlstore.Batcher). An error means the record was not
// stored: if ctx ends before the writer has claimed the request, Add returns
// ctx's error at once and the writer skips it; once claimed, Add waits for
// the commit (a few milliseconds) and reports its outcome.
func (s *Store) Add(ctx context.Context, rec bonafide.Record) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("postgres: add: %w", err)
	}
	enc, err := s.codec.Encode(rec, nil)
	if err != nil {
		return 0, err
	}
	return s.batch.Add(ctx, enc)
}

// commit inserts a batch in one transaction, a sqlstore.CommitFunc. It
// takes the records lock first and only then claims the requests, so that an
// Add queued behind a long Import can still be abandoned by its caller; the
// inserts are then pipelined in one round trip. A duplicate id fails only its
// own request; any other failure fails the whole batch.
func (s *Store) commit(batch []*sqlstore.Request[sqlstore.Encoded], results []sqlstore.Result) error {
	ctx := context.Background()
	storedAt := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockRecords); err != nil {
			return fmt.Errorf("postgres: lock records: %w", err)
		}
		var b pgx.Batch
		live := make([]int, 0, len(batch))
		for i, r := range batch {
			if !r.Take() {
				continue // abandoned: the caller has returned and wants no answer
			}
			queueInsert(&b, &r.Item, storedAt)
			live = append(live, i)
		}
		if len(live) == 0 {
			return nil
		}
		br := tx.SendBatch(ctx, &b)
		for _, i := range live {
			err := br.QueryRow().Scan(&results[i].Seq)
			switch {
			case err == pgx.ErrNoRows:
				results[i].Err = bonafide.Errorf(bonafide.EConflict, "referral %q is already stored", batch[i].Item.ReferralID.String)
			case isUniqueViolation(err):
				br.Close()
				return bonafide.Errorf(bonafide.EConflict, "a referral id in this group is already stored")
			case err != nil:
				br.Close()
				return fmt.Errorf("postgres: insert %s: %w", batch[i].Item.Type, err)
			}
		}
		return br.Close()
	})
}

// queueInsert queues insertOne for e on b (the caller holds lockRecords).
func queueInsert(b *pgx.Batch, e *sqlstore.Encoded, storedAt time.Time) {
	queueInsertSQL(b, insertOne, e, storedAt)
}

// insertAudited is insertOne for the audited intake: a duplicate referral
// id fails the statement (a unique violation) instead of inserting nothing,
// so that the audit entries and the COMMIT sent with it do not go ahead.
var insertAudited = strings.Replace(insertOne, "\n\tON CONFLICT (referral_id) DO NOTHING", "", 1)

// queueInsertAudited queues the insert of e as insertAudited.
func queueInsertAudited(b *pgx.Batch, e *sqlstore.Encoded, storedAt time.Time) {
	queueInsertSQL(b, insertAudited, e, storedAt)
}

func queueInsertSQL(b *pgx.Batch, sql string, e *sqlstore.Encoded, storedAt time.Time) {
	kinds, sums := tagColumns(e.Tags)
	level, due, engine, output, rank := safetyColumns(e.Safety)
	b.Queue(sql, string(e.Type), storedAt, e.RecordTime, e.ReferralID, e.OutcomeOf, e.Body, e.Reporter, kinds, sums,
		level, due, engine, output, rank, e.Channel)
}

// importChunk is how many records Import checks for duplicates and copies
// at a time; importQueue is how many chunks may wait, encoded, for the copy
// (sqlstore.Codec.EncodeAll).
const (
	importChunk = 1000
	importQueue = 2
)

// Import stores every record of recs in one transaction: all or none. It
// holds the records lock throughout, so other writers wait until it ends.
// Records are checked for duplicate referral ids (within recs and against
// the table) and written with COPY, a chunk at a time. It returns the number
// of records stored, or the first error (from recs, from encoding, a
// duplicate referral id with EConflict, or ctx) with the number of records
// taken before it, having written nothing.
func (s *Store) Import(ctx context.Context, recs iter.Seq2[bonafide.Record, error]) (int, error) {
	end, err := s.batch.Begin() // so that Close waits for the import
	if err != nil {
		return 0, err
	}
	defer end()
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("postgres: import: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres: import: begin: %w", err)
	}
	defer tx.Rollback(context.Background())
	n, err := s.importTx(ctx, tx, recs)
	if err != nil {
		return n, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("postgres: import: commit: %w", err)
	}
	return n, nil
}

// importer carries one Import's state across chunks.
type importer struct {
	tx       pgx.Tx
	next     int64 // seq of the next record
	storedAt time.Time
	seen     map[string]bool // referral ids taken so far
	n        int             // records copied
}

func (s *Store) importTx(ctx context.Context, tx pgx.Tx, recs iter.Seq2[bonafide.Record, error]) (int, error) {
	if _, err := tx.Exec(ctx, lockRecords); err != nil {
		return 0, fmt.Errorf("postgres: import: %w", err)
	}
	im := &importer{tx: tx, storedAt: s.now(), seen: map[string]bool{}}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM records`).Scan(&im.next); err != nil {
		return 0, fmt.Errorf("postgres: import: %w", err)
	}
	err := s.codec.EncodeAll(recs, importChunk, importQueue, func(chunk []sqlstore.Encoded) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("postgres: import: %w", err)
		}
		return im.copyChunk(ctx, chunk)
	})
	return im.n, err
}

// copyChunk copies the records of chunk before its first duplicate referral
// id, and returns EConflict if there is one.
func (im *importer) copyChunk(ctx context.Context, chunk []sqlstore.Encoded) error {
	var ids []string
	for _, e := range chunk {
		if e.ReferralID.Valid {
			ids = append(ids, e.ReferralID.String)
		}
	}
	stored := map[string]bool{}
	if len(ids) > 0 {
		rows, err := im.tx.Query(ctx, `SELECT referral_id FROM records WHERE referral_id = ANY($1)`, ids)
		if err != nil {
			return fmt.Errorf("postgres: import: %w", err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("postgres: import: %w", err)
		}
		for _, id := range got {
			stored[id] = true
		}
	}
	var conflict error
	for i, e := range chunk {
		if !e.ReferralID.Valid {
			continue
		}
		id := e.ReferralID.String
		if stored[id] || im.seen[id] {
			conflict = bonafide.Errorf(bonafide.EConflict, "referral %q is already stored", id)
			chunk = chunk[:i]
			break
		}
		im.seen[id] = true
	}
	if err := im.copy(ctx, chunk); err != nil {
		return err
	}
	return conflict
}

func (im *importer) copy(ctx context.Context, chunk []sqlstore.Encoded) error {
	if len(chunk) == 0 {
		return nil
	}
	first := im.next
	_, err := im.tx.CopyFrom(ctx, pgx.Identifier{"records"},
		[]string{"seq", "type", "stored_at", "record_time", "referral_id", "outcome_of", "body"},
		pgx.CopyFromSlice(len(chunk), func(i int) ([]any, error) {
			e := &chunk[i]
			return []any{first + int64(i), string(e.Type), im.storedAt, e.RecordTime, e.ReferralID, e.OutcomeOf, e.Body}, nil
		}))
	if err != nil {
		if isUniqueViolation(err) {
			return bonafide.Errorf(bonafide.EConflict, "a referral id in this import is already stored")
		}
		if cerr := ctx.Err(); cerr != nil {
			// The driver may report the cancellation as the closed
			// connection it caused; the caller asked for the cause.
			return fmt.Errorf("postgres: import: copy records: %w (%v)", cerr, err)
		}
		return fmt.Errorf("postgres: import: copy records: %w", err)
	}
	var reps [][]any
	for i := range chunk {
		if chunk[i].Reporter != nil {
			reps = append(reps, []any{first + int64(i), chunk[i].Reporter})
		}
	}
	if len(reps) > 0 {
		if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"reporters"}, []string{"seq", "sealed"}, pgx.CopyFromRows(reps)); err != nil {
			return fmt.Errorf("postgres: import: copy reporters: %w", err)
		}
	}
	var tags [][]any
	for i := range chunk {
		for _, t := range chunk[i].Tags {
			tags = append(tags, []any{chunk[i].ReferralID.String, string(t.Kind), t.Sum[:]})
		}
	}
	if len(tags) > 0 {
		if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"reporter_tags"}, []string{"referral_id", "kind", "tag"}, pgx.CopyFromRows(tags)); err != nil {
			return fmt.Errorf("postgres: import: copy reporter tags: %w", err)
		}
	}
	var safety [][]any
	for i := range chunk {
		if a := chunk[i].Safety; a != nil {
			safety = append(safety, []any{a.ReferralID, first + int64(i), a.SafetyLevel, false, 0.0, a.DecisionDue,
				a.Engine, im.storedAt, string(a.Output), string(bonafide.KindSafety)})
		}
	}
	var cases [][]any
	for i := range chunk {
		if a := chunk[i].Safety; a != nil {
			cases = append(cases, []any{a.ReferralID, first + int64(i), string(bonafide.CaseReceived), a.SafetyLevel,
				int32(bonafide.SafetyRank(a.SafetyLevel)), chunk[i].Channel, chunk[i].RecordTime, a.DecisionDue, a.DecisionDue, im.storedAt})
		}
	}
	if len(safety) > 0 {
		if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"cases"},
			[]string{"referral_id", "seq", "state", "safety_level", "safety_rank", "channel", "received_at", "decision_due", "due", "updated"},
			pgx.CopyFromRows(cases)); err != nil {
			return fmt.Errorf("postgres: import: copy cases: %w", err)
		}
		if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"assessments"},
			[]string{"referral_id", "seq", "safety_level", "flagged", "score", "decision_due", "engine", "created", "output", "kind"},
			pgx.CopyFromRows(safety)); err != nil {
			return fmt.Errorf("postgres: import: copy safety assessments: %w", err)
		}
	}
	im.next += int64(len(chunk))
	im.n += len(chunk)
	return nil
}
