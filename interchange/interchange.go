package interchange

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"bonafide"
)

// MaxLineBytes bounds one line of an interchange file, not counting its
// newline. The largest valid referral (every field at its limit) is well
// under it; a longer line is an error with code bonafide.ETooLarge, so that a
// file without newlines cannot make the reader hold gigabytes.
const MaxLineBytes = 1 << 20

// Reader reads interchange records one line at a time. It is not safe for
// concurrent use.
type Reader struct {
	r       *bufio.Reader
	line    int    // line number of the last line read
	recLn   int    // line number of the record or error last returned
	buf     []byte // a line that spans bufio buffers
	ioErr   error  // sticky read error
	bomGone bool

	// Now is the reader's clock, which times are checked against
	// (bonafide.CheckTimes: none more than a day ahead of it); time.Now
	// when nil.
	Now func() time.Time
}

// NewReader returns a Reader that reads records from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10)}
}

// Read returns the next record. At the end of input it returns io.EOF.
//
// A line that is not a valid record gives a *bonafide.ValidationError whose
// FieldErrors all carry the line number: malformed JSON, a missing or
// unknown "type", wrong JSON types, bad dates and times, enum values outside
// the format, missing required fields and over-long values. A line longer
// than MaxLineBytes gives an error with code bonafide.ETooLarge that is also
// a *bonafide.ValidationError. After either the Reader stays usable, and the
// next Read continues with the next line.
//
// Blank lines are skipped; a UTF-8 byte order mark at the start and a
// carriage return before each newline are ignored. An error from the
// underlying reader is returned as is, and again on every later Read.
func (r *Reader) Read() (bonafide.Record, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		r.recLn = r.line
		now := time.Now
		if r.Now != nil {
			now = r.Now
		}
		return decode(line, r.line, now())
	}
}

// Line returns the line number, counting from 1, of the record or error
// last returned by Read, so that a caller can name the line of a fault it
// finds later (such as a duplicate id when storing).
func (r *Reader) Line() int { return r.recLn }

// All returns an iterator over the remaining records. It yields each record
// with a nil error and stops after yielding the first error, so it suits
// all-or-nothing imports (bonafide.Store.Import). End of input is not an
// error. For skipping bad lines, call Read in a loop instead.
func (r *Reader) All() iter.Seq2[bonafide.Record, error] {
	return func(yield func(bonafide.Record, error) bool) {
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

// readLine returns the next line without its line ending. The result is
// valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	if r.ioErr != nil {
		return nil, r.ioErr
	}
	line, err := r.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		line, err = r.readLong(line)
	}
	if err != nil && err != io.EOF {
		if errors.Is(err, errLineTooLong) {
			r.line++
			r.recLn = r.line
			return nil, &lineTooLongError{line: r.line}
		}
		r.ioErr = err
		return nil, err
	}
	if err == io.EOF {
		if len(line) == 0 {
			r.ioErr = io.EOF
			return nil, io.EOF
		}
		r.ioErr = io.EOF // the last line has no newline; it ends the input
	}
	r.line++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if !r.bomGone {
		r.bomGone = true
		line = bytes.TrimPrefix(line, bom)
	}
	return line, nil
}

var errLineTooLong = errors.New("line too long")

// readLong gathers a line longer than the bufio buffer. Past MaxLineBytes it
// discards the rest of the line and returns errLineTooLong.
func (r *Reader) readLong(first []byte) ([]byte, error) {
	r.buf = append(r.buf[:0], first...)
	for {
		chunk, err := r.r.ReadSlice('\n')
		if len(r.buf)+len(chunk) > MaxLineBytes+2 { // +2: the line ending
			return nil, r.discardLine(err)
		}
		r.buf = append(r.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		line := bytes.TrimSuffix(bytes.TrimSuffix(r.buf, []byte{'\n'}), []byte{'\r'})
		if len(line) > MaxLineBytes {
			return nil, errLineTooLong
		}
		return r.buf, err
	}
}

// discardLine skips to the end of the current line after err from the last
// ReadSlice, and returns errLineTooLong or a read error.
func (r *Reader) discardLine(err error) error {
	r.buf = r.buf[:0]
	for err == bufio.ErrBufferFull {
		_, err = r.r.ReadSlice('\n')
	}
	if err != nil && err != io.EOF {
		r.ioErr = err
		return err
	}
	if err == io.EOF {
		r.ioErr = io.EOF
	}
	return errLineTooLong
}

// lineTooLongError is both an error with code ETooLarge, for the HTTP layer's
// status, and a ValidationError, so that an importer skipping bad lines skips
// this one too.
type lineTooLongError struct {
	line int
}

func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("line %d: longer than %d bytes", e.line, MaxLineBytes)
}

