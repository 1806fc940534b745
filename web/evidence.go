package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"bonafide"
	"bonafide/casework"
	"bonafide/evidence"
)

// takenView is what taking in a bundle did, shown on the family's page:
// each exhibit as verified, the posts filed, and each open referral
// judged again.
type takenView struct {
	OK         bool
	Bundle     string
	Key        string
	Exhibits   int
	Checks     []exhibitView
	Filed      []filedView
	Already    int
	Reassessed []reassessedView
}

type exhibitView struct {
	Number, Title, Stamp string
}

type filedView struct {
	ID, Type, Exhibit, Title, When string
}

type reassessedView struct {
	ID, Href, Before, After string
	NowFlagged, WasFlagged  bool
	Stored                  bool
	Reasons                 []reasonView
}

// upload is a file sent with a multipart form, read by page before the
// handler runs, bounded by the screen's limit.
type upload struct {
	Name     string
	Data     []byte
	TooLarge bool
}

type uploadKey struct{}

// uploadOf returns the file the form sent, or nil.
func uploadOf(ctx context.Context) *upload {
	u, _ := ctx.Value(uploadKey{}).(*upload)
	return u
}

// maxUploadFields bounds the text fields of a multipart form besides its
// file: the CSRF token and a verifier key.
const maxUploadFields = 8

// readUpload reads a multipart form whose first part is the CSRF token
// (checked before anything more is read) and whose file part is field,
// at most limit bytes of it: a request that says it is larger is refused
// before its body is read, and a file that turns out larger is not read
// past the limit. It fills r.PostForm with the text fields and returns
// the file (nil when none was chosen).
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, field string, limit int64) (*upload, error) {
	const slack = 64 << 10 // the text fields and the parts' headers
	if r.ContentLength > limit+slack {
		return &upload{TooLarge: true}, nil
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return nil, errors.New("not a multipart form")
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+slack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	r.PostForm, r.Form = url.Values{}, url.Values{}
	var u *upload
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &upload{TooLarge: true}, nil
		}
		if err != nil {
			return nil, err
		}
		name := part.FormName()
		if n == 0 && name != "csrf" {
			return nil, errCSRF
		}
		if part.FileName() == "" && name != field {
			if n > maxUploadFields {
				return nil, errors.New("too many fields")
			}
			b, err := io.ReadAll(io.LimitReader(part, 4<<10))
			if err != nil {
				return nil, err
			}
			r.PostForm.Add(name, string(b))
			r.Form.Add(name, string(b))
			if n == 0 {
				if err := s.checkCSRF(r); err != nil {
					return nil, err
				}
			}
			continue
		}
		if name != field || u != nil {
			return nil, errors.New("an unexpected file")
		}
		var buf bytes.Buffer
		got, err := io.Copy(&buf, io.LimitReader(part, limit+1))
		if errors.As(err, &mbe) || got > limit {
			return &upload{TooLarge: true}, nil
		}
		if err != nil {
			return nil, err
		}
		u = &upload{Name: part.FileName(), Data: buf.Bytes()}
	}
	if u == nil || (u.Name == "" && len(u.Data) == 0) {
		return nil, nil
	}
	return u, nil
}

// handleEvidence takes in a family's evidence bundle from its page
// (evidence.Service.TakeIn, as the API's route does): the page then shows
// what was verified and filed and each open referral judged again, or an
// error summary naming each damaged exhibit, with nothing filed.
func (s *Server) handleEvidence(w http.ResponseWriter, r *http.Request) {
	ev := s.sh.Evidence
	if s.cfg.Cases == nil || ev == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, evidence cannot be taken in", "The evidence intake is not configured on this server.")
		return
	}
	u := uploadOf(r.Context())
	key := strings.TrimSpace(r.PostFormValue("verifier-key"))
	switch {
	case u == nil:
		s.showFamily(w, r, &takenView{Key: key}, []FieldError{{"bundle", "Select the family's evidence bundle (a .zip file from their locker)"}})
		return
	case u.TooLarge:
		s.showFamily(w, r, &takenView{Key: key}, []FieldError{{"bundle", "The bundle must be smaller than " + sizeWords(ev.Limit())}})
		return
	}
	p := principalOf(r.Context())
	a := casework.Actor{Who: p.Who(), Role: p.User.Role}
	res, err := ev.TakeIn(r.Context(), a, r.PathValue("family"), u.Data, key, "the web interface")
	var refused *evidence.RefusedError
	switch {
	case errors.As(err, &refused):
		errs := []FieldError{{"bundle", fmt.Sprintf("The bundle does not verify: %d %s found, so nothing was filed. Ask the family for a fresh copy from their locker", len(refused.Problems), plural(len(refused.Problems), "problem", "problems"))}}
		for _, pr := range refused.Problems {
			msg := pr.Reason
			if pr.Path != "" {
				msg = pr.Path + ": " + msg
			}
			if pr.Exhibit != "" {
				msg = "Exhibit " + pr.Exhibit + " is damaged: " + msg
			} else {
				msg = "The bundle as a whole: " + msg
			}
			errs = append(errs, FieldError{"bundle", msg})
		}
		s.showFamily(w, r, &takenView{Key: key}, errs)
		return
	case bonafide.ErrorCode(err) == bonafide.EInvalid:
		s.showFamily(w, r, &takenView{Key: key}, []FieldError{{"bundle", "The file is not a locker bundle: " + bonafide.ErrorMessage(err)}})
		return
	case bonafide.ErrorCode(err) == bonafide.EConflict:
		s.showFamily(w, r, &takenView{Key: key}, []FieldError{{"bundle", sentence(bonafide.ErrorMessage(err))}})
		return
	case bonafide.ErrorCode(err) == bonafide.ETooLarge:
		s.showFamily(w, r, &takenView{Key: key}, []FieldError{{"bundle", "The bundle must be smaller than " + sizeWords(ev.Limit())}})
		return
	case err != nil:
		s.serviceError(w, r, err)
		return
	}
	t := &takenView{OK: true, Bundle: res.BundleSHA256, Key: res.VerifierKey, Exhibits: len(res.Exhibits), Already: res.AlreadyFiled}
	for _, c := range res.Exhibits {
		ex := exhibitView{Number: c.Number, Title: c.Title, Stamp: "Not time-stamped"}
		if c.Stamped {
			ex.Stamp = when(c.StampTime) + " by " + c.Authority
		}
		t.Checks = append(t.Checks, ex)
	}
	for _, f := range res.Filed {
		fv := filedView{ID: f.ID, Type: words(string(f.Type)), Exhibit: f.Exhibit, Title: f.Title}
		if !f.When.IsZero() {
			fv.When = when(f.When)
		}
		t.Filed = append(t.Filed, fv)
	}
	for _, ra := range res.Reassessed {
		rv := reassessedView{ID: ra.ReferralID, Href: "/referrals/" + url.PathEscape(ra.ReferralID), NowFlagged: ra.Flagged, WasFlagged: ra.StoredFlagged,
			Before: fmt.Sprintf("%.0f%%", ra.StoredScore*100), After: fmt.Sprintf("%.0f%%", ra.Score*100), Stored: ra.Stored}
		for _, rs := range ra.Reasons {
			rv.Reasons = append(rv.Reasons, reasonView{Signal: words(string(rs.Signal)), Weight: fmt.Sprintf("%+.2f", rs.Weight), Evidence: rs.Evidence, Lowers: rs.Weight < 0})
		}
		t.Reassessed = append(t.Reassessed, rv)
	}
	slices.SortFunc(t.Reassessed, reassessedFirst)
	s.showFamily(w, r, t, nil)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
