// Package report renders the letters casework sends, as PDF for printing,
// posting and storing, and as plain text for e-mail and the case record:
// the acknowledgement to whoever made a referral, the closure letter to the
// family, and the retraction notices to agencies that were told.
//
// casework composes the wording; report lays it out and adds nothing of its
// own, so a [Letter] says the same in both forms. The package imports no
// other package of the project: it is a pure renderer, and anything that can
// build a Letter can use it.
//
// # Layout
//
// [RenderPDF] sets an A4 letter in the spirit of UK public-sector letters:
// the agency and its contact details at the top right, the recipient where
// a window envelope shows it, the date and references under the contact
// details, a bold subject line, then the body in 12 pt Helvetica (RNIB's
// clear-print minimum), closing and signatory. Every page carries the
// protective marking (Government Security Classifications, e.g.
// OFFICIAL-SENSITIVE) at its top and bottom, the footer line and
// "Page n of N"; continuation pages repeat the recipient, the first
// reference and the date. Headings are kept with what follows them, a
// paragraph never leaves a single line at the foot of a page, and the
// signature never stands alone on the last page.
//
// [RenderText] gives the same letter wrapped at [TextWidth] columns.
//
// # Characters
//
// [RenderPDF] uses the standard Helvetica font, which every PDF reader has,
// so nothing is embedded. Its encoding is Windows-1252: the letters of
// Western European names (Siân, Zoë, Ñuño, Šárka), curly quotes, dashes,
// the euro and the bullet render. Text is first put in Unicode normalisation
// form C, so a name typed with combining accents renders too. Anything else
// (Ł, the Welsh ŵ and ŷ, Greek, Cyrillic, emoji, control and bidirectional
// formatting characters, invalid UTF-8) is refused with a [*CharError]
// naming the field, the position and the character, rather than printed as
// a wrong glyph in a letter about someone's family. [Letter.Validate]
// reports the same refusals when a letter is composed.
//
// A [Renderer] made by [NewRenderer] embeds a TrueType family instead (for
// example DejaVu Sans from Debian's fonts-dejavu-core; the project commits
// no font file), subset to the characters a letter uses, and shows whatever
// both faces have in scripts written left to right without joining: Polish,
// Welsh, Czech, Turkish, Lithuanian, Greek, Ukrainian, Russian and the
// rest. Arabic, Hebrew and the scripts of South Asia need shaping it does
// not do, and are refused with a [*CharError] too.
//
// # Determinism
//
// The same Letter always gives the same PDF bytes: the creation date is the
// letter's date, there is no random document id, catalogues are sorted and
// page streams are uncompressed. Letters are stored with their [Digest]
// (SHA-256, hex), which anyone can recompute from the stored bytes.
package report
