package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"bonafide"
)

// encoded is a record made ready for the records and reporters tables. The
// work is done by the caller's goroutine, so that JSON encoding and sealing of
// concurrent Adds run in parallel and only the inserts are serialised.
type encoded struct {
	typ        bonafide.RecordType
	recordTime int64          // microseconds since the epoch
	referralID sql.NullString // a referral's own id
	outcomeOf  sql.NullString // an outcome's referral id
	body       []byte         // interchange JSON without the reporter
	reporter   []byte         // sealed reporter JSON; nil when none
}

// encode checks that rec is a record this store can keep and encodes it.
func (s *Store) encode(rec bonafide.Record) (encoded, error) {
	var e encoded
	var err error
	switch r := rec.(type) {
	case *bonafide.Referral:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil referral")
		}
		if r.ID == "" {
			return e, bonafide.Errorf(bonafide.EInvalid, "referral has no id")
		}
		e.referralID = sql.NullString{String: r.ID, Valid: true}
		bare := *r
		bare.Reporter = nil
		if e.body, err = json.Marshal(&bare); err != nil {
			return e, fmt.Errorf("encode referral: %w", err)
		}
		if r.Reporter != nil {
			if e.reporter, err = s.encodeReporter(r.ID, r.Reporter); err != nil {
				return e, err
			}
		}
	case *bonafide.PublicPost:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil public post")
		}
		e.body, err = json.Marshal(r)
	case *bonafide.ForumPost:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil forum post")
		}
		e.body, err = json.Marshal(r)
	case *bonafide.Outcome:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil outcome")
		}
		e.outcomeOf = sql.NullString{String: r.ReferralID, Valid: true}
		e.body, err = json.Marshal(r)
	case nil:
		return e, bonafide.Errorf(bonafide.EInvalid, "nil record")
	default:
		return e, bonafide.Errorf(bonafide.EInvalid, "unknown record type %T", rec)
	}
	if err != nil {
		return e, fmt.Errorf("encode %s: %w", rec.RecordType(), err)
	}
	e.typ = rec.RecordType()
	e.recordTime = rec.RecordTime().UnixMicro()
	return e, nil
}

// encodeReporter is the one place reporter data is turned into bytes for the
// database. Its errors never carry reporter content.
func (s *Store) encodeReporter(referralID string, r *bonafide.Reporter) ([]byte, error) {
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode reporter of referral %q: unencodable value", referralID)
	}
	if s.opts.Sealer == nil {
		return plain, nil
	}
	sealed, err := s.opts.Sealer.Seal(plain, []byte(referralID))
	if err != nil {
		return nil, fmt.Errorf("seal reporter of referral %q: %w", referralID, err)
	}
	return sealed, nil
}

// decodeReporter reverses encodeReporter. Its errors never carry reporter
// content.
func (s *Store) decodeReporter(referralID string, b []byte) (*bonafide.Reporter, error) {
	plain := b
	if s.opts.Sealer != nil {
		var err error
		if plain, err = s.opts.Sealer.Open(b, []byte(referralID)); err != nil {
			return nil, fmt.Errorf("open reporter of referral %q: %w", referralID, err)
		}
	}
	r := new(bonafide.Reporter)
	if err := json.Unmarshal(plain, r); err != nil {
		return nil, fmt.Errorf("decode reporter of referral %q: malformed data", referralID)
	}
	return r, nil
}

// decode rebuilds a stored record from its row; reporter is nil when the
// referral has none.
func (s *Store) decode(seq int64, typ string, storedAt int64, body, reporter []byte) (bonafide.Stored, error) {
	st := bonafide.Stored{Seq: seq, StoredAt: time.UnixMicro(storedAt).UTC()}
	var rec bonafide.Record
	switch bonafide.RecordType(typ) {
	case bonafide.TypeReferral:
		rec = new(bonafide.Referral)
	case bonafide.TypePublicPost:
		rec = new(bonafide.PublicPost)
	case bonafide.TypeForumPost:
		rec = new(bonafide.ForumPost)
	case bonafide.TypeOutcome:
		rec = new(bonafide.Outcome)
	default:
		return st, fmt.Errorf("decode record %d: unknown type %q", seq, typ)
	}
	if err := json.Unmarshal(body, rec); err != nil {
		return st, fmt.Errorf("decode record %d: %w", seq, err)
	}
	if r, ok := rec.(*bonafide.Referral); ok && reporter != nil {
		rep, err := s.decodeReporter(r.ID, reporter)
		if err != nil {
			return st, fmt.Errorf("record %d: %w", seq, err)
		}
		r.Reporter = rep
	}
	st.Record = rec
	return st, nil
}
