package triage

import (
	"testing"
	"time"

	"bonafide"
)

var t0 = time.Date(2025, 5, 6, 9, 0, 0, 0, time.UTC)

func hours(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

func dob(s string) bonafide.PartialDate {
	d, err := bonafide.ParsePartialDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// quenby returns a referral about one invented family, the Quenbys, who
// post publicly as @mira.quenby.
func quenby(id string, at time.Time, rep *bonafide.Reporter, kb bonafide.KnowledgeBasis, narrative string) *bonafide.Referral {
	return &bonafide.Referral{
		ID: id, ReceivedAt: at, Channel: bonafide.ChannelWebForm, Reporter: rep, KnowledgeBasis: kb,
		Children: []bonafide.Person{{GivenName: "Ada", FamilyName: "Quenby", DOB: dob("2019-04-11"), Role: bonafide.RoleChild}},
		Adults: []bonafide.Person{{GivenName: "Mira", FamilyName: "Quenby", Role: bonafide.RoleMother,
			SocialHandles: []bonafide.SocialHandle{{Platform: "instagram", Handle: "@mira.quenby"}}}},
		Address:   &bonafide.Address{Line1: "4 Larch Row", Town: "Eastleigh", Postcode: "SO50 9ZZ"},
		Concerns:  []bonafide.Concern{{Category: bonafide.ConcernNeglect}},
		Narrative: narrative,
	}
}

// another returns a referral about a different invented family.
func another(id string, at time.Time, rep *bonafide.Reporter, narrative string) *bonafide.Referral {
	return &bonafide.Referral{
		ID: id, ReceivedAt: at, Channel: bonafide.ChannelPhone, Reporter: rep, KnowledgeBasis: bonafide.KnowledgeFirstHand,
		Children:  []bonafide.Person{{GivenName: "Tobin", FamilyName: "Arkwell", DOB: dob("2016-10-02"), Role: bonafide.RoleChild}},
		Address:   &bonafide.Address{Line1: "77 Mill Lane", Town: "Hexford", Postcode: "HX3 1QQ"},
		Concerns:  []bonafide.Concern{{Category: bonafide.ConcernNeglect}},
		Narrative: narrative,
	}
}

var (
	anon      = &bonafide.Reporter{Anonymous: true}
	troll     = &bonafide.Reporter{Anonymous: true, DeviceID: "dev-77aa", Email: "jo.smith84@example.org", ContactIP: "203.0.113.7"}
	trollVar  = &bonafide.Reporter{Anonymous: true, Email: "josmith84+kids@example.net", ContactIP: "203.0.113.99"}
	teacher   = &bonafide.Reporter{GivenName: "Pat", FamilyName: "Lowry", Relationship: bonafide.RelTeacher, Organisation: "Larch Primary School", Email: "p.lowry@larch.sch.example"}
	neighbour = &bonafide.Reporter{GivenName: "Sam", FamilyName: "Oduya", Relationship: bonafide.RelNeighbour, Phone: "07700 900111"}
	post      = &bonafide.PublicPost{ID: "PP-1", Platform: "instagram", Handle: "mira.quenby", PostedAt: hours(-5),
		Text: "Sunny barbecue in the garden, first glass of prosecco in months!", MediaNote: "mother holding a wine glass, toddler on a trampoline behind her"}
	birth = &bonafide.PublicPost{ID: "PP-0", Platform: "instagram", Handle: "mira.quenby", PostedAt: hours(-24 * 20),
		Text: "Welcome to the world baby Otto, born 3 weeks early and perfect", MediaNote: "newborn in a hospital cot"}
	restating = "She was drunk on prosecco at a barbecue while the toddler was bouncing on a trampoline unsupervised."
	vague     = "Everyone knows she is an unfit mother and the kid is neglected. Something must be done."
	detailed  = "On Monday at 3.15pm at the school gate I saw Ada crying; she told me she had not eaten since yesterday."
)

func outcome(id string, at time.Time, f bonafide.Finding) *bonafide.Outcome {
	return &bonafide.Outcome{ReferralID: id, DecidedAt: at, Decision: bonafide.DecisionNoFurtherAction, Finding: f}
}

func relay(r *bonafide.Referral, id string, at time.Time, narrative string) *bonafide.Referral {
	c := *r
	c.ID, c.ReceivedAt, c.Channel, c.Narrative = id, at, bonafide.ChannelRelay, narrative
	c.RelayedFrom = &bonafide.Relay{Agency: "A National Helpline", Ref: "H-1"}
	c.Reporter = nil
	return &c
}

// signalConfig weighs every signal (1, or -1 for the lowering ones), so
// that the signal tests see each signal fire whatever the shipped model's
// fitted weights are (a signal with weight 0 gives no reason).
func signalConfig() Config {
	c := DefaultConfig()
	c.Model = Model{Bias: -3, Weights: map[Signal]float64{}}
	for _, s := range Signals {
		c.Model.Weights[s] = 1
	}
	c.Model.Weights[SigProfessional], c.Model.Weights[SigRichDetail] = -1, -1
	return c
}

func run(t *testing.T, recs []bonafide.Record) []*Assessment {
	t.Helper()
	return runWith(t, signalConfig(), recs)
}

func runWith(t *testing.T, cfg Config, recs []bonafide.Record) []*Assessment {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Assessment
	for _, r := range recs {
		a, err := e.Observe(r)
		if err != nil {
			t.Fatalf("Observe(%v) = %v", r, err)
		}
		if a != nil {
			out = append(out, a)
		}
	}
	return out
}

func hasSignal(a *Assessment, s Signal) bool {
	for _, r := range a.Campaign.Reasons {
		if r.Signal == s {
			return r.Evidence != ""
		}
	}
	return false
}

func TestSignals(t *testing.T) {
	r1 := quenby("R1", hours(0), troll, bonafide.KnowledgeFirstHand, vague)
	tests := []struct {
		name   string
		recs   []bonafide.Record
		signal Signal
		want   bool
	}{
		{"prior false finding fires", []bonafide.Record{quenby("R1", hours(0), neighbour, bonafide.KnowledgeFirstHand, vague),
			outcome("R1", hours(24*20), bonafide.FindingMalicious), quenby("R2", hours(24*30), anon, bonafide.KnowledgeNotStated, "kid neglected")},
			SigPriorFalse, true},
		{"prior substantiated finding does not", []bonafide.Record{quenby("R1", hours(0), teacher, bonafide.KnowledgeProfessional, detailed),
			outcome("R1", hours(24*20), bonafide.FindingSubstantiated), quenby("R2", hours(24*30), anon, bonafide.KnowledgeNotStated, "kid neglected")},
			SigPriorFalse, false},
		{"outcome not yet known does not", []bonafide.Record{quenby("R1", hours(0), neighbour, bonafide.KnowledgeFirstHand, vague),
			quenby("R2", hours(24*30), anon, bonafide.KnowledgeNotStated, "kid neglected"), outcome("R1", hours(24*40), bonafide.FindingMalicious)},
			SigPriorFalse, false},
		{"reporter e-mail variant links to a malicious referral", []bonafide.Record{r1, outcome("R1", hours(24*20), bonafide.FindingMalicious),
			quenby("R2", hours(24*30), trollVar, bonafide.KnowledgeNotStated, "the child looks filthy")}, SigReporterFalse, true},
		{"reporter repeat fires on a shared device", []bonafide.Record{r1,
			quenby("R2", hours(24*3), &bonafide.Reporter{DeviceID: "dev-77aa"}, bonafide.KnowledgeNotStated, "child looks thin")}, SigReporterRepeat, true},
		{"a teacher referring again is not a repeat signal", []bonafide.Record{quenby("R1", hours(0), teacher, bonafide.KnowledgeProfessional, detailed),
			quenby("R2", hours(24*14), teacher, bonafide.KnowledgeProfessional, detailed+" Again this week.")}, SigReporterRepeat, false},
		{"same /24 network from a different reporter", []bonafide.Record{r1,
			quenby("R2", hours(24*3), &bonafide.Reporter{Anonymous: true, ContactIP: "203.0.113.200"}, bonafide.KnowledgeNotStated, "child looks thin")}, SigNearNetwork, true},
		{"different network", []bonafide.Record{r1,
			quenby("R2", hours(24*3), &bonafide.Reporter{Anonymous: true, ContactIP: "198.51.100.3"}, bonafide.KnowledgeNotStated, "child looks thin")}, SigNearNetwork, false},
		{"hours after a public post", []bonafide.Record{post, quenby("R1", hours(0), anon, bonafide.KnowledgeOnlineContent, restating)}, SigAfterPost, true},
		{"a week after a public post", []bonafide.Record{post, quenby("R1", hours(24*7), anon, bonafide.KnowledgeOnlineContent, restating)}, SigAfterPost, false},
		{"a post after the referral is not known", []bonafide.Record{quenby("R1", hours(-6), anon, bonafide.KnowledgeOnlineContent, restating), post}, SigAfterPost, false},
		{"weeks after a birth announcement", []bonafide.Record{birth, quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, vague)}, SigLifeEvent, true},
		{"no life event", []bonafide.Record{post, quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, vague)}, SigLifeEvent, false},
		{"restates the post", []bonafide.Record{post, quenby("R1", hours(0), anon, bonafide.KnowledgeFirstHand, restating)}, SigRestatesPost, true},
		{"does not restate the post", []bonafide.Record{post, quenby("R1", hours(0), teacher, bonafide.KnowledgeProfessional, detailed)}, SigRestatesPost, false},
		{"forum post urging a report", []bonafide.Record{
			&bonafide.ForumPost{ID: "F1", Site: "gossipboard.example", Thread: "mira quenby thread", PostedAt: hours(-30), Text: "Someone needs to ring social services about Mira, those kids"},
			quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, vague)}, SigForum, true},
		{"forum post by handle making the same claim", []bonafide.Record{
			&bonafide.ForumPost{ID: "F1", Site: "gossipboard.example", Thread: "influencers", PostedAt: hours(-30), Text: "@mira.quenby drunk on prosecco at a barbecue with the toddler on a trampoline, shocking"},
			post, quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, restating)}, SigForum, true},
		{"forum thread named by an account built from the family's names", []bonafide.Record{
			&bonafide.ForumPost{ID: "F1", Site: "gossipboard.example", Thread: "miraquenbyx - part 7", PostedAt: hours(-30), Text: "enough is enough, reporting her tonight"},
			quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, vague)}, SigForum, true},
		{"forum thread named by an account with the surname only", []bonafide.Record{
			&bonafide.ForumPost{ID: "F1", Site: "gossipboard.example", Thread: "quenbyfanclub - part 7", PostedAt: hours(-30), Text: "enough is enough, reporting her tonight"},
			quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, vague)}, SigForum, false},
		{"forum post about someone else", []bonafide.Record{
			&bonafide.ForumPost{ID: "F1", Site: "gossipboard.example", Thread: "other", PostedAt: hours(-30), Text: "Someone needs to report Tobin's dad, honestly"},
			quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, vague)}, SigForum, false},
		{"forum post too old", []bonafide.Record{
			&bonafide.ForumPost{ID: "F1", Site: "gossipboard.example", Thread: "mira quenby", PostedAt: hours(-24 * 60), Text: "Someone needs to report Mira Quenby"},
			quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, vague)}, SigForum, false},
		{"near duplicate from another reporter", []bonafide.Record{quenby("R1", hours(0), troll, bonafide.KnowledgeNotStated, restating),
			quenby("R2", hours(24*5), neighbour, bonafide.KnowledgeNotStated, "She was drunk on prosecco at the barbecue while her toddler was bouncing on a trampoline unsupervised!")}, SigNearDuplicate, true},
		{"relay is not a near duplicate", []bonafide.Record{quenby("R1", hours(0), troll, bonafide.KnowledgeNotStated, restating),
			relay(quenby("R1", hours(0), troll, bonafide.KnowledgeNotStated, restating), "R2", hours(30), "Caller said she was drunk on prosecco at a barbecue while the toddler was bouncing on a trampoline unsupervised.")}, SigNearDuplicate, false},
		{"same style, different reporter", []bonafide.Record{
			quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, "this mother is DISGUSTING!!! always drunk and the kid is filthy... somebody do something NOW!!!"),
			quenby("R2", hours(24*9), &bonafide.Reporter{Anonymous: true, DeviceID: "other"}, bonafide.KnowledgeNotStated, "this woman is a DISGRACE!!! always off her face and that kid looks filthy... someone act NOW!!!")}, SigStyle, true},
		{"different style", []bonafide.Record{
			quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, "this mother is DISGUSTING!!! always drunk and the kid is filthy... somebody do something NOW!!!"),
			quenby("R2", hours(24*9), neighbour, bonafide.KnowledgeFirstHand, "Ada has been knocking on my door after school asking for food. Last Thursday she said her mum had not come home. I gave her toast and called her grandmother.")}, SigStyle, false},
		{"claims first hand with no detail", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeFirstHand, vague)}, SigNoDetail, true},
		{"first hand with detail", []bonafide.Record{quenby("R1", hours(0), neighbour, bonafide.KnowledgeFirstHand, detailed)}, SigNoDetail, false},
		{"online content is not punished for lacking first-hand detail", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeOnlineContent, vague)}, SigNoDetail, false},
		{"burst through several channels", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, vague),
			func() *bonafide.Referral {
				r := quenby("R2", hours(5), &bonafide.Reporter{Anonymous: true, DeviceID: "x2"}, bonafide.KnowledgeNotStated, "kid neglected")
				r.Channel = bonafide.ChannelPhone
				return r
			}(),
			quenby("R3", hours(20), &bonafide.Reporter{Anonymous: true, DeviceID: "x3"}, bonafide.KnowledgeNotStated, "neglect")}, SigBurst, true},
		{"professionals in one week are not a burst", []bonafide.Record{quenby("R1", hours(0), teacher, bonafide.KnowledgeProfessional, detailed),
			func() *bonafide.Referral {
				r := quenby("R2", hours(5), &bonafide.Reporter{GivenName: "Dee", FamilyName: "Harte", Relationship: bonafide.RelHealthProfession, Organisation: "Eastleigh Health Visiting"}, bonafide.KnowledgeProfessional, detailed)
				r.Channel = bonafide.ChannelEmail
				return r
			}(),
			quenby("R3", hours(20), anon, bonafide.KnowledgeNotStated, "neglect")}, SigBurst, false},
		{"professional source", []bonafide.Record{quenby("R1", hours(0), teacher, bonafide.KnowledgeProfessional, detailed)}, SigProfessional, true},
		{"anonymous claiming to be a teacher is not", []bonafide.Record{quenby("R1", hours(0), &bonafide.Reporter{Anonymous: true, Relationship: bonafide.RelTeacher}, bonafide.KnowledgeProfessional, detailed)}, SigProfessional, false},
		{"written as an attack", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, "She is a DISGRACE and those kids are always neglected!!! Do your job.")}, SigManner, true},
		{"written as an account", []bonafide.Record{quenby("R1", hours(0), neighbour, bonafide.KnowledgeFirstHand, detailed)}, SigManner, false},
		{"rich first-hand detail", []bonafide.Record{quenby("R1", hours(0), neighbour, bonafide.KnowledgeFirstHand, detailed)}, SigRichDetail, true},
		{"no first-hand detail", []bonafide.Record{quenby("R1", hours(0), neighbour, bonafide.KnowledgeFirstHand, vague)}, SigRichDetail, false},
		{"a claim made again days later", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, "She locks the children in their rooms all day. Something must be done."),
			quenby("R2", hours(24*10), &bonafide.Reporter{Anonymous: true, DeviceID: "x9"}, bonafide.KnowledgeNotStated, "I am writing again. She locks the children in their rooms all day!")}, SigRepeatClaim, true},
		{"the same words about one incident within hours", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeOnlineContent, "On the live stream the dad threw the little girl onto the sofa."),
			quenby("R2", hours(2), &bonafide.Reporter{Anonymous: true, DeviceID: "x9"}, bonafide.KnowledgeOnlineContent, "I saw it too. On the live stream the dad threw the little girl onto the sofa.")}, SigRepeatClaim, false},
		{"a different claim days later", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, "She locks the children in their rooms all day."),
			quenby("R2", hours(24*10), &bonafide.Reporter{Anonymous: true, DeviceID: "x9"}, bonafide.KnowledgeNotStated, "The children are left alone at night while she goes out.")}, SigRepeatClaim, false},
		{"earlier referral by another member of the public", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeNotStated, "kid neglected"),
			quenby("R2", hours(24*20), &bonafide.Reporter{Anonymous: true, DeviceID: "x9"}, bonafide.KnowledgeFirstHand, vague)}, SigLayRepeat, true},
		{"earlier referral by a professional is not lay", []bonafide.Record{quenby("R1", hours(0), teacher, bonafide.KnowledgeProfessional, detailed),
			quenby("R2", hours(24*20), &bonafide.Reporter{Anonymous: true, DeviceID: "x9"}, bonafide.KnowledgeFirstHand, vague)}, SigLayRepeat, false},
		{"the reporter's own earlier referral is not counted as lay", []bonafide.Record{quenby("R1", hours(0), neighbour, bonafide.KnowledgeFirstHand, vague),
			quenby("R2", hours(24*20), neighbour, bonafide.KnowledgeFirstHand, vague)}, SigLayRepeat, false},
		{"rumour rather than what was seen", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeFirstHand, "Her ex says she hits them. The husband is a known abuser.")}, SigHearsay, true},
		{"an agentless passive is rumour", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeFirstHand, "She's been seen drunk at the school gates.")}, SigHearsay, true},
		{"what everyone round here says is rumour", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeSecondHand, "Everyone round here knows what goes on in that house.")}, SigHearsay, true},
		{"what someone said is rumour", []bonafide.Record{quenby("R1", hours(0), anon, bonafide.KnowledgeSecondHand, "I heard from someone who knows her that she leaves them for days.")}, SigHearsay, true},
		{"what was seen is not rumour", []bonafide.Record{quenby("R1", hours(0), neighbour, bonafide.KnowledgeFirstHand, detailed+" I heard him shouting at her.")}, SigHearsay, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, tt.recs)
			last := out[len(out)-1]
			if got := hasSignal(last, tt.signal); got != tt.want {
				t.Errorf("signal %s on %s = %v, want %v; reasons %+v", tt.signal, last.ReferralID, got, tt.want, last.Campaign.Reasons)
			}
		})
	}
}

