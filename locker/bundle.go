package locker

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"bonafide"
	"bonafide/auditlog"
)

// BundleFormat names the bundle layout this package writes and verifies.
const BundleFormat = "bonafide locker bundle v1"

// manifestSigHeader is the first line of the text the manifest signature
// is over; the second is "sha256 <hex of manifest.json>".
const manifestSigHeader = "bonafide locker manifest v1"

// Names of the two files every bundle has.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
)

// Bundle limits, enforced before a member is read.
const (
	MaxBundleFiles  = 20000
	maxManifestSize = 64 << 20
)

// A Manifest lists everything in a bundle: each exhibit with the fields
// its digest is over, and the SHA-256 of every other file, so that a
// verifier needs nothing but the zip (and, to know whose it is, the
// locker's verifier key).
type Manifest struct {
	Format      string     `json:"format"`
	Created     time.Time  `json:"created"`
	Origin      string     `json:"origin"`       // the custody log's checkpoint origin
	VerifierKey string     `json:"verifier_key"` // the locker's public key
	Checkpoint  string     `json:"checkpoint"`   // the signed custody checkpoint every proof is against
	Exhibits    []Exhibit  `json:"exhibits"`
	Files       []FileHash `json:"files"` // every file but the manifest and its signature
}

// An Exhibit is one item as a bundle carries it.
type Exhibit struct {
	Number   string            `json:"number"` // "E1", "E2", …: what the dossier cites
	ID       string            `json:"id"`
	Kind     Kind              `json:"kind"`
	Category string            `json:"category"`
	Title    string            `json:"title"`
	When     time.Time         `json:"when,omitzero"`
	Recorded time.Time         `json:"recorded"`
	Meta     map[string]string `json:"meta,omitempty"`
	Parts    []ExhibitPart     `json:"parts"`
	Digest   string            `json:"digest"`
	Token    string            `json:"token,omitempty"` // path of its RFC 3161 token, if stamped
	Proof    string            `json:"proof"`           // path of its custody inclusion proof
	Custody  int64             `json:"custody"`         // its custody entry's index
}

// An ExhibitPart is one part of an exhibit and where it is in the zip.
type ExhibitPart struct {
	Part
	Path string `json:"path"`
}

// A FileHash is one file of the bundle and its SHA-256.
type FileHash struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

func (e *Exhibit) item() *Item {
	it := &Item{ID: e.ID, Kind: e.Kind, Category: e.Category, Title: e.Title, When: e.When, Recorded: e.Recorded, Meta: e.Meta}
	for _, p := range e.Parts {
		it.Parts = append(it.Parts, p.Part)
	}
	return it
}

// ExportOptions choose what a bundle carries.
type ExportOptions struct {
	// IDs are the items to include, in order; every item not deleted if
	// empty. A bundle carries only what the family chose.
	IDs []string
	// Dossier, if set, is called with the numbered exhibits and returns a
	// PDF to include as dossier.pdf, listed and hashed like every file.
	Dossier func([]Exhibit) ([]byte, error)
}

