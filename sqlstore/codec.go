package sqlstore

import (
	"database/sql"
	"fmt"
	"time"

	"bonafide"
	"bonafide/interchange"
	"bonafide/vault"
)

// Codec encodes records for the records, reporters, reporter_tags and
// assessments tables, and decodes them again. Both stores hold one, so that
// what is checked, sealed, tagged and judged on the way in is the same
// whichever database keeps it. The zero value stores reporters in the clear,
// untagged and unjudged, which only tests want.
type Codec struct {
	// Sealer, when set, seals reporter JSON before it is written and opens
	// it when read.
	Sealer bonafide.Sealer
	// Tagger, when set, gives the blind-index tags of a referral's reporter.
	Tagger vault.Tagger
	// Judge, when set, makes a referral's safety assessment at intake.
	Judge bonafide.SafetyJudge
	// Now is the clock record times are checked against; time.Now when nil.
	Now func() time.Time
}

// Encoded is a record made ready for the tables. The work is done on the
// caller's goroutine, so that JSON encoding and sealing of concurrent writes
// run in parallel and only the inserts are serialised.
type Encoded struct {
	Type       bonafide.RecordType
	RecordTime time.Time            // the record's own time (received_at, posted_at …)
	ReferralID sql.NullString       // a referral's own id
	OutcomeOf  sql.NullString       // an outcome's referral id
	Body       []byte               // interchange JSON without the reporter
	Reporter   []byte               // sealed reporter JSON; nil when none
	Tags       []vault.Tag          // the reporter's blind-index tags (Codec.Tagger)
	Safety     *bonafide.Assessment // a referral's safety assessment (Codec.Judge); the store sets Seq
	Channel    string               // a referral's channel, for the case the store opens with it
}

// Encode checks that rec is a record a store can keep (bonafide.CheckRecord,
// so that no path into a store writes a referral that would then sit
// untriaged) and encodes it, appending its body to buf (which may be nil)
// so that a bulk load can reuse one buffer. The body is the domain's own
// interchange JSON, which keeps unknown members.
func (c *Codec) Encode(rec bonafide.Record, buf []byte) (Encoded, error) {
	var e Encoded
	if errs := bonafide.CheckRecord(rec, c.now()); len(errs) > 0 {
		return e, &bonafide.ValidationError{Errors: errs}
	}
	switch r := rec.(type) {
	case *bonafide.Referral:
		if r == nil {
			return e, bonafide.Errorf(bonafide.EInvalid, "nil referral")
		}
		if r.ID == "" {
			return e, bonafide.Errorf(bonafide.EInvalid, "referral has no id")
		}
		e.ReferralID = sql.NullString{String: r.ID, Valid: true}
		e.Channel = string(r.Channel)
		if c.Judge != nil {
			a, err := bonafide.JudgeAtIntake(c.Judge, r)
			if err != nil {
				return e, err
			}
			a.DecisionDue = Micro(a.DecisionDue) // as both databases keep it
			e.Safety = &a
		}
		if r.Reporter != nil {
			var err error
			if e.Reporter, err = c.encodeReporter(r.ID, r.Reporter); err != nil {
				return e, err
			}
			if c.Tagger != nil {
				if e.Tags, err = c.Tagger(r.Reporter); err != nil {
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
		e.OutcomeOf = sql.NullString{String: r.ReferralID, Valid: true}
	case nil:
		return e, bonafide.Errorf(bonafide.EInvalid, "nil record")
	default:
		return e, bonafide.Errorf(bonafide.EInvalid, "unknown record type %T", rec)
	}
	body, err := appendBody(buf, rec)
	if err != nil {
		return e, bonafide.Errorf(bonafide.EInvalid, "encode %s: %v", rec.RecordType(), err)
	}
	e.Body = body
	e.Type = rec.RecordType()
	e.RecordTime = rec.RecordTime()
	return e, nil
}

// appendBody and parseBody are the stores' only calls of the record JSON
// codec, so that moving it is a change of these two lines.
func appendBody(buf []byte, rec bonafide.Record) ([]byte, error) {
	return interchange.Append(buf, rec)
}
func parseBody(body []byte) (bonafide.Record, error) { return interchange.Unmarshal(body) }

func (c *Codec) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// encodeReporter is the one place reporter data is turned into bytes for the
// database. Its errors never carry reporter content.
func (c *Codec) encodeReporter(referralID string, r *bonafide.Reporter) ([]byte, error) {
	plain, err := interchange.AppendReporter(nil, r)
	if err != nil {
		return nil, fmt.Errorf("encode reporter of referral %q: unencodable value", referralID)
	}
	if c.Sealer == nil {
		return plain, nil
	}
	sealed, err := c.Sealer.Seal(plain, []byte(referralID))
	if err != nil {
		return nil, fmt.Errorf("seal reporter of referral %q: %w", referralID, err)
	}
	return sealed, nil
}

// decodeReporter reverses encodeReporter. Its errors never carry reporter
// content.
func (c *Codec) decodeReporter(referralID string, b []byte) (*bonafide.Reporter, error) {
	plain := b
	if c.Sealer != nil {
		var err error
		if plain, err = c.Sealer.Open(b, []byte(referralID)); err != nil {
			return nil, fmt.Errorf("open reporter of referral %q: %w", referralID, err)
		}
	}
	r, err := interchange.UnmarshalReporter(plain)
	if err != nil {
		return nil, fmt.Errorf("decode reporter of referral %q: malformed data", referralID)
	}
	return r, nil
}

// Decode rebuilds a stored record from its row: seq, type and stored_at of
// table records, its body, and the sealed reporter of table reporters (nil
// when the referral has none). A body of another type than the row's is an
// error, so that a damaged row is never served as something else.
func (c *Codec) Decode(seq int64, typ string, storedAt time.Time, body, reporter []byte) (bonafide.Stored, error) {
	st := bonafide.Stored{Seq: seq, StoredAt: storedAt.UTC()}
	rec, err := parseBody(body)
	if err != nil {
		return st, fmt.Errorf("decode record %d: %w", seq, err)
	}
	if rec.RecordType() != bonafide.RecordType(typ) {
		return st, fmt.Errorf("decode record %d: body is a %s, row says %s", seq, rec.RecordType(), typ)
	}
	if r, ok := rec.(*bonafide.Referral); ok && reporter != nil {
		rep, err := c.decodeReporter(r.ID, reporter)
		if err != nil {
			return st, fmt.Errorf("record %d: %w", seq, err)
		}
		r.Reporter = rep
	}
	st.Record = rec
	return st, nil
}

// Micro returns t at the microsecond precision both databases keep, in
// UTC, so that what a store returns equals what it reads back later.
func Micro(t time.Time) time.Time { return time.UnixMicro(t.UnixMicro()).UTC() }

// EncodeRecord is Encode for auditlog.RecordStorage: the record sealed and
// encoded outside the audit log's lock, as the *Encoded AppendWithRecords
// takes back (see Encodeds).
func (c *Codec) EncodeRecord(rec bonafide.Record) (any, error) {
	enc, err := c.Encode(rec, nil)
	if err != nil {
		return nil, err
	}
	return &enc, nil
}

// Encodeds returns the records EncodeRecord made, one beside each audit
// entry (nil where an entry has none), or an error naming one that is not.
func Encodeds(recs []any) ([]*Encoded, error) {
	out := make([]*Encoded, len(recs))
	for i, r := range recs {
		if r == nil {
			continue
		}
		enc, ok := r.(*Encoded)
		if !ok {
			return nil, fmt.Errorf("record %d: %T is not from EncodeRecord", i, r)
		}
		out[i] = enc
	}
	return out, nil
}
