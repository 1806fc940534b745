// Package interchange reads and writes the referral interchange format,
// version 1: JSON Lines (https://jsonlines.org), one record a line, each an
// object whose "type" member names it (shared/spec/interchange.md).
//
// The import command, the bulk API endpoint and the synthetic data generator
// all speak it, so a file written by one is read by the others unchanged:
// members this version does not know are kept at every level and written
// back, after the known ones, sorted by name.
//
// # Reading
//
// [Reader] returns one [bonafide.Record] a line. A line that is not a valid
// record gives a *[bonafide.ValidationError] listing every fault of that line,
// each with its line number and field path:
//
//	line 7: children[0].dob: "2019-13-01": month 13 out of range 01-12
//	line 3: channel: "fax" is not one of phone, web_form, email, letter, in_person, relay
//
// A line that is not JSON at all gives one error, "malformed JSON at byte N",
// N counting from 1 within the line; past a syntax error nothing else is
// reported. Otherwise every fault is listed, up to bonafide.MaxFieldErrors.
// Messages about reporter fields never quote the value, which is sealed.
//
// After a bad line the Reader carries on with the next line, so an importer
// may skip bad lines or stop at the first. [Decode] does the same for a
// single record, such as an HTTP request body.
//
// # Writing
//
// [Writer] and [Encode] write each record on one line with "type" first and
// the other members in the order of the format, so that equal records give
// equal bytes and files can be compared with diff.
//
// # The codec
//
// [Unmarshal] and [Append] are the codec itself, for callers that keep
// records of their own (the stores, the triage stream): Unmarshal checks
// the JSON form only, Decode and the Reader validate too. [AppendReporter]
// and [UnmarshalReporter] are the one form in which a reporter is sealed.
// The domain types have no JSON methods of their own: encoding/json would
// lose the "type" member and unknown members, so every JSON form of a
// record goes through this package.
//
// Each struct of the format is one table (schema.go) listing its members in
// the order they are written, with the field each sets; one decoder and
// one encoder walk the tables, without reflection. A field is reached by
// its offset in the struct, found once from the member's accessor when the
// tables are built and checked to lie within the struct (offsetOf): the one
// use of package unsafe, which keeps the walk as fast as hand-written code.
//
// # Limits
//
// A line may be at most [MaxLineBytes] long. Strings must be UTF-8 without
// lone surrogates, raw or escaped. The counts of children, adults,
// concerns, other names and handles, and [bonafide.MaxDepth],
// [bonafide.MaxMembers], [bonafide.MaxUnknownMembers] and
// [bonafide.MaxUnknownBytes], are enforced while a line is decoded, before
// anything past them is kept. Field lengths and control characters are
// checked by each record's Validate (docs/interchange.md lists which
// fields are free text).
package interchange
