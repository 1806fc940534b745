package bonafide

import (
	"encoding/json"
	"log/slog"
	"time"
)

// Extra holds the JSON members of a record that this version does not know,
// keyed by member name, so that they survive import and export unchanged.
// Each value is one compact JSON value; the interchange codec fills and
// writes it, within MaxUnknownMembers and MaxUnknownBytes a record.
type Extra map[string]json.RawMessage

// RecordType names the kind of an interchange record, as in its "type" member.
type RecordType string

// The record types of the interchange format, version 1.
const (
	TypeReferral   RecordType = "referral"
	TypePublicPost RecordType = "public_post"
	TypeForumPost  RecordType = "forum_post"
	TypeOutcome    RecordType = "outcome"
)

// RecordTypes lists every valid RecordType, for validation messages.
var RecordTypes = []RecordType{TypeReferral, TypePublicPost, TypeForumPost, TypeOutcome}

// Valid reports whether t is a record type of the interchange format.
func (t RecordType) Valid() bool {
	switch t {
	case TypeReferral, TypePublicPost, TypeForumPost, TypeOutcome:
		return true
	}
	return false
}

// Record is any interchange record: *Referral, *PublicPost, *ForumPost or *Outcome.
type Record interface {
	// RecordType names the record's kind.
	RecordType() RecordType
	// RecordTime is when the record became known: a referral's received_at,
	// a post's posted_at, an outcome's decided_at. Triage uses it to judge each
	// referral on what was known at the time.
	RecordTime() time.Time
}

// The json tags of the record types name their interchange members, for
// reference. Records are read and written by package interchange, never by
// encoding/json, which would drop the "type" member and Extra.

// Referral is a concern about one or more children, as received.
type Referral struct {
	ID              string         `json:"id"`
	ReceivedAt      time.Time      `json:"received_at"`
	Channel         Channel        `json:"channel"`
	RelayedFrom     *Relay         `json:"relayed_from,omitempty"`
	SourceCode      string         `json:"source_code,omitempty"`
	Reporter        *Reporter      `json:"reporter,omitempty"`
	KnowledgeBasis  KnowledgeBasis `json:"knowledge_basis,omitempty"`
	Children        []Person       `json:"children"`
	Adults          []Person       `json:"adults,omitempty"`
	Address         *Address       `json:"address,omitempty"`
	Concerns        []Concern      `json:"concerns,omitempty"`
	Narrative       string         `json:"narrative,omitempty"`
	ImmediateDanger bool           `json:"immediate_danger"`
	Extra           Extra          `json:"-"`
}

// RecordType returns TypeReferral.
func (*Referral) RecordType() RecordType { return TypeReferral }

// RecordTime returns ReceivedAt.
func (r *Referral) RecordTime() time.Time { return r.ReceivedAt }

// Relay names the agency that passed a referral on, and its own reference, so
// that the relayed copy can be linked to the original call.
type Relay struct {
	Agency string `json:"agency"`
	Ref    string `json:"ref,omitempty"`
	Extra  Extra  `json:"-"`
}

// Reporter is who made a referral. Every field is sealed on arrival; staff
// see only that a reporter is linked to other referrals, never who it is.
type Reporter struct {
	Anonymous    bool         `json:"anonymous,omitempty"`
	GivenName    string       `json:"given_name,omitempty"`
	FamilyName   string       `json:"family_name,omitempty"`
	Phone        string       `json:"phone,omitempty"`
	Email        string       `json:"email,omitempty"`
	Address      *Address     `json:"address,omitempty"`
	Relationship Relationship `json:"relationship,omitempty"`
	Organisation string       `json:"organisation,omitempty"`
	ContactIP    string       `json:"contact_ip,omitempty"`
	DeviceID     string       `json:"device_id,omitempty"`
	Extra        Extra        `json:"-"`
}

// LogValue redacts the reporter: only whether one is present and anonymous
// is ever logged.
func (r *Reporter) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("none")
	}
	return slog.GroupValue(slog.Bool("anonymous", r.Anonymous), slog.String("fields", "[sealed]"))
}

// Person is a child or adult named in a referral, as typed by a stranger:
// names may be misspelt, swapped or missing, dates partial.
type Person struct {
	GivenName     string         `json:"given_name,omitempty"`
	FamilyName    string         `json:"family_name,omitempty"`
	OtherNames    []string       `json:"other_names,omitempty"`
	DOB           PartialDate    `json:"dob,omitzero"`
	NHSNumber     string         `json:"nhs_number,omitempty"`
	Sex           string         `json:"sex,omitempty"`
	Role          PersonRole     `json:"role,omitempty"`
	SocialHandles []SocialHandle `json:"social_handles,omitempty"`
	Extra         Extra          `json:"-"`
}

// SocialHandle is an account on a social platform.
type SocialHandle struct {
	Platform string `json:"platform,omitempty"`
	Handle   string `json:"handle"`
	Extra    Extra  `json:"-"`
}

// Address is where someone lives, as given; the postcode may be partial or
// malformed and is kept as typed.
type Address struct {
	Line1    string `json:"line1,omitempty"`
	Line2    string `json:"line2,omitempty"`
	Town     string `json:"town,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	Extra    Extra  `json:"-"`
}

// Concern is one category of worry with the reporter's detail.
type Concern struct {
	Category ConcernCategory `json:"category"`
	Detail   string          `json:"detail,omitempty"`
	Extra    Extra           `json:"-"`
}

// PublicPost is something a family member posted publicly, shared by the
// family or noted by a caseworker. Triage compares allegations against it.
type PublicPost struct {
	ID        string    `json:"id"`
	Platform  string    `json:"platform,omitempty"`
	Handle    string    `json:"handle,omitempty"`
	PostedAt  time.Time `json:"posted_at"`
	Text      string    `json:"text,omitempty"`
	URL       string    `json:"url,omitempty"`
	MediaNote string    `json:"media_note,omitempty"`
	Extra     Extra     `json:"-"`
}

// RecordType returns TypePublicPost.
func (*PublicPost) RecordType() RecordType { return TypePublicPost }

// RecordTime returns PostedAt.
func (p *PublicPost) RecordTime() time.Time { return p.PostedAt }

// ForumPost is a captured post from an online discussion about a family,
// from the family's evidence bundle.
type ForumPost struct {
	ID           string    `json:"id"`
	Site         string    `json:"site,omitempty"`
	Thread       string    `json:"thread,omitempty"`
	AuthorHandle string    `json:"author_handle,omitempty"`
	PostedAt     time.Time `json:"posted_at"`
	Text         string    `json:"text,omitempty"`
	URL          string    `json:"url,omitempty"`
	Extra        Extra     `json:"-"`
}

// RecordType returns TypeForumPost.
func (*ForumPost) RecordType() RecordType { return TypeForumPost }

// RecordTime returns PostedAt.
func (p *ForumPost) RecordTime() time.Time { return p.PostedAt }

// Outcome is what became of an earlier referral. Unfounded and malicious
// findings are what later campaign signals weigh.
type Outcome struct {
	ReferralID string    `json:"referral_id"`
	DecidedAt  time.Time `json:"decided_at"`
	Decision   Decision  `json:"decision,omitempty"`
	Finding    Finding   `json:"finding,omitempty"`
	Note       string    `json:"note,omitempty"`
	Extra      Extra     `json:"-"`
}

// RecordType returns TypeOutcome.
func (*Outcome) RecordType() RecordType { return TypeOutcome }

// RecordTime returns DecidedAt.
func (o *Outcome) RecordTime() time.Time { return o.DecidedAt }