func TestRelayCountedOnceAndLinked(t *testing.T) {
	orig := quenby("R1", hours(0), troll, bonafide.KnowledgeNotStated, restating)
	out := run(t, []bonafide.Record{orig,
		relay(orig, "R2", hours(30), "Caller said she was drunk on prosecco at a barbecue while the toddler was bouncing on a trampoline unsupervised.")})
	a, b := out[0], out[1]
	if b.RelayOf != "R1" {
		t.Errorf("relay R2 RelayOf = %q, want R1", b.RelayOf)
	}
	if b.Family != a.Family || b.Reporter != a.Reporter {
		t.Errorf("relay R2 family/reporter = %s/%s, want %s/%s", b.Family, b.Reporter, a.Family, a.Reporter)
	}
	if hasSignal(b, SigReporterRepeat) || hasSignal(b, SigBurst) {
		t.Errorf("relay R2 counted its original again: %+v", b.Campaign.Reasons)
	}
}

func TestFamilyAndReporterLinks(t *testing.T) {
	misspelt := quenby("R2", hours(48), anon, bonafide.KnowledgeNotStated, vague)
	misspelt.Children[0] = bonafide.Person{GivenName: "Quenbey", FamilyName: "Addy", DOB: dob("2019-04")} // swapped, misspelt, partial
	misspelt.Address.Postcode = "so509zz"
	misspelt.Adults = nil
	out := run(t, []bonafide.Record{
		quenby("R1", hours(0), troll, bonafide.KnowledgeNotStated, vague),
		misspelt,
		another("R3", hours(50), trollVar, "Tobin was outside alone at 10pm."),
	})
	if out[0].Family != out[1].Family {
		t.Errorf("family(R2) = %s, want %s (same family, noisy details)", out[1].Family, out[0].Family)
	}
	if out[2].Family == out[0].Family {
		t.Errorf("family(R3) = %s, want a different family", out[2].Family)
	}
	if out[2].Reporter != out[0].Reporter {
		t.Errorf("reporter(R3) = %s, want %s (e-mail variant)", out[2].Reporter, out[0].Reporter)
	}
	if out[1].Reporter == out[0].Reporter {
		t.Errorf("reporter(R2) = %s: an anonymous reporter with no details must get a fresh id", out[1].Reporter)
	}
}

