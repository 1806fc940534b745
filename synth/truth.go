package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"iter"
)

// Truth is what really lay behind one referral: the answer key that triage
// and linkage are scored against. It is written to a separate file and never
// into the stream.
type Truth struct {
	// ReferralID is the referral's id in the stream.
	ReferralID string `json:"referral_id"`
	// Family is the true family: the same for every referral about it.
	Family string `json:"family"`
	// Reporter is the true person behind the referral, whatever name,
	// address or device they gave: the same for every referral they made,
	// including a helpline's relay of their call.
	Reporter string `json:"reporter"`
	// Campaign names the harassment campaign the referral belongs to, or is
	// nil when the referral is genuine.
	Campaign *string `json:"campaign"`
	// ImmediateDanger is whether the reporter claimed a child is in danger
	// now (a troll may claim it too; triage must still rate it immediate).
	ImmediateDanger bool `json:"immediate_danger"`
	// RelayOf is the id of the original referral when this one is a
	// helpline's relay of the same call.
	RelayOf string `json:"relay_of,omitempty"`
	// Kind is the scenario that produced the referral; see the Kind
	// constants.
	Kind string `json:"kind"`
}

// Scenario kinds, as written in Truth.Kind. Genuine kinds start "genuine_",
// campaign kinds "campaign_".
const (
	KindGenuineProfessional   = "genuine_professional"    // one-off concern from school, health or police
	KindGenuineRepeat         = "genuine_repeat"          // repeated neglect concerns over months, mostly school and health
	KindGenuineDomestic       = "genuine_domestic"        // domestic abuse: police notifications, neighbours hearing it
	KindGenuineRelative       = "genuine_relative"        // family member or friend
	KindGenuineNeighbour      = "genuine_neighbour"       // neighbour, named or not
	KindGenuineAnonymous      = "genuine_anonymous"       // anonymous or vague about how they know
	KindGenuineOnline         = "genuine_online"          // a child hurt on a live stream; a burst from the public
	KindGenuineTargetedFamily = "genuine_targeted_family" // a real concern about a family a campaign targets
	KindCampaignTwistedPost   = "campaign_twisted_post"   // a claim twisted from a public post, hours after it
	KindCampaignBirth         = "campaign_birth"          // in the weeks after a birth announcement
	KindCampaignInvented      = "campaign_invented"       // an invented allegation
	KindCampaignFakeNeighbour = "campaign_fake_neighbour" // claims to live nearby, first-hand, without first-hand detail
	KindCampaignRelay         = "campaign_relay"          // a helpline's relay of a troll's call
	KindCampaignFeud          = "campaign_feud"           // someone who knows the family, reporting again and again
)

// ReadTruth reads a truth file, one JSON object a line, yielding each line
// with its error; a malformed line yields an error naming the line and the
// sequence goes on.
func ReadTruth(r io.Reader) iter.Seq2[Truth, error] {
	return func(yield func(Truth, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			b := sc.Bytes()
			if len(b) == 0 {
				continue
			}
			var t Truth
			if err := json.Unmarshal(b, &t); err != nil {
				if !yield(Truth{}, fmt.Errorf("truth line %d: %w", line, err)) {
					return
				}
				continue
			}
			if t.ReferralID == "" {
				if !yield(Truth{}, fmt.Errorf("truth line %d: no referral_id", line)) {
					return
				}
				continue
			}
			if !yield(t, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(Truth{}, fmt.Errorf("truth line %d: %w", line+1, err))
		}
	}
}
