package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"bonafide"
	"bonafide/interchange"
)

// MaxReportedErrors caps the field errors one import reports, so that a
// file of garbage cannot make an error response of unbounded size. Lines
// past the cap are still counted.
const MaxReportedErrors = 1000

// ImportResult says what an import did. It is the body of a successful
// POST /api/v1/import and what the import command prints.
type ImportResult struct {
	// Imported is how many records were stored.
	Imported int `json:"imported"`
	// RejectedLines is how many lines were invalid (and skipped, with
	// skip_invalid; otherwise the import failed and stored nothing).
	RejectedLines int `json:"rejected_lines"`
	// Rejected lists the field errors of the rejected lines, each with its
	// line, at most MaxReportedErrors of them.
	Rejected []bonafide.FieldError `json:"rejected"`
}

func (res *ImportResult) reject(ve *bonafide.ValidationError) {
	res.RejectedLines++
	room := MaxReportedErrors - len(res.Rejected)
	res.Rejected = append(res.Rejected, ve.Errors[:min(room, len(ve.Errors))]...)
}

// Import reads interchange JSON Lines from r into store in one
// transaction. Both the import command and POST /api/v1/import use it, so
// that they follow the same rules:
//
//   - Without skipInvalid, a file with any invalid line stores nothing. The
//     error is a *bonafide.ValidationError listing the field errors of every
//     invalid line (the rest of the file is still read, to find them all),
//     and the result counts them.
//   - With skipInvalid, invalid lines are left out, listed in the result,
//     and the valid ones are stored.
//
// In both modes a store failure, such as a referral id that is already
// stored (code EConflict, its line named), stores nothing; so does a read
// error, such as a body over its limit.
func Import(ctx context.Context, store bonafide.Store, r io.Reader, skipInvalid bool) (ImportResult, error) {
	var (
		res     ImportResult
		invalid bool    // a line was invalid and skipInvalid is off
		readErr error   // a failure of the reader itself
		lines   []int32 // line of each record yielded, to name a conflict's line
	)
	rd := interchange.NewReader(r)
	recs := func(yield func(bonafide.Record, error) bool) {
		for {
			rec, err := rd.Read()
			if err == io.EOF {
				return
			}
			var ve *bonafide.ValidationError
			switch {
			case errors.As(err, &ve):
				res.reject(ve)
				if skipInvalid {
					continue
				}
				invalid = true
				yield(nil, ve)
				return
			case err != nil:
				readErr = err
				yield(nil, err)
				return
			}
			lines = append(lines, int32(rd.Line()))
			if !yield(rec, nil) {
				return
			}
		}
	}
	n, err := store.Import(ctx, recs)
	switch {
	case readErr != nil:
		return ImportResult{}, fmt.Errorf("import: line %d: %w", rd.Line()+1, readErr)
	case invalid:
		// Nothing was stored; read on to report every invalid line.
		for {
			if err := ctx.Err(); err != nil {
				return ImportResult{}, fmt.Errorf("import: %w", err)
			}
			_, err := rd.Read()
			if err == io.EOF {
				break
			}
			var ve *bonafide.ValidationError
			if !errors.As(err, &ve) {
				if err != nil {
					return ImportResult{}, fmt.Errorf("import: line %d: %w", rd.Line()+1, err)
				}
				continue
			}
			res.reject(ve)
		}
		return res, &bonafide.ValidationError{Errors: res.Rejected}
	case errors.As(err, new(*bonafide.ValidationError)) && n >= 0 && n < len(lines):
		// The store refused a record the reader passed (its own check of
		// times against its clock, or its safety judge): name its line.
		var ve *bonafide.ValidationError
		errors.As(err, &ve)
		refused := &bonafide.ValidationError{Errors: make([]bonafide.FieldError, len(ve.Errors))}
		for i, fe := range ve.Errors {
			fe.Line = int(lines[n])
			refused.Errors[i] = fe
		}
		res.reject(refused)
		return res, &bonafide.ValidationError{Errors: res.Rejected}
	case err != nil && bonafide.ErrorCode(err) == bonafide.EConflict && n >= 0 && n < len(lines):
		// Store.Import stored nothing and took n records before the
		// conflicting one.
		return ImportResult{}, fmt.Errorf("import: line %d: %w", lines[n], err)
	case err != nil:
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	res.Imported = n
	if res.Rejected == nil {
		res.Rejected = []bonafide.FieldError{}
	}
	return res, nil
}

// handleImport stores a JSON Lines body in one transaction; see Import.
// With ?skip_invalid=true invalid lines are skipped and listed.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	if err := requireMediaType(r, "application/x-ndjson", "application/jsonl", "application/json"); err != nil {
		s.error(w, r, err)
		return
	}
	skip := false
	if v := r.URL.Query().Get("skip_invalid"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "skip_invalid: %q is not true or false", v))
			return
		}
		skip = b
	}
	// Read the whole body before importing: the store holds its write lock
	// for the whole transaction, and a slow sender must not stall every
	// other intake while it trickles bytes in. The body stays in memory
	// (never a temporary file: it holds reporter data), so importSlots
	// bounds how many bodies are held at once.
	select {
	case s.importSlots <- struct{}{}:
		defer func() { <-s.importSlots }()
	case <-r.Context().Done():
		s.error(w, r, r.Context().Err())
		return
	}
	body, err := readBody(w, r, s.MaxImportBytes)
	if err != nil {
		s.error(w, r, err)
		return
	}
	res, err := Import(r.Context(), s.Store, bytes.NewReader(body), skip)
	if err != nil {
		var ve *bonafide.ValidationError
		if errors.As(err, &ve) {
			err = &importError{res: res, ve: ve}
		}
		s.error(w, r, err)
		return
	}
	s.notifyTriage()
	s.notifyFamilies(r, 0)
	s.auditStored(r, "referral.import", "import", fmt.Sprintf("stored %d records through the API (skip_invalid %v, %d lines rejected)", res.Imported, skip, res.RejectedLines))
	writeJSON(w, "application/json", http.StatusOK, res)
}

// importError words a failed import's detail for the problem response; the
// field errors still come from the ValidationError it wraps.
type importError struct {
	res ImportResult
	ve  *bonafide.ValidationError
}

func (e *importError) Error() string {
	if e.res.RejectedLines == 1 {
		return "1 line is invalid; nothing was imported"
	}
	return fmt.Sprintf("%d lines are invalid; nothing was imported", e.res.RejectedLines)
}

func (e *importError) Unwrap() error { return e.ve }