// TestImmediateWhateverTheCampaign makes every campaign signal fire on a
// referral that reports immediate danger: it must still be immediate.
func TestImmediateWhateverTheCampaign(t *testing.T) {
	forum := &bonafide.ForumPost{ID: "F1", Site: "gossipboard.example", Thread: "mira quenby", PostedAt: hours(-30), Text: "Someone needs to report Mira Quenby, drunk on prosecco"}
	last := quenby("R4", hours(4), trollVar, bonafide.KnowledgeFirstHand, restating+" this mother is DISGUSTING!!!")
	last.ImmediateDanger = true
	last.Channel = bonafide.ChannelPhone
	out := runWith(t, DefaultConfig(), []bonafide.Record{birth, quenby("R0", hours(-24*40), troll, bonafide.KnowledgeFirstHand, vague), outcome("R0", hours(-24*10), bonafide.FindingMalicious),
		forum, post, quenby("R1", hours(1), troll, bonafide.KnowledgeNotStated, restating+" this mother is DISGUSTING!!!"),
		quenby("R2", hours(2), &bonafide.Reporter{Anonymous: true, ContactIP: "203.0.113.5"}, bonafide.KnowledgeNotStated, "this woman is a DISGRACE!!! drunk at a barbecue"),
		last})
	a := out[len(out)-1]
	if a.Safety.Level != LevelImmediate {
		t.Errorf("safety(R4) = %s, want immediate", a.Safety.Level)
	}
	if !a.Campaign.Flagged {
		t.Errorf("campaign(R4) = %+v, want flagged (the test needs the campaign signals firing)", a.Campaign)
	}
	if a.Recommendation != RecommendImmediate {
		t.Errorf("recommendation(R4) = %q, want respond now", a.Recommendation)
	}
}
