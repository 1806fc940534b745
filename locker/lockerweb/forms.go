package lockerweb

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bonafide/locker"
)

// inputField is the data of the "input" partial.
type inputField struct{ ID, Label, Hint, Value, Error string }

// option is one choice of a select.
type option struct{ Value, Text string }

// selectField is the data of the "select" partial.
type selectField struct {
	ID, Label string
	Options   []option
	Value     string
	Error     string
}

// categoryOptions are the timeline's categories in plain words.
var categoryOptions = []option{
	{locker.CategoryPost, "One of our own posts"},
	{locker.CategoryForum, "A forum or social media post about us"},
	{locker.CategoryReferral, "Children's services: a referral, visit or call"},
	{locker.CategorySponsor, "A letter or message to a sponsor or employer"},
	{locker.CategoryGP, "A notice to our GP or health visitor"},
	{locker.CategorySchool, "A notice to the school or nursery"},
	{locker.CategoryPolice, "Our contact with the police"},
	{locker.CategoryOther, "Something else"},
}

func categoryName(c string) string {
	for _, o := range categoryOptions {
		if o.Value == c {
			return o.Text
		}
	}
	return c
}

func validCategory(c string) bool {
	for _, o := range categoryOptions {
		if o.Value == c {
			return true
		}
	}
	return false
}

func kindName(k locker.Kind) string {
	switch k {
	case locker.KindFile:
		return "File"
	case locker.KindPage:
		return "Web page"
	case locker.KindPost:
		return "Our post"
	case locker.KindDiary:
		return "Diary entry"
	}
	return string(k)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// dateValue is what a person typed in a date-and-time field.
type dateValue struct{ Day, Month, Year, Time string }

func (d dateValue) empty() bool {
	return strings.TrimSpace(d.Day+d.Month+d.Year+d.Time) == ""
}

func dateOf(t time.Time) dateValue {
	if t.IsZero() {
		return dateValue{}
	}
	t = t.Local()
	return dateValue{strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year()), t.Format("15:04")}
}

// dateField is the data of the "date" partial: a GOV.UK date input with
// a time beside it.
type dateField struct {
	ID, Legend, Hint string
	V                dateValue
	Error            string
}

func formDate(get func(string) string, id string) dateValue {
	return dateValue{get(id + "-day"), get(id + "-month"), get(id + "-year"), get(id + "-time")}
}

// parse reads a date and time in the computer's time zone; what names
// the date in the messages ("the date it happened"). An empty optional
// field is the zero time.
func (d dateValue) parse(what string, required bool) (time.Time, string) {
	if d.empty() {
		if required {
			return time.Time{}, "Enter " + what
		}
		return time.Time{}, ""
	}
	day, e1 := strconv.Atoi(strings.TrimSpace(d.Day))
	month, e2 := strconv.Atoi(strings.TrimSpace(d.Month))
	year, e3 := strconv.Atoi(strings.TrimSpace(d.Year))
	switch {
	case strings.TrimSpace(d.Day) == "":
		return time.Time{}, strings.ToUpper(what[:1]) + what[1:] + " must include a day"
	case strings.TrimSpace(d.Month) == "":
		return time.Time{}, strings.ToUpper(what[:1]) + what[1:] + " must include a month"
	case strings.TrimSpace(d.Year) == "":
		return time.Time{}, strings.ToUpper(what[:1]) + what[1:] + " must include a year"
	case e1 != nil || e2 != nil || e3 != nil || year < 1900 || year > 9999:
		return time.Time{}, strings.ToUpper(what[:1]) + what[1:] + " must be a real date, for example 23 2 2026"
	}
	hour, minute := 0, 0
	if tm := strings.TrimSpace(d.Time); tm != "" {
		t, err := time.Parse("15:04", strings.ReplaceAll(tm, ".", ":"))
		if err != nil {
			return time.Time{}, "The time must be a 24-hour time, for example 14:30"
		}
		hour, minute = t.Hour(), t.Minute()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, 0, 0, time.Local)
	if t.Day() != day || int(t.Month()) != month {
		return time.Time{}, strings.ToUpper(what[:1]) + what[1:] + " must be a real date, for example 23 2 2026"
	}
	return t, ""
}

// Upload limits, enforced while the form is read.
const (
	maxFormBody   = 1 << 20                // a form without files
	maxFilesBody  = 2 * locker.MaxPartSize // one files form, all its files together
	maxBundleBody = 256 << 20              // a bundle to check
	maxFieldSize  = locker.MaxText + 1024
	maxFiles      = 20
)

// upload is one file of a multipart form, read into memory.
type upload struct {
	Name string
	Data []byte
}

// errTooLarge is a file or form over its limit.
var errTooLarge = errors.New("too large")

// readMultipart reads a multipart form as it arrives, without temporary
// files (the locker's contents never touch the disk unencrypted): fields
// into values, files (at most maxFiles, each at most perFile bytes) into
// files. The whole body is bounded by total.
func readMultipart(w http.ResponseWriter, r *http.Request, total, perFile int64) (map[string]string, map[string][]upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, total)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, err
	}
	values := map[string]string{}
	files := map[string][]upload{}
	n := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return values, files, nil
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, errTooLarge
		}
		if err != nil {
			return nil, nil, err
		}
		if err := readPart(p, values, files, &n, perFile); err != nil {
			return nil, nil, err
		}
	}
}

func readPart(p *multipart.Part, values map[string]string, files map[string][]upload, n *int, perFile int64) error {
	defer p.Close()
	name := p.FormName()
	if p.FileName() == "" {
		b, err := io.ReadAll(io.LimitReader(p, maxFieldSize+1))
		if err != nil {
			return tooLarge(err)
		}
		if len(b) > maxFieldSize {
			return errTooLarge
		}
		values[name] = string(b)
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(p, perFile+1))
	if err != nil {
		return tooLarge(err)
	}
	if len(b) == 0 && p.FileName() == "" {
		return nil
	}
	if int64(len(b)) > perFile {
		return fmt.Errorf("%s: %w", p.FileName(), errTooLarge)
	}
	*n++
	if *n > maxFiles {
		return fmt.Errorf("more than %d files: %w", maxFiles, errTooLarge)
	}
	files[name] = append(files[name], upload{Name: p.FileName(), Data: b})
	return nil
}

func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return err
}

// parseForm reads a urlencoded form under maxFormBody.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	return r.ParseForm()
}
