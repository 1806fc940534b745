package sqlstore

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"bonafide"
	"bonafide/storetest"
	"bonafide/vault"
)

// xorSealer stands in for the vault: it binds the sealed bytes to aad and
// hides the plaintext, which is all the codec relies on.
type xorSealer struct{}

func (xorSealer) Seal(plain, aad []byte) ([]byte, error) {
	out := append([]byte{byte(len(aad))}, aad...)
	for _, b := range plain {
		out = append(out, b^0x5a)
	}
	return out, nil
}

func (xorSealer) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) == 0 || int(sealed[0]) > len(sealed)-1 || !bytes.Equal(sealed[1:1+int(sealed[0])], aad) {
		return nil, errors.New("wrong aad")
	}
	var out []byte
	for _, b := range sealed[1+int(sealed[0]):] {
		out = append(out, b^0x5a)
	}
	return out, nil
}

func testCodec() *Codec {
	return &Codec{
		Sealer: xorSealer{},
		Tagger: func(r *bonafide.Reporter) ([]vault.Tag, error) {
			return []vault.Tag{{Kind: vault.TagEmail, Sum: [8]byte{1}}}, nil
		},
		Judge: func(r *bonafide.Referral) (bonafide.Assessment, error) {
			return bonafide.Assessment{ReferralID: r.ID, Engine: "test", SafetyLevel: "standard",
				DecisionDue: r.ReceivedAt.Add(time.Hour + time.Nanosecond), Output: []byte(`{}`)}, nil
		},
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
}

// TestCodecRoundTrip checks that a referral comes back as it went in, with
// its reporter sealed apart under its id, tagged and judged.
func TestCodecRoundTrip(t *testing.T) {
	c := testCodec()
	ref := storetest.GenReferral(rand.New(rand.NewPCG(1, 2)), "R-1")
	e, err := c.Encode(ref, nil)
	if err != nil {
		t.Fatalf("Encode() = %v", err)
	}
	if e.Type != bonafide.TypeReferral || e.ReferralID.String != "R-1" || e.OutcomeOf.Valid || !e.RecordTime.Equal(ref.ReceivedAt) {
		t.Errorf("Encode() columns = %s, %v, %v, %v", e.Type, e.ReferralID, e.OutcomeOf, e.RecordTime)
	}
	if bytes.Contains(e.Body, []byte(ref.Reporter.Phone)) || bytes.Contains(e.Reporter, []byte(ref.Reporter.Phone)) {
		t.Errorf("Encode() keeps the reporter's phone in the clear")
	}
	if len(e.Tags) != 1 {
		t.Errorf("Encode() tags = %v, want one", e.Tags)
	}
	if e.Safety == nil || e.Safety.Kind != bonafide.KindSafety || e.Safety.DecisionDue.Nanosecond()%1000 != 0 {
		t.Errorf("Encode() safety = %+v, want kind safety at microsecond precision", e.Safety)
	}
	stored := time.Date(2026, 1, 1, 1, 0, 0, 0, time.FixedZone("x", 3600))
	st, err := c.Decode(9, string(e.Type), stored, e.Body, e.Reporter)
	if err != nil {
		t.Fatalf("Decode() = %v", err)
	}
	if st.Seq != 9 || st.StoredAt.Location() != time.UTC || !st.StoredAt.Equal(stored) {
		t.Errorf("Decode() = seq %d at %v", st.Seq, st.StoredAt)
	}
	if !reflect.DeepEqual(st.Record, bonafide.Record(ref)) {
		t.Errorf("Decode() = %+v, want %+v", st.Record, ref)
	}
	if _, err := c.Decode(9, string(e.Type), stored, e.Body, append([]byte{1, 'X'}, e.Reporter[2:]...)); err == nil {
		t.Errorf("Decode(reporter sealed under another id) = nil error")
	}
	if _, err := c.Decode(9, string(bonafide.TypeOutcome), stored, e.Body, nil); err == nil {
		t.Errorf("Decode(row type outcome, referral body) = nil error")
	}
}

// TestCodecRefuses checks what Encode turns away, each with code EInvalid.
func TestCodecRefuses(t *testing.T) {
	c := testCodec()
	future := storetest.GenReferral(rand.New(rand.NewPCG(1, 2)), "R-2")
	future.ReceivedAt = c.Now().Add(48 * time.Hour)
	tests := []struct {
		name string
		rec  bonafide.Record
	}{
		{"nil", nil},
		{"nil referral", (*bonafide.Referral)(nil)},
		{"nil outcome", (*bonafide.Outcome)(nil)},
		{"referral without id", &bonafide.Referral{ReceivedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"referral from the future", future},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Encode(tt.rec, nil); bonafide.ErrorCode(err) != bonafide.EInvalid {
				t.Errorf("Encode() error = %v (code %q), want code %q", err, bonafide.ErrorCode(err), bonafide.EInvalid)
			}
		})
	}
}

// TestCodecAppends checks that Encode appends to the buffer it is given,
// so that a bulk load can reuse one.
func TestCodecAppends(t *testing.T) {
	c := &Codec{}
	o := &bonafide.Outcome{ReferralID: "R-1", DecidedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	e, err := c.Encode(o, []byte("prefix"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(e.Body, []byte("prefix")) || e.OutcomeOf.String != "R-1" || e.ReferralID.Valid {
		t.Errorf("Encode(outcome, buf) = body %q, outcome of %v, referral %v", e.Body, e.OutcomeOf, e.ReferralID)
	}
}
