package bonafide

// Limits on the size of a record's fields, checked by Validate. The counts
// (children, adults, concerns, other names, handles) and MaxDepth,
// MaxMembers, MaxUnknownMembers and MaxUnknownBytes are also enforced by the
// interchange decoder while it reads, before anything past them is kept, so
// that a hostile record costs no more memory than a small multiple of its
// size. Lengths count
// characters (Unicode code points), not bytes, so that a name in Welsh, Polish
// or Arabic gets the same room as one in ASCII.
//
// Each limit is generous for honest input and tight enough that one referral
// cannot carry a megabyte into every screen, index and comparison downstream:
// record linkage compares names pairwise, so an unbounded name is a cost to
// every later referral, not just this one.
const (
	// MaxIDLen bounds a record's id and an outcome's referral_id. Sending
	// systems use references, UUIDs or URNs; 128 covers all with room to spare.
	MaxIDLen = 128

	// MaxNameLen bounds a given, family or other name and an organisation.
	// The longest names in civil registers run to a few dozen characters.
	MaxNameLen = 200

	// MaxOtherNames bounds the other names (aliases, previous surnames,
	// nicknames) of one person.
	MaxOtherNames = 20

	// MaxLabelLen bounds short free-text labels: platform, site, thread,
	// agency, its reference, sex, a source code.
	MaxLabelLen = 200

	// MaxHandleLen bounds a social-media handle. The large platforms cap
	// handles at 15 to 100 characters; 200 leaves room for display names
	// typed where a handle was asked for.
	MaxHandleLen = 200

	// MaxNHSNumberLen bounds an NHS number as typed, with spaces or hyphens
	// ("943 476 5919" is 12). Longer input is not an NHS number.
	MaxNHSNumberLen = 16

	// MaxNHSDigits is the number of digits in an NHS number. Fewer are kept
	// (a digit may have been missed) but more are rejected.
	MaxNHSDigits = 10

	// MaxAddressLineLen bounds each of line1, line2 and town.
	MaxAddressLineLen = 200

	// MaxPostcodeLen bounds a postcode as typed. A full UK postcode is at
	// most 8 characters with its space; 16 allows stray spacing.
	MaxPostcodeLen = 16

	// MaxPhoneLen bounds a telephone number as typed, with spaces, a
	// country code and an extension.
	MaxPhoneLen = 40

	// MaxEmailLen is the longest email address SMTP can carry (RFC 5321
	// path limit less the angle brackets).
	MaxEmailLen = 254

	// MaxIPLen bounds a contact IP address: an IPv6 address with a zone
	// fits in 64 characters.
	MaxIPLen = 64

	// MaxDeviceIDLen bounds a device identifier or browser fingerprint.
	MaxDeviceIDLen = 256

	// MaxURLLen bounds a post's URL; browsers and servers commonly stop at
	// about 2,000 characters.
	MaxURLLen = 2048

	// MaxNarrativeLen bounds a referral's narrative: about eight pages of
	// prose, far beyond any call note or web form.
	MaxNarrativeLen = 20000

	// MaxDetailLen bounds a concern's detail; the narrative holds the
	// full account.
	MaxDetailLen = 5000

	// MaxTextLen bounds a public or forum post's text. Long-form posts run
	// to a few thousand words at most.
	MaxTextLen = 20000

	// MaxMediaNoteLen bounds the words describing a photo or video.
	MaxMediaNoteLen = 5000

	// MaxNoteLen bounds an outcome's note.
	MaxNoteLen = 5000

	// MaxChildren bounds the children of one referral. Larger households
	// exist but a referral naming more than 20 children is a mistake or
	// an attack, and each child costs a linkage query.
	MaxChildren = 20

	// MaxAdults bounds the adults of one referral.
	MaxAdults = 20

	// MaxConcerns bounds the concerns of one referral. There are eight
	// categories; a category may recur with different detail.
	MaxConcerns = 20

	// MaxSocialHandles bounds the social handles of one person.
	MaxSocialHandles = 20

	// MaxDepth bounds the nesting of objects and arrays in one record,
	// counting the record itself as 1. The format's own members nest at
	// most five deep (referral, children, a child, social_handles, a
	// handle); the rest is room for unknown members. Checked while
	// decoding, so that a line of brackets costs neither stack nor time.
	MaxDepth = 32

	// MaxMembers bounds the members of one object, known and unknown. No
	// struct of the format has more than 14 known members.
	MaxMembers = 100

	// MaxUnknownMembers bounds the unknown members kept in one record, at
	// every level together. They are kept so that a newer sender's fields
	// survive a round trip, not to carry data of their own.
	MaxUnknownMembers = 64

	// MaxUnknownBytes bounds the bytes of the unknown members of one
	// record, names and values together, as given.
	MaxUnknownBytes = 64 << 10

	// MaxFieldErrors bounds the field errors reported for one record; past
	// it one more error says the rest were left out. A sender fixing a file
	// needs the first hundred, and an unbounded list would let one hostile
	// line of 40,000 bad children cost seconds and megabytes to report.
	MaxFieldErrors = 100
)

// moreErrors is the reason of the error that ends a list cut at
// MaxFieldErrors.
const moreErrors = "more errors in this record not shown"

// CapFieldErrors cuts errs to MaxFieldErrors, ending the list with one
// error that says more were left out. Code that merges error lists from
// several checks calls it so the total stays bounded.
func CapFieldErrors(errs []FieldError) []FieldError {
	if len(errs) <= MaxFieldErrors {
		return errs
	}
	errs = errs[:MaxFieldErrors+1]
	errs[MaxFieldErrors] = FieldError{Line: errs[0].Line, Reason: moreErrors}
	return errs
}