// Export writes a verifiable bundle to w: a zip with every chosen item's
// parts, its time-stamp token and custody proof, signed manifest and,
// if asked, the dossier. It first signs a custody checkpoint covering
// every item, so each proof is against it.
func (l *Locker) Export(ctx context.Context, w io.Writer, opt ExportOptions) (Manifest, error) {
	items, err := l.chosen(ctx, opt.IDs)
	if err != nil {
		return Manifest{}, fmt.Errorf("export: %w", err)
	}
	l.mu.Lock()
	cp, err := l.custody.WriteCheckpoint(ctx)
	l.mu.Unlock()
	if err != nil {
		return Manifest{}, fmt.Errorf("export: %w", err)
	}
	m := Manifest{Format: BundleFormat, Created: l.now().UTC().Truncate(time.Second), Origin: l.origin,
		VerifierKey: l.VerifierKey(), Checkpoint: string(cp.Note)}
	files := map[string][]byte{}
	var order []string
	add := func(p string, b []byte) {
		files[p] = b
		order = append(order, p)
		h := sha256.Sum256(b)
		m.Files = append(m.Files, FileHash{Path: p, SHA256: hex.EncodeToString(h[:])})
	}
	for i, it := range items {
		ex := Exhibit{Number: fmt.Sprintf("E%d", i+1), ID: it.ID, Kind: it.Kind, Category: it.Category, Title: it.Title,
			When: it.When, Recorded: it.Recorded, Meta: it.Meta, Digest: it.Digest, Custody: it.Custody}
		for n, p := range it.Parts {
			data, err := l.Content(ctx, it.ID, n)
			if err != nil {
				return Manifest{}, fmt.Errorf("export: %w", err)
			}
			pp := "exhibits/" + ex.Number + "/" + safeName(p.Name)
			add(pp, data)
			ex.Parts = append(ex.Parts, ExhibitPart{Part: p, Path: pp})
		}
		if it.Stamp != nil {
			ex.Token = "tokens/" + ex.Number + ".tst"
			add(ex.Token, it.Stamp.Token)
		}
		pb, err := l.custody.Bundle(ctx, it.Custody)
		if err != nil {
			return Manifest{}, fmt.Errorf("export %s: %w", it.ID, err)
		}
		text, err := pb.MarshalText()
		if err != nil {
			return Manifest{}, err
		}
		ex.Proof = "proofs/" + ex.Number + ".proof"
		add(ex.Proof, text)
		m.Exhibits = append(m.Exhibits, ex)
	}
	if opt.Dossier != nil {
		pdf, err := opt.Dossier(m.Exhibits)
		if err != nil {
			return Manifest{}, fmt.Errorf("export: dossier: %w", err)
		}
		add("dossier.pdf", pdf)
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, err
	}
	h := sha256.Sum256(mj)
	sig, err := note.Sign(&note.Note{Text: manifestSigHeader + "\nsha256 " + hex.EncodeToString(h[:]) + "\n"}, l.key.Signer())
	if err != nil {
		return Manifest{}, err
	}
	zw := zip.NewWriter(w)
	write := func(name string, b []byte) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: m.Created})
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		return err
	}
	if err := write(ManifestName, mj); err != nil {
		return Manifest{}, err
	}
	if err := write(SignatureName, sig); err != nil {
		return Manifest{}, err
	}
	for _, p := range order {
		if err := write(p, files[p]); err != nil {
			return Manifest{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

func (l *Locker) chosen(ctx context.Context, ids []string) ([]*Item, error) {
	if len(ids) == 0 {
		all, err := l.Items(ctx)
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(all, func(it *Item) bool { return it.Deleted }), nil
	}
	var out []*Item
	for _, id := range ids {
		it, err := l.Item(ctx, id)
		if err != nil {
			return nil, err
		}
		if it.Deleted {
			return nil, bonafide.Errorf(bonafide.EInvalid, "item %s was deleted", id)
		}
		out = append(out, it)
	}
	return out, nil
}

// safeName keeps a part's name usable as one path element in a zip.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		s = "part"
	}
	return s
}

// A Problem is one thing wrong with a bundle, naming the exhibit when
// there is one.
type Problem struct {
	Exhibit string // "E3", or "" for the bundle as a whole
	Path    string // the file concerned, if any
	Reason  string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Exhibit != "" {
		b.WriteString("exhibit " + p.Exhibit + ": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// ExhibitCheck is what verification found out about one exhibit.
type ExhibitCheck struct {
	Number    string
	Title     string
	Digest    string
	Stamped   bool
	StampTime time.Time
	Authority string
	// AuthorityTrusted is set when the authority chained to the roots
	// the verifier was given.
	AuthorityTrusted bool
	Custody          int64
	OK               bool
}

// VerifyReport is the outcome of [Verify].
type VerifyReport struct {
	Manifest Manifest
	Exhibits []ExhibitCheck
	Problems []Problem
	// Dossier is the bundle's dossier.pdf, if it had one and it is intact.
	Dossier []byte

	intact map[string][]byte // files whose hash matched the manifest
}

// OK reports whether nothing was wrong.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// VerifyOptions say what a verifier trusts besides the bundle itself.
type VerifyOptions struct {
	// Key is the locker verifier key the checker was given separately;
	// the bundle must be signed by it. Empty: the key the manifest names.
	Key string
	// TSARoots are the time-stamping authorities' root certificates the
	// checker trusts. A token whose authority does not chain to one of
	// them is a problem naming the authority. Nil: the authority is
	// named but not checked.
	TSARoots *x509.CertPool
}

// Verify is [VerifyWith] with only a trusted key (which may be empty).
func Verify(r io.ReaderAt, size int64, trustedKey string) (*VerifyReport, error) {
	return VerifyWith(r, size, VerifyOptions{Key: trustedKey})
}

// VerifyWith checks a bundle with nothing but its bytes: the manifest's
// signature, every file's SHA-256, every exhibit's digest, time-stamp
// token and custody inclusion proof. It names every exhibit changed,
// added or removed, and, given roots, every token from an authority it
// does not trust. An error is returned only when the bytes are not a zip
// at all.
func VerifyWith(r io.ReaderAt, size int64, opt VerifyOptions) (*VerifyReport, error) {
	trustedKey := opt.Key
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, bonafide.Errorf(bonafide.EInvalid, "verify bundle: not a zip file: %v", err)
	}
	if len(zr.File) > MaxBundleFiles {
		return nil, bonafide.Errorf(bonafide.EInvalid, "verify bundle: more than %d files", MaxBundleFiles)
	}
	rep := &VerifyReport{}
	problem := func(ex, p, format string, args ...any) {
		rep.Problems = append(rep.Problems, Problem{Exhibit: ex, Path: p, Reason: fmt.Sprintf(format, args...)})
	}
	contents := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		limit := int64(MaxPartSize)
		if f.Name == ManifestName {
			limit = maxManifestSize
		}
		if _, dup := contents[f.Name]; dup {
			problem(exhibitOf(f.Name), f.Name, "appears more than once in the zip")
			continue
		}
		if f.UncompressedSize64 > uint64(limit) {
			problem(exhibitOf(f.Name), f.Name, "larger than %d bytes", limit)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			problem(exhibitOf(f.Name), f.Name, "cannot be read: %v", err)
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, limit+1))
		rc.Close()
		if err != nil {
			problem(exhibitOf(f.Name), f.Name, "cannot be read: %v", err)
			continue
		}
		contents[f.Name] = b
		names = append(names, f.Name)
	}
	mj, ok := contents[ManifestName]
	if !ok {
		problem("", ManifestName, "missing: nothing in the bundle can be checked")
		return rep, nil
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		problem("", ManifestName, "not a manifest: %v", err)
		return rep, nil
	}
	rep.Manifest = m
	if m.Format != BundleFormat {
		problem("", ManifestName, "format %q, want %q", m.Format, BundleFormat)
	}
	key := m.VerifierKey
	if trustedKey != "" {
		if trustedKey != m.VerifierKey {
			problem("", ManifestName, "signed by key %s, not the one you trust", m.VerifierKey)
		}
		key = trustedKey
	}
	checkSignature(key, mj, contents[SignatureName], problem)

	// Every file: listed, present, unchanged.
	listed := map[string]string{}
	for _, f := range m.Files {
		listed[f.Path] = f.SHA256
	}
	for _, n := range names {
		if n == ManifestName || n == SignatureName {
			continue
		}
		if _, ok := listed[n]; !ok {
			problem(exhibitOf(n), n, "added: not in the manifest")
		}
	}
	intact := map[string]bool{}
	rep.intact = map[string][]byte{}
	for _, f := range m.Files {
		b, ok := contents[f.Path]
		switch h := sha256.Sum256(b); {
		case !ok:
			problem(exhibitOf(f.Path), f.Path, "removed: listed in the manifest but not in the bundle")
		case hex.EncodeToString(h[:]) != f.SHA256:
			problem(exhibitOf(f.Path), f.Path, "changed: SHA-256 %x, the manifest says %s", h, f.SHA256)
		default:
			intact[f.Path] = true
			rep.intact[f.Path] = b
		}
	}
	if intact["dossier.pdf"] {
		rep.Dossier = contents["dossier.pdf"]
	}

	// Every exhibit: digest, token, proof.
	for _, ex := range m.Exhibits {
		before := len(rep.Problems)
		for _, p := range ex.Parts {
			if _, ok := listed[p.Path]; !ok {
				problem(ex.Number, p.Path, "part not listed among the bundle's files")
			} else if listed[p.Path] != p.SHA256 {
				problem(ex.Number, p.Path, "the part's hash differs from the file list's")
			}
		}
		digest := digestOf(ex.item())
		if digest != ex.Digest {
			problem(ex.Number, "", "its digest does not match its parts and description")
		}
		c := ExhibitCheck{Number: ex.Number, Title: ex.Title, Digest: ex.Digest, Custody: ex.Custody}
		if ex.Token != "" {
			if tok, ok := contents[ex.Token]; !ok {
				problem(ex.Number, ex.Token, "time-stamp token missing")
			} else if info, err := CheckTokenChain(tok, ex.Digest, opt.TSARoots); err != nil {
				problem(ex.Number, ex.Token, "%v", err)
			} else {
				c.Stamped, c.StampTime, c.Authority = true, info.Time, info.Authority
				c.AuthorityTrusted = opt.TSARoots != nil && info.Chain == nil
				if info.Chain != nil {
					problem(ex.Number, ex.Token, "time-stamped by %s, which is not a trusted time-stamping authority: %v", info.Authority, info.Chain)
				}
			}
		}
		checkProof(ex, key, m, contents[ex.Proof], problem)
		c.OK = len(rep.Problems) == before
		rep.Exhibits = append(rep.Exhibits, c)
	}
	// A problem found with the files (a part changed, removed or added)
	// names its exhibit too, before the exhibits are checked: that
	// exhibit is not OK either.
	broken := map[string]bool{}
	for _, p := range rep.Problems {
		broken[p.Exhibit] = true
	}
	for i := range rep.Exhibits {
		if broken[rep.Exhibits[i].Number] {
			rep.Exhibits[i].OK = false
		}
	}
	return rep, nil
}

func checkSignature(key string, mj, sig []byte, problem func(ex, p, format string, args ...any)) {
	if sig == nil {
		problem("", SignatureName, "missing: the manifest is unsigned")
		return
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		problem("", ManifestName, "verifier key: %v", err)
		return
	}
	n, err := note.Open(sig, note.VerifierList(v))
	if err == nil && !bytes.HasSuffix(sig, []byte("\n")) {
		err = errors.New("malformed note")
	}
	if err == nil {
		// note.Open tolerates stray bits in a signature's base64 and a
		// changed line end; a signed file must not change at all.
		for _, s := range n.Sigs {
			if _, e := base64.StdEncoding.Strict().DecodeString(s.Base64); e != nil {
				err = errors.New("non-canonical signature encoding")
			}
		}
	}
	if err != nil {
		problem("", SignatureName, "signature does not verify: %v", err)
		return
	}
	h := sha256.Sum256(mj)
	if n.Text != manifestSigHeader+"\nsha256 "+hex.EncodeToString(h[:])+"\n" {
		problem("", ManifestName, "changed: the signature is over another manifest")
	}
}

func checkProof(ex Exhibit, key string, m Manifest, text []byte, problem func(ex, p, format string, args ...any)) {
	if text == nil {
		problem(ex.Number, ex.Proof, "custody proof missing")
		return
	}
	var pb auditlog.ProofBundle
	if err := pb.UnmarshalText(text); err != nil {
		problem(ex.Number, ex.Proof, "custody proof unreadable: %v", err)
		return
	}
	if pb.Origin != m.Origin || string(pb.Checkpoint) != m.Checkpoint {
		problem(ex.Number, ex.Proof, "custody proof is against another log or checkpoint")
	}
	e, err := pb.Check(key)
	if err != nil {
		problem(ex.Number, ex.Proof, "custody proof does not verify: %v", err)
		return
	}
	if e.Object != ex.ID || e.N != ex.Custody || !strings.HasPrefix(e.Why, "sha256:"+ex.Digest) || e.What == "item.delete" {
		problem(ex.Number, ex.Proof, "the custody entry (%d %s %s) is not this exhibit's", e.N, e.What, e.Object)
	}
}

// exhibitOf names the exhibit a bundle path belongs to, or "".
func exhibitOf(p string) string {
	dir, file := path.Split(p)
	switch dir {
	case "tokens/", "proofs/":
		return strings.TrimSuffix(file, path.Ext(file))
	}
	if rest, ok := strings.CutPrefix(p, "exhibits/"); ok {
		n, _, _ := strings.Cut(rest, "/")
		return n
	}
	return ""
}
