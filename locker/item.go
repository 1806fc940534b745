package locker

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bonafide"
	"bonafide/auditlog"
)

// Kind says how an item came into the locker.
type Kind string

// The kinds of item.
const (
	KindFile  Kind = "file"  // a file the family already had
	KindPage  Kind = "page"  // a web page captured from its address
	KindPost  Kind = "post"  // one of the family's own posts, from a platform export
	KindDiary Kind = "diary" // a diary entry written in the locker
)

// Category places an item in the timeline: what the family learnt of or
// did. It is free text, but the timeline and dossier know these.
const (
	CategoryPost     = "post"     // the family's own post
	CategoryForum    = "forum"    // a forum thread or post about the family
	CategoryReferral = "referral" // a referral, visit or call from children's services
	CategorySponsor  = "sponsor"  // a letter or message to a sponsor or employer
	CategoryGP       = "gp"       // a notification to the GP
	CategorySchool   = "school"   // a notification to the school or nursery
	CategoryPolice   = "police"   // a contact with the police
	CategoryOther    = "other"
)

var categories = []string{CategoryPost, CategoryForum, CategoryReferral, CategorySponsor, CategoryGP, CategorySchool, CategoryPolice, CategoryOther}

// Limits, enforced before anything is read into memory.
const (
	MaxPartSize = 64 << 20 // bytes in one part (file, screenshot, page archive)
	MaxParts    = 64       // parts of one item (a diary entry's versions count)
	MaxText     = 1 << 20  // a diary entry or post text
	MaxMetaLen  = 4096     // one metadata value
)

// A Part is one stored piece of an item (the file itself, a page's
// screenshot, a diary entry's version), with the hash that identifies it.
type Part struct {
	Name     string    `json:"name"` // file name inside the exhibit, e.g. "letter.pdf", "v2.txt"
	Type     string    `json:"type"` // media type
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256"`   // hex
	Recorded time.Time `json:"recorded"` // when the locker stored this part
}

// A Stamp is an RFC 3161 time-stamp token over an item's digest.
type Stamp struct {
	Token []byte    `json:"token"` // DER TimeStampToken
	Time  time.Time `json:"time"`  // the time the authority signed
	TSA   string    `json:"tsa"`   // the URL it came from
}

// Item is one piece of evidence with its provenance.
type Item struct {
	ID       string            `json:"id"`
	Kind     Kind              `json:"kind"`
	Category string            `json:"category"`
	Title    string            `json:"title"`
	When     time.Time         `json:"when,omitzero"` // when it happened, as the family or the item says
	Recorded time.Time         `json:"recorded"`      // when the locker first stored it
	Meta     map[string]string `json:"meta,omitempty"`
	Parts    []Part            `json:"parts"`
	Digest   string            `json:"digest"` // SHA-256 of the item's statement (see Statement)
	Stamp    *Stamp            `json:"stamp,omitempty"`
	// StampPending says why an item has no token yet when the authority
	// could not be reached: [Locker.Timestamp] obtains it later. It is
	// not part of the statement, as the token is not.
	StampPending string `json:"stamp_pending,omitempty"`
	Custody      int64  `json:"custody"` // index of its latest custody entry
	Deleted      bool   `json:"deleted,omitempty"`
	seq          int64
}

// statement is what an item's digest is over: everything about it that
// a bundle carries, and the hash of every part.
type statement struct {
	V        string            `json:"v"`
	ID       string            `json:"id"`
	Kind     Kind              `json:"kind"`
	Category string            `json:"category"`
	Title    string            `json:"title"`
	When     string            `json:"when"`
	Recorded string            `json:"recorded"`
	Meta     map[string]string `json:"meta"`
	Parts    []statementPart   `json:"parts"`
}