func (e *lineTooLongError) Unwrap() []error {
	reason := fmt.Sprintf("longer than %d bytes", MaxLineBytes)
	return []error{
		&bonafide.Error{Code: bonafide.ETooLarge, Message: e.Error()},
		&bonafide.ValidationError{Errors: []bonafide.FieldError{{Line: e.line, Reason: reason}}},
	}
}

// Decode decodes and validates one record, such as an HTTP request body.
// Surrounding white space and a leading UTF-8 byte order mark are allowed;
// the record may span lines. A fault is a *bonafide.ValidationError listing
// every one, with Line 0.
func Decode(data []byte) (bonafide.Record, error) {
	return decode(bytes.TrimPrefix(data, bom), 0, time.Now())
}

var bom = []byte("\xef\xbb\xbf")

// DecodeReferral is Decode for an endpoint that takes only referrals: any
// other type is an error at field "type".
func DecodeReferral(data []byte) (*bonafide.Referral, error) {
	rec, err := Decode(data)
	if err != nil {
		return nil, err
	}
	r, ok := rec.(*bonafide.Referral)
	if !ok {
		return nil, &bonafide.ValidationError{Errors: []bonafide.FieldError{{
			Field:  "type",
			Reason: fmt.Sprintf("%q, want %q", rec.RecordType(), bonafide.TypeReferral),
		}}}
	}
	return r, nil
}

// decode decodes and validates one record, numbering its errors line;
// its times are checked against the reader's clock now.
func decode(data []byte, line int, now time.Time) (bonafide.Record, error) {
	rec, err := Unmarshal(data)
	var errs []bonafide.FieldError
	if err != nil {
		var ve *bonafide.ValidationError
		if !errors.As(err, &ve) {
			return nil, fmt.Errorf("decode record: %w", err)
		}
		errs = ve.Errors
	}
	if rec != nil {
		errs = bonafide.CapFieldErrors(merge(errs, append(bonafide.ValidateRecord(rec), bonafide.CheckTimes(rec, now)...)))
	}
	if len(errs) == 0 {
		return rec, nil
	}
	for i := range errs {
		errs[i].Line = line
	}
	return nil, &bonafide.ValidationError{Errors: errs}
}

// merge appends to decoding errors the validation errors that do not merely
// restate them: a received_at that failed to parse is also "missing" to
// Validate, and saying so twice would mislead.
func merge(decoded, validated []bonafide.FieldError) []bonafide.FieldError {
	if len(decoded) == 0 {
		return validated
	}
outer:
	for _, v := range validated {
		for _, d := range decoded {
			if covers(d.Field, v.Field) {
				continue outer
			}
		}
		decoded = append(decoded, v)
	}
	return decoded
}

// covers reports whether path a is path b or an ancestor of it.
func covers(a, b string) bool {
	if !strings.HasPrefix(b, a) {
		return false
	}
	return len(b) == len(a) || b[len(a)] == '.' || b[len(a)] == '['
}

// Writer writes interchange records, one a line. Output is buffered: call
// Flush when done. It is not safe for concurrent use.
type Writer struct {
	w   *bufio.Writer
	buf []byte
	enc writer // reused for every record
}

// NewWriter returns a Writer that writes records to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write writes rec and a newline. It writes whatever the record holds,
// valid or not, so that export never loses what was stored; it fails only
// if rec cannot be put in JSON (see Append) or on an I/O
// error.
func (w *Writer) Write(rec bonafide.Record) error {
	w.enc = writer{b: w.buf[:0]}
	b, err := w.enc.record(rec)
	w.enc.b = nil
	if err != nil {
		return fmt.Errorf("write record: %w", err)
	}
	b = append(b, '\n')
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("write record: %w", err)
	}
	return nil
}

// Flush writes any buffered records to the underlying writer.
func (w *Writer) Flush() error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("flush records: %w", err)
	}
	return nil
}

// Encode returns rec as one line of JSON without the newline, as Writer
// would write it.
func Encode(rec bonafide.Record) ([]byte, error) {
	b, err := Append(nil, rec)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return b, nil
}
