package linkage

import (
	"encoding/json"
	"fmt"
	"strings"
)

// A Kind is how one field is compared. It fixes the field's normalisation and its
// ordered comparison levels, so that a configuration names a kind and gets a sensible,
// tested comparison without writing code.
type Kind uint8

// The comparison kinds. Their names (Kind.String) are the words used in configuration.
const (
	KindExact      Kind = iota // exact after trimming and lower-casing
	KindString                 // free string: exact, one edit, Jaro–Winkler bands
	KindGivenName              // given name: nicknames, phonetic, Jaro–Winkler
	KindSurname                // surname: hyphenated parts, phonetic, swapped with given name
	KindDate                   // date: transposed day/month, one digit off, partial dates
	KindPostcodeUK             // UK postcode: full, sector, district, area
	KindAddress                // address line: token similarity after Rd→road etc.
	KindNHSNumber              // NHS number: Modulus 11; invalid ones by edit distance
	KindPhone                  // phone number as E.164; withheld is missing
	KindEmail                  // e-mail: case, dots and plus-tags for common providers
	KindHandle                 // social handle: case, @, platform
	KindDevice                 // device identifier: exact only
	KindIP                     // IP address: exact or same /24
	kindCount
)

var kindNames = [...]string{
	KindExact:      "exact",
	KindString:     "string",
	KindGivenName:  "given_name",
	KindSurname:    "surname",
	KindDate:       "date",
	KindPostcodeUK: "postcode_uk",
	KindAddress:    "address",
	KindNHSNumber:  "nhs_number",
	KindPhone:      "phone",
	KindEmail:      "email",
	KindHandle:     "handle",
	KindDevice:     "device",
	KindIP:         "ip",
}

// kindLevels are the level names of each kind, strongest agreement first, "else" last.
var kindLevels = [...][]string{
	KindExact:      {"exact", "else"},
	KindString:     {"exact", "one_edit", "jw_0.92", "jw_0.80", "else"},
	KindGivenName:  {"exact", "nickname", "one_edit", "jw_0.92", "metaphone", "jw_0.80", "swapped", "initial", "else"},
	KindSurname:    {"exact", "hyphen_part", "one_edit", "jw_0.92", "metaphone", "jw_0.80", "swapped", "else"},
	KindDate:       {"exact", "transposed_day_month", "one_digit", "same_year_month", "same_year", "adjacent_year", "else"},
	KindPostcodeUK: {"full", "sector", "district", "area", "else"},
	KindAddress:    {"exact", "tokens_0.8", "tokens_0.5", "else"},
	KindNHSNumber:  {"exact", "one_edit", "two_edits", "else"},
	KindPhone:      {"exact", "last_6", "else"},
	KindEmail:      {"exact", "same_local_part", "one_edit", "else"},
	KindHandle:     {"exact", "other_platform", "one_edit", "else"},
	KindDevice:     {"exact", "else"},
	KindIP:         {"exact", "same_24", "else"},
}

// String returns the configuration word for k.
func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Levels returns the names of k's comparison levels, strongest first, so that an
// explanation can say "date: transposed_day_month" rather than a number.
func (k Kind) Levels() []string {
	if k < kindCount {
		return kindLevels[k]
	}
	return nil
}

// ParseKind returns the Kind named s; the error lists the valid names, because a
// misspelt configuration is the usual cause.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n == s {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown comparison type %q (want one of %s)", s, strings.Join(kindNames[:], ", "))
}

// MarshalJSON writes k as its configuration word.
func (k Kind) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }

// UnmarshalJSON reads k from its configuration word.
func (k *Kind) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("comparison type: %w", err)
	}
	v, err := ParseKind(s)
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Null is the comparison level of a pair where either value is missing. It carries no
// evidence either way (weight zero) rather than counting as disagreement.
const Null = -1
