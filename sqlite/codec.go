package sqlite

import (
	"database/sql"
	"fmt"
	"time"

	"bonafide"
	"bonafide/interchange"
	"bonafide/vault"
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
	tags       []vault.Tag    // the reporter's blind-index tags (Options.Tagger)
}

// encode checks that rec is a record this store can keep and encodes it,
// appending its body to buf (which may be nil) so that Import can reuse one
// buffer. The body is the domain's own interchange JSON (interchange.Append),
// which keeps unknown members.
func (s *Store) encode(rec bonafide.Record, buf []byte) (encoded, error) {
	var e encoded
	switch r := rec.(type) {
	case *bonafide.Referral:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil referral")
		}
		if r.ID == "" {
			return e, bonafide.Errorf(bonafide.EInvalid, "referral has no id")
		}
		e.referralID = sql.NullString{String: r.ID, Valid: true}
		if r.Reporter != nil {
			var err error
			if e.reporter, err = s.encodeReporter(r.ID, r.Reporter); err != nil {
				return e, err
			}
			if s.opts.Tagger != nil {
				if e.tags, err = s.opts.Tagger(r.Reporter); err != nil {
					return e, fmt.Errorf("index reporter of referral %q: %w", r.ID, err)
				}
			}
			bare := *r
			bare.Reporter = nil
			rec = &bare
		}
	case *bonafide.PublicPost:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil public post")
		}
	case *bonafide.ForumPost:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil forum post")
		}
	case *bonafide.Outcome:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil outcome")
		}
		e.outcomeOf = sql.NullString{String: r.ReferralID, Valid: true}
	case nil:
		return e, bonafide.Errorf(bonafide.EInvalid, "nil record")
	default:
		return e, bonafide.Errorf(bonafide.EInvalid, "unknown record type %T", rec)
	}
	body, err := interchange.Append(buf, rec)
	if err != nil {
		return e, bonafide.Errorf(bonafide.EInvalid, "encode %s: %v", rec.RecordType(), err)
	}
	e.body = body
	e.typ = rec.RecordType()
	e.recordTime = rec.RecordTime().UnixMicro()
	return e, nil
}

// encodeReporter is the one place reporter data is turned into bytes for the
// database. Its errors never carry reporter content.
func (s *Store) encodeReporter(referralID string, r *bonafide.Reporter) ([]byte, error) {
	plain, err := interchange.AppendReporter(nil, r)
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
	r, err := interchange.UnmarshalReporter(plain)
	if err != nil {
		return nil, fmt.Errorf("decode reporter of referral %q: malformed data", referralID)
	}
	return r, nil
}

// decode rebuilds a stored record from its row; reporter is nil when the
// referral has none.
func (s *Store) decode(seq int64, typ string, storedAt int64, body, reporter []byte) (bonafide.Stored, error) {
	st := bonafide.Stored{Seq: seq, StoredAt: time.UnixMicro(storedAt).UTC()}
	rec, err := interchange.Unmarshal(body)
	if err != nil {
		return st, fmt.Errorf("decode record %d: %w", seq, err)
	}
	if rec.RecordType() != bonafide.RecordType(typ) {
		return st, fmt.Errorf("decode record %d: body is a %s, row says %s", seq, rec.RecordType(), typ)
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
