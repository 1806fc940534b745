package synth

import (
	"fmt"
	"time"
)

// Config says what to generate. The zero value of every field but Seed and
// Families means its default; rates are shares between 0 and 1.
type Config struct {
	// Seed determines every byte of the output.
	Seed int64
	// Families is how many households to invent (default 1,000). Genuine
	// referrals come to about 300 per 1,000 families every two years: the
	// rates scale with Months.
	Families int
	// Start is the first moment of the period (default 2025-01-06, UTC).
	Start time.Time
	// Months is the length of the period (default 24). Nothing is written
	// after it: outcomes that would be decided later are left out.
	Months int

	// PublicShare is the share of families with a public presence online:
	// influencers, presenters, a local politician (default 0.03).
	PublicShare float64
	// TargetedShare is the share of public families a harassment campaign
	// goes after (default 0.04: with the default public share,
	// about one campaign per 800 families).
	TargetedShare float64
	// FeudShare is the share of ordinary families harassed by someone who
	// knows them, such as a neighbour in a dispute (default 0.0004).
	FeudShare float64
	// GenuineScale multiplies the rate of every genuine scenario (default 1).
	GenuineScale float64
	// CampaignScale multiplies how many referrals a campaign makes (default 1).
	CampaignScale float64

	// ChunkFamilies is how many families are generated and sorted together
	// before being spilled to a temporary file (default 20,000). It bounds
	// memory; it never changes the output.
	ChunkFamilies int
	// TempDir is where sorted runs are spilled (default os.TempDir()).
	TempDir string
}

// Stats counts what Generate wrote, for the command's summary and for tests
// that check the scenario rates.
type Stats struct {
	Families          int            `json:"families"`           // households invented
	Referrals         int            `json:"referrals"`          // referral records written (one truth line each)
	CampaignReferrals int            `json:"campaign_referrals"` // of which made by a campaign, relays included
	Relays            int            `json:"relays"`             // referrals passed on by the helpline, genuine or not
	ImmediateDanger   int            `json:"immediate_danger"`   // referrals claiming a child is in danger now
	PublicPosts       int            `json:"public_posts"`       // public_post records written
	ForumPosts        int            `json:"forum_posts"`        // forum_post records written
	Outcomes          int            `json:"outcomes"`           // outcome records written
	Campaigns         int            `json:"campaigns"`          // harassment campaigns and feuds
	Trolls            int            `json:"trolls"`             // troll roles across campaigns (a serial troll counts in each)
	Kinds             map[string]int `json:"kinds"`              // referrals by Truth.Kind
}

func (s *Stats) add(o *Stats) {
	s.Referrals += o.Referrals
	s.CampaignReferrals += o.CampaignReferrals
	s.Relays += o.Relays
	s.ImmediateDanger += o.ImmediateDanger
	s.PublicPosts += o.PublicPosts
	s.ForumPosts += o.ForumPosts
	s.Outcomes += o.Outcomes
	s.Campaigns += o.Campaigns
	s.Trolls += o.Trolls
	if s.Kinds == nil {
		s.Kinds = make(map[string]int)
	}
	for k, v := range o.Kinds {
		s.Kinds[k] += v
	}
}

// withDefaults returns cfg with defaults filled in, or an error naming the
// first field that is out of range.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Families == 0 {
		cfg.Families = 1000
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	}
	cfg.Start = cfg.Start.UTC()
	if cfg.Months == 0 {
		cfg.Months = 24
	}
	if cfg.PublicShare == 0 {
		cfg.PublicShare = 0.03
	}
	if cfg.TargetedShare == 0 {
		cfg.TargetedShare = 0.04
	}
	if cfg.FeudShare == 0 {
		cfg.FeudShare = 0.0004
	}
	if cfg.GenuineScale == 0 {
		cfg.GenuineScale = 1
	}
	if cfg.CampaignScale == 0 {
		cfg.CampaignScale = 1
	}
	if cfg.ChunkFamilies == 0 {
		cfg.ChunkFamilies = 20000
	}
	switch {
	case cfg.Families < 0 || cfg.Families > 1<<32-1:
		return cfg, fmt.Errorf("families %d out of range 1..%d", cfg.Families, 1<<32-1)
	case cfg.Months < 0 || cfg.Months > 600:
		return cfg, fmt.Errorf("months %d out of range 1..600", cfg.Months)
	case cfg.ChunkFamilies < 0:
		return cfg, fmt.Errorf("chunk families %d is negative", cfg.ChunkFamilies)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"public share", cfg.PublicShare}, {"targeted share", cfg.TargetedShare}, {"feud share", cfg.FeudShare}} {
		if f.v < 0 || f.v > 1 {
			return cfg, fmt.Errorf("%s %g out of range 0..1", f.name, f.v)
		}
	}
	if cfg.GenuineScale < 0 || cfg.GenuineScale > 50 || cfg.CampaignScale < 0 || cfg.CampaignScale > 50 {
		return cfg, fmt.Errorf("scales %g, %g out of range 0..50", cfg.GenuineScale, cfg.CampaignScale)
	}
	return cfg, nil
}