type statementPart struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Recorded string `json:"recorded"`
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Statement returns the canonical bytes an item's digest is the SHA-256
// of: one JSON object (fixed member order, metadata keys sorted) naming
// the item and every part with its hash. A verifier recomputes it from a
// bundle's manifest and the exhibit files alone.
func (it *Item) Statement() []byte {
	st := statement{V: "bonafide locker item v1", ID: it.ID, Kind: it.Kind, Category: it.Category,
		Title: it.Title, When: fmtTime(it.When), Recorded: fmtTime(it.Recorded), Meta: it.Meta}
	if st.Meta == nil {
		st.Meta = map[string]string{}
	}
	for _, p := range it.Parts {
		st.Parts = append(st.Parts, statementPart{p.Name, p.Type, p.Size, p.SHA256, fmtTime(p.Recorded)})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		panic(err) // strings, ints and maps of strings always encode
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func digestOf(it *Item) string {
	h := sha256.Sum256(it.Statement())
	return hex.EncodeToString(h[:])
}

func newID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func validCategory(c string) error {
	if !slices.Contains(categories, c) {
		return fmt.Errorf("category %q: want one of %s", c, strings.Join(categories, ", "))
	}
	return nil
}

func checkText(field, s string, max int) error {
	if len(s) > max {
		return bonafide.Errorf(bonafide.EInvalid, "%s: longer than %d bytes", field, max)
	}
	if !utf8.ValidString(s) {
		return bonafide.Errorf(bonafide.EInvalid, "%s: not UTF-8", field)
	}
	return nil
}

// put stores a new item (or a new version of one) with its new parts'
// contents, stamps it and enters it in the custody log as what. Either all
// of it is stored or none.
func (l *Locker) put(ctx context.Context, it *Item, contents map[int][]byte, what string, isNew bool) error {
	if len(it.Parts) > MaxParts {
		return bonafide.Errorf(bonafide.EInvalid, "item %s: more than %d parts", it.ID, MaxParts)
	}
	for k, v := range it.Meta {
		if err := checkText("meta "+k, v, MaxMetaLen); err != nil {
			return err
		}
	}
	if err := checkText("title", it.Title, MaxMetaLen); err != nil {
		return err
	}
	for i, c := range contents {
		h := sha256.Sum256(c)
		it.Parts[i].SHA256 = hex.EncodeToString(h[:])
		it.Parts[i].Size = int64(len(c))
	}
	it.Digest = digestOf(it)
	it.Stamp, it.StampPending = nil, ""
	if l.cfg.TSA != "" {
		st, err := l.stamp(ctx, it.Digest)
		var offline *unreachableError
		switch {
		case errors.As(err, &offline):
			it.StampPending = err.Error()
		case err != nil:
			return fmt.Errorf("time-stamp item %s: %w", it.ID, err)
		default:
			it.Stamp = st
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.cstore.Size(ctx)
	if err != nil {
		return err
	}
	it.Custody = n
	if err := l.write(ctx, it, contents, isNew); err != nil {
		return fmt.Errorf("store item %s: %w", it.ID, err)
	}
	e, err := l.custody.Append(ctx, auditlog.Entry{Who: "family", What: what, Object: it.ID, Why: "sha256:" + it.Digest})
	if err == nil && e.N != n {
		err = fmt.Errorf("custody entry %d, want %d", e.N, n)
	}
	if err != nil {
		if isNew {
			l.remove(context.WithoutCancel(ctx), it.ID)
		}
		return fmt.Errorf("custody of item %s: %w", it.ID, err)
	}
	return nil
}

func (l *Locker) write(ctx context.Context, it *Item, contents map[int][]byte, isNew bool) error {
	body, err := json.Marshal(it)
	if err != nil {
		return err
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sealed := l.seal.seal("item/"+it.ID, body)
	if isNew {
		_, err = tx.ExecContext(ctx, `INSERT INTO items (id, seq, body) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM items), ?)`, it.ID, sealed)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE items SET body = ? WHERE id = ?`, sealed, it.ID)
	}
	if err != nil {
		return err
	}
	for i, c := range contents {
		ad := "part/" + it.ID + "/" + strconv.Itoa(i)
		if _, err := tx.ExecContext(ctx, `INSERT INTO parts (item, n, data) VALUES (?, ?, ?)`, it.ID, i, l.seal.seal(ad, c)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// rewrite stores an item's description again (a token obtained later),
// its parts unchanged.
func (l *Locker) rewrite(ctx context.Context, it *Item) error {
	body, err := json.Marshal(it)
	if err != nil {
		return err
	}
	_, err = l.db.ExecContext(ctx, `UPDATE items SET body = ? WHERE id = ?`, l.seal.seal("item/"+it.ID, body), it.ID)
	return err
}

func (l *Locker) remove(ctx context.Context, id string) {
	l.db.ExecContext(ctx, `DELETE FROM parts WHERE item = ?`, id)
	l.db.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, id)
}

// FileInput is a file the family adds, with what they say about it.
type FileInput struct {
	Name     string    // the file's own name (base name kept)
	Data     []byte    // its bytes (at most MaxPartSize)
	ModTime  time.Time // its modification time, kept as metadata
	Category string    // timeline category; CategoryOther if empty
	Title    string    // what it is, e.g. "Letter to the sponsor, 3 March"; the name if empty
	When     time.Time // when it happened; for .eml files the Date header if zero
}

// AddFile stores a file with its own metadata (name, size, modification
// time, media type; for an .eml message its From, To, Subject, Date and
// Message-ID headers).
func (l *Locker) AddFile(ctx context.Context, in FileInput) (*Item, error) {
	if len(in.Data) > MaxPartSize {
		return nil, bonafide.Errorf(bonafide.EInvalid, "add file %s: larger than %d bytes", in.Name, MaxPartSize)
	}
	name := filepath.Base(in.Name)
	if name == "." || name == "/" || name == "" {
		return nil, bonafide.Errorf(bonafide.EInvalid, "add file: no file name")
	}
	if in.Category == "" {
		in.Category = CategoryOther
	}
	if err := validCategory(in.Category); err != nil {
		return nil, bonafide.Errorf(bonafide.EInvalid, "add file %s: %v", name, err)
	}
	typ := mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
	if typ == "" {
		typ = http.DetectContentType(in.Data)
	}
	now := l.now().UTC()
	it := &Item{ID: newID(), Kind: KindFile, Category: in.Category, Title: in.Title, When: in.When, Recorded: now,
		Meta: map[string]string{"file.name": name, "file.size": strconv.Itoa(len(in.Data))}}
	if !in.ModTime.IsZero() {
		it.Meta["file.mtime"] = in.ModTime.UTC().Format(time.RFC3339)
	}
	if strings.EqualFold(filepath.Ext(name), ".eml") {
		typ = "message/rfc822"
		msg, err := mail.ReadMessage(bytes.NewReader(in.Data))
		if err != nil {
			return nil, bonafide.Errorf(bonafide.EInvalid, "add file %s: not an e-mail message: %v", name, err)
		}
		for _, h := range []string{"From", "To", "Cc", "Subject", "Date", "Message-Id"} {
			if v := msg.Header.Get(h); v != "" {
				it.Meta["email."+strings.ToLower(h)] = v
			}
		}
		if d, err := msg.Header.Date(); err == nil && it.When.IsZero() {
			it.When = d.UTC()
		}
		if it.Title == "" {
			it.Title = msg.Header.Get("Subject")
		}
	}
	if it.Title == "" {
		it.Title = name
	}
	it.Meta["file.type"] = typ
	it.Parts = []Part{{Name: name, Type: typ, Recorded: now}}
	if err := l.put(ctx, it, map[int][]byte{0: in.Data}, "item.add", true); err != nil {
		return nil, err
	}
	return it, nil
}

// DiaryInput is a diary entry: what happened, when and who was involved.
type DiaryInput struct {
	When     time.Time // when it happened (required)
	Who      string    // who was involved, e.g. "social worker from Northbury, by phone"
	What     string    // what happened, in the family's words (required)
	Category string    // timeline category; CategoryOther if empty
	Title    string    // a short heading; the first line of What if empty
}

func (d DiaryInput) text() string {
	return "When: " + d.When.Format("Monday 2 January 2006 15:04 MST") + "\nWho: " + d.Who + "\n\n" + d.What + "\n"
}

func (d *DiaryInput) check() error {
	if d.When.IsZero() {
		return bonafide.Errorf(bonafide.EInvalid, "diary entry: when: required")
	}
	if strings.TrimSpace(d.What) == "" {
		return bonafide.Errorf(bonafide.EInvalid, "diary entry: what: required")
	}
	if d.Category == "" {
		d.Category = CategoryOther
	}
	if err := validCategory(d.Category); err != nil {
		return bonafide.Errorf(bonafide.EInvalid, "diary entry: %v", err)
	}
	if err := checkText("diary entry: what", d.What, MaxText); err != nil {
		return err
	}
	if err := checkText("diary entry: who", d.Who, MaxMetaLen); err != nil {
		return err
	}
	if d.Title == "" {
		d.Title, _, _ = strings.Cut(strings.TrimSpace(d.What), "\n")
		if len(d.Title) > 80 {
			d.Title = d.Title[:strings.LastIndex(d.Title[:80], " ")+1] + "…"
		}
	}
	return nil
}

// AddDiary writes a diary entry. The locker records the time it was
// written; the family's own "when" is kept beside it.
func (l *Locker) AddDiary(ctx context.Context, in DiaryInput) (*Item, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	now := l.now().UTC()
	it := &Item{ID: newID(), Kind: KindDiary, Category: in.Category, Title: in.Title, When: in.When.UTC(), Recorded: now,
		Meta:  map[string]string{"diary.who": in.Who},
		Parts: []Part{{Name: "v1.txt", Type: "text/plain; charset=utf-8", Recorded: now}}}
	if err := l.put(ctx, it, map[int][]byte{0: []byte(in.text())}, "diary.add", true); err != nil {
		return nil, err
	}
	return it, nil
}

// EditDiary records a new version of a diary entry. Every earlier version
// stays, each with the time the locker recorded it, so that the entry
// shows what was written when, as a contemporaneous log must.
func (l *Locker) EditDiary(ctx context.Context, id string, in DiaryInput) (*Item, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	it, err := l.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.Kind != KindDiary || it.Deleted {
		return nil, bonafide.Errorf(bonafide.EInvalid, "edit diary: item %s is not a diary entry", id)
	}
	now := l.now().UTC()
	it.Title, it.Category, it.When = in.Title, in.Category, in.When.UTC()
	it.Meta["diary.who"] = in.Who
	n := len(it.Parts)
	it.Parts = append(it.Parts, Part{Name: fmt.Sprintf("v%d.txt", n+1), Type: "text/plain; charset=utf-8", Recorded: now})
	if err := l.put(ctx, it, map[int][]byte{n: []byte(in.text())}, "diary.edit", false); err != nil {
		return nil, err
	}
	return it, nil
}

// Delete removes an item's contents from the locker. The deletion is
// itself a custody entry, and the item's digest and hashes stay, so the
// log shows what was removed and when.
func (l *Locker) Delete(ctx context.Context, id, why string) error {
	it, err := l.Item(ctx, id)
	if err != nil {
		return err
	}
	if it.Deleted {
		return bonafide.Errorf(bonafide.EConflict, "delete: item %s is already deleted", id)
	}
	if strings.TrimSpace(why) == "" {
		why = "deleted by the family"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.custody.Append(ctx, auditlog.Entry{Who: "family", What: "item.delete", Object: id, Why: "sha256:" + it.Digest + " " + why})
	if err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	it.Deleted, it.Custody = true, e.N
	body, err := json.Marshal(it)
	if err != nil {
		return err
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM parts WHERE item = ?`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET body = ? WHERE id = ?`, l.seal.seal("item/"+id, body), id); err != nil {
		return err
	}
	return tx.Commit()
}

// Item returns one item (without its contents).
func (l *Locker) Item(ctx context.Context, id string) (*Item, error) {
	var seq int64
	var sealed []byte
	err := l.db.QueryRowContext(ctx, `SELECT seq, body FROM items WHERE id = ?`, id).Scan(&seq, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bonafide.Errorf(bonafide.ENotFound, "no item %s in the locker", id)
	}
	if err != nil {
		return nil, err
	}
	return l.decodeItem(id, seq, sealed)
}

func (l *Locker) decodeItem(id string, seq int64, sealed []byte) (*Item, error) {
	body, err := l.seal.open("item/"+id, sealed)
	if err != nil {
		return nil, fmt.Errorf("item %s: %w", id, err)
	}
	var it Item
	if err := json.Unmarshal(body, &it); err != nil {
		return nil, fmt.Errorf("item %s: %w", id, err)
	}
	it.seq = seq
	return &it, nil
}

// Items returns every item in the order they were added, deleted ones
// included (marked), without their contents.
func (l *Locker) Items(ctx context.Context) ([]*Item, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, seq, body FROM items ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Item
	for rows.Next() {
		var id string
		var seq int64
		var sealed []byte
		if err := rows.Scan(&id, &seq, &sealed); err != nil {
			return nil, err
		}
		it, err := l.decodeItem(id, seq, sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Content returns part n of item id, checked against its stored hash.
func (l *Locker) Content(ctx context.Context, id string, n int) ([]byte, error) {
	it, err := l.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	if n < 0 || n >= len(it.Parts) || it.Deleted {
		return nil, bonafide.Errorf(bonafide.ENotFound, "item %s has no part %d", id, n)
	}
	var sealed []byte
	if err := l.db.QueryRowContext(ctx, `SELECT data FROM parts WHERE item = ? AND n = ?`, id, n).Scan(&sealed); err != nil {
		return nil, fmt.Errorf("item %s part %d: %w", id, n, err)
	}
	data, err := l.seal.open("part/"+id+"/"+strconv.Itoa(n), sealed)
	if err != nil {
		return nil, fmt.Errorf("item %s part %d: %w", id, n, err)
	}
	if h := sha256.Sum256(data); hex.EncodeToString(h[:]) != it.Parts[n].SHA256 {
		return nil, fmt.Errorf("item %s part %d: content does not match its hash", id, n)
	}
	return data, nil
}
