package triage

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"bonafide"
	"bonafide/interchange"
)

// StreamStats counts what a stream run saw.
type StreamStats struct {
	Records   int           `json:"records"`
	Referrals int           `json:"referrals"`
	Flagged   int           `json:"flagged"`
	Elapsed   time.Duration `json:"elapsed"`
}

// Run triages an interchange stream (JSON Lines, in order of receipt) read
// from in and writes one assessment per referral to out as JSON Lines, in
// the order the referrals came. A line that does not decode or validate
// stops the run with a *bonafide.ValidationError naming its line; nothing
// is guessed. If each is not nil it is called with every assessment too
// (the evaluation and fitting use it).
func Run(ctx context.Context, e *Engine, in io.Reader, out io.Writer, each func(*Assessment)) (StreamStats, error) {
	start := time.Now()
	var st StreamStats
	br := bufio.NewReaderSize(in, 1<<20)
	bw := bufio.NewWriterSize(out, 1<<20)
	line := 0
	for {
		if st.Records%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			if rerr := e.observeLine(b, line, bw, each, &st); rerr != nil {
				return st, rerr
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("read stream: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("write assessments: %w", err)
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func (e *Engine) observeLine(b []byte, line int, w *bufio.Writer, each func(*Assessment), st *StreamStats) error {
	if blank(b) {
		return nil
	}
	rec, err := interchange.Unmarshal(b)
	if err == nil && rec != nil {
		if fe := bonafide.ValidateRecord(rec); len(fe) > 0 {
			err = &bonafide.ValidationError{Errors: fe}
		}
	}
	if err != nil {
		var ve *bonafide.ValidationError
		if errors.As(err, &ve) {
			for i := range ve.Errors {
				ve.Errors[i].Line = line
			}
			return ve
		}
		return fmt.Errorf("line %d: %w", line, err)
	}
	st.Records++
	a, err := e.Observe(rec)
	if err != nil {
		return fmt.Errorf("line %d: %w", line, err)
	}
	if a == nil {
		return nil
	}
	st.Referrals++
	if a.Campaign.Flagged {
		st.Flagged++
	}
	if each != nil {
		each(a)
	}
	out, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode assessment %s: %w", a.ReferralID, err)
	}
	w.Write(out)
	return w.WriteByte('\n')
}

// ReadAssessments reads triage output (JSON Lines of [Assessment]).
func ReadAssessments(r io.Reader) ([]Assessment, error) {
	var out []Assessment
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	for {
		var a Assessment
		err := dec.Decode(&a)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read assessments (record %d): %w", len(out)+1, err)
		}
		out = append(out, a)
	}
}
