// Package normalize puts the fields of a referral into the canonical forms
// that record linkage compares: names, UK postcodes, phone numbers, e-mail
// addresses, social-media handles, address lines and IP addresses.
//
// Everything arriving at children's services is typed by someone in a hurry:
// a neighbour on the phone, a worried relative on a web form, a call handler
// at a national helpline. The same postcode comes as "sw1a1aa", "SW1A  1AA"
// and "SWIA 1AA"; the same mailbox as "Jane.Doe+school@googlemail.com" and
// "janedoe@gmail.com". Each function here maps such variants onto one value so
// that comparison, blocking and term-frequency counts see them as equal, and
// reports when the input is not a value of the kind at all.
//
// It is the one normaliser of the project: linkage prepares its fields with
// it, vault computes its blind indexes from its forms and triage builds its
// family and reporter keys on it, so that all three see the same values as
// equal.
//
// The functions are pure and safe for concurrent use. They keep nothing and
// log nothing: reporter details pass through them before sealing.
//
// # Postcodes
//
// [Postcode] follows the format of Royal Mail's Postcode Address File: an
// outward code (area and district) and an inward code (sector digit and unit
// letters). It repairs the letter O and digit 0, and letter I and digit 1,
// where the format allows only one of them, and accepts partial postcodes.
//
// [AnyPostcode] also reads postcodes Royal Mail would not know (generated data
// uses invented areas) by their shape.
//
// # Phone numbers
//
// [Phone] uses github.com/nyaruka/phonenumbers (a port of libphonenumber) with
// the UK as the default region and returns E.164 (ITU-T E.164, "+447700900123").
//
// # E-mail
//
// [Email] lower-cases an address (RFC 5321 lets the local part be
// case-sensitive; no large provider treats it so) and removes what a provider
// ignores; the rules are listed on the function.
package normalize
