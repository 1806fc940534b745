package synth

import (
	"encoding/json"

	"bonafide"
)

// Each line wrapper puts the "type" member first and the record's own
// members after it. If the domain types gain their own MarshalJSON (which
// writes "type" itself), the embedded method is promoted and used instead.
type (
	referralLine struct {
		Type bonafide.RecordType `json:"type"`
		*bonafide.Referral
	}
	publicPostLine struct {
		Type bonafide.RecordType `json:"type"`
		*bonafide.PublicPost
	}
	forumPostLine struct {
		Type bonafide.RecordType `json:"type"`
		*bonafide.ForumPost
	}
	outcomeLine struct {
		Type bonafide.RecordType `json:"type"`
		*bonafide.Outcome
	}
)

// encodeRecord returns rec as one interchange line, newline included.
func encodeRecord(rec bonafide.Record) ([]byte, error) {
	var v any
	switch x := rec.(type) {
	case *bonafide.Referral:
		v = referralLine{bonafide.TypeReferral, x}
	case *bonafide.PublicPost:
		v = publicPostLine{bonafide.TypePublicPost, x}
	case *bonafide.ForumPost:
		v = forumPostLine{bonafide.TypeForumPost, x}
	case *bonafide.Outcome:
		v = outcomeLine{bonafide.TypeOutcome, x}
	default:
		v = rec
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func encodeTruth(t *Truth) ([]byte, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
