package locker_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"bonafide/casework"
	"bonafide/locker"
)

var testKDF = locker.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}

// startTSA runs an RFC 3161 time-stamping authority on loopback, signing
// with a certificate for time-stamping issued by its own root.
func startTSA(t testing.TB) *httptest.Server {
	t.Helper()
	return newTSA(t).srv
}

// testTSA is a loopback time-stamping authority with its own root
// certificate, which can be taken down (it then answers 503, as an
// authority out of reach does to a proxy).
type testTSA struct {
	srv  *httptest.Server
	root *x509.Certificate
	down atomic.Bool
}

func newTSA(t testing.TB) *testTSA {
	t.Helper()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test TSA Root", Organization: []string{"bonafide tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test TSA", Organization: []string{"bonafide tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, &key.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	tsa := &testTSA{root: root}
	tsa.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tsa.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage,
			Time: time.Now().UTC(), Nonce: req.Nonce, Policy: asn1.ObjectIdentifier{1, 2, 3, 4, 1},
			AddTSACertificate: req.Certificates, Certificates: []*x509.Certificate{root}}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(tsa.srv.Close)
	return tsa
}

func newLocker(t testing.TB, tsa string) (*locker.Locker, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "family.locker")
	cfg := locker.Config{KDF: testKDF, TSA: tsa}
	// The dossier's UTF-8 fallback, as bonafide locker uses, when
	// Debian's DejaVu Sans is installed.
	if lh, err := casework.NewLetterhead(casework.DejaVu[0], casework.DejaVu[1]); err == nil {
		cfg.PDF = lh.PDF
	}
	l, err := locker.Create(context.Background(), path, []byte("correct horse battery"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

func TestPassphrase(t *testing.T) {
	ctx := context.Background()
	l, path := newLocker(t, "")
	if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Who: "Ms Ash, social worker", What: "A secret visit about Poppy-Unique-Marker"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	for _, secret := range []string{"Poppy-Unique-Marker", "Ms Ash", "social worker", "bonafide-locker/"} {
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q in the clear", filepath.Base(f), secret)
			}
		}
	}
	if _, err := locker.Open(ctx, path, []byte("wrong horse battery"), locker.Config{}); !errors.Is(err, locker.ErrWrongPassphrase) {
		t.Fatalf("Open(wrong passphrase) = %v, want ErrWrongPassphrase", err)
	}
	l2, err := locker.Open(ctx, path, []byte("correct horse battery"), locker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	items, err := l2.Items(ctx)
	if err != nil || len(items) != 1 {
		t.Fatalf("Items = %d, %v; want 1", len(items), err)
	}
	got, err := l2.Content(ctx, items[0].ID, 0)
	if err != nil || !bytes.Contains(got, []byte("Poppy-Unique-Marker")) {
		t.Fatalf("Content = %q, %v", got, err)
	}
}

// buildLocker fills a locker with a sponsor letter, an e-mail, diary
// entries (one edited) and a deleted item, stamped by a loopback TSA.
func buildLocker(t *testing.T) *locker.Locker {
	t.Helper()
	ctx := context.Background()
	l, _ := newLocker(t, startTSA(t).URL)
	if _, err := l.AddFile(ctx, locker.FileInput{Name: "/home/x/sponsor-letter.txt", Data: []byte("Dear Acme Baby Co,\nThe family you sponsor is under investigation by social services.\n"),
		ModTime: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC), Category: locker.CategorySponsor, Title: "Anonymous letter to our sponsor"}); err != nil {
		t.Fatal(err)
	}
	eml := "From: school@example.org\r\nTo: parent@example.org\r\nSubject: Visit from children's services\r\nDate: Tue, 10 Mar 2026 14:05:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nWe were told to expect a visit.\r\n"
	it, err := l.AddFile(ctx, locker.FileInput{Name: "school.eml", Data: []byte(eml), Category: locker.CategorySchool})
	if err != nil {
		t.Fatal(err)
	}
	if it.Meta["email.subject"] != "Visit from children's services" || !it.When.Equal(time.Date(2026, 3, 10, 14, 5, 0, 0, time.UTC)) {
		t.Errorf("eml metadata = %v, when %v", it.Meta, it.When)
	}
	d, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 3, 9, 11, 0, 0, 0, time.UTC), Who: "duty social worker, by phone", What: "Call about a referral saying the baby is left alone.", Category: locker.CategoryReferral})
	if err != nil {
		t.Fatal(err)
	}
	d, err = l.EditDiary(ctx, d.ID, locker.DiaryInput{When: d.When, Who: "duty social worker (Northbury), by phone", What: "Call about a referral saying the baby is left alone. They said it was anonymous.", Category: locker.CategoryReferral})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Parts) != 2 || d.Parts[0].SHA256 == d.Parts[1].SHA256 {
		t.Errorf("edited diary parts = %+v, want two versions", d.Parts)
	}
	gone, err := l.AddFile(ctx, locker.FileInput{Name: "wrong.png", Data: []byte("\x89PNG not this one")})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, gone.ID, "added by mistake"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Content(ctx, gone.ID, 0); err == nil {
		t.Error("Content of a deleted item: no error")
	}
	if err := l.VerifyCustody(ctx); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestItemsStampedAndInCustody(t *testing.T) {
	l := buildLocker(t)
	items, err := l.Items(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 {
		t.Fatalf("items = %d, want 4", len(items))
	}
	for i, it := range items {
		if it.Stamp == nil {
			t.Errorf("item %d (%s) has no time-stamp", i, it.Title)
			continue
		}
		if _, err := locker.CheckToken(it.Stamp.Token, it.Digest); err != nil {
			t.Errorf("item %d token: %v", i, err)
		}
		if i > 0 && it.Custody <= items[i-1].Custody {
			t.Errorf("item %d custody %d not after %d", i, it.Custody, items[i-1].Custody)
		}
	}
	// items: 0 letter (custody 0), 1 eml (1), 2 diary (2 add, 3 edit), 3 deleted (4 add, 5 delete)
	if items[2].Custody != 3 || items[3].Custody != 5 || !items[3].Deleted {
		t.Errorf("custody indexes = %d, %d (deleted %v); want 3, 5, true", items[2].Custody, items[3].Custody, items[3].Deleted)
	}
}

func TestTSARefused(t *testing.T) {
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("not a time-stamp response"))
	}))
	defer bad.Close()
	l, _ := newLocker(t, bad.URL)
	_, err := l.AddDiary(context.Background(), locker.DiaryInput{When: time.Now(), What: "x"})
	if err == nil || !strings.Contains(err.Error(), "time-stamp") {
		t.Fatalf("AddDiary with a broken TSA = %v, want a time-stamp error", err)
	}
	items, _ := l.Items(context.Background())
	if len(items) != 0 {
		t.Errorf("items after a refused stamp = %d, want 0", len(items))
	}
}

func export(t *testing.T, l *locker.Locker) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := l.Export(context.Background(), &buf, locker.ExportOptions{Dossier: func([]locker.Exhibit) ([]byte, error) {
		return []byte("%PDF-1.4 stand-in"), nil
	}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func verify(t *testing.T, b []byte, key string) *locker.VerifyReport {
	t.Helper()
	rep, err := locker.Verify(bytes.NewReader(b), int64(len(b)), key)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// rezip rewrites a bundle, passing each member through edit (which returns
// nil to drop it), and appends extra members.
func rezip(t *testing.T, b []byte, edit func(name string, data []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if data = edit(f.Name, data); data == nil {
			continue
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	for n, d := range extra {
		w, _ := zw.Create(n)
		w.Write(d)
	}
	zw.Close()
	return out.Bytes()
}

func flipAt(target string, at func(int) int) func(string, []byte) []byte {
	return func(name string, data []byte) []byte {
		if name != target {
			return data
		}
		d := bytes.Clone(data)
		d[at(len(d))] ^= 0x01
		return d
	}
}

func TestBundleVerify(t *testing.T) {
	l := buildLocker(t)
	b := export(t, l)
	rep := verify(t, b, l.VerifierKey())
	if !rep.OK() {
		t.Fatalf("intact bundle: %v", rep.Problems)
	}
	if len(rep.Exhibits) != 3 {
		t.Fatalf("exhibits = %d, want 3 (the deleted item is not exported)", len(rep.Exhibits))
	}
	for _, c := range rep.Exhibits {
		if !c.Stamped || c.Authority == "" || !c.OK {
			t.Errorf("exhibit %s: %+v", c.Number, c)
		}
	}
	if rep.Dossier == nil {
		t.Error("no dossier in the report")
	}

	other, _ := newLocker(t, "")
	middle := func(n int) int { return n / 2 }
	var tokenE1 []byte
	rezip(t, b, func(n string, d []byte) []byte {
		if n == "tokens/E1.tst" {
			tokenE1 = d
		}
		return d
	}, nil)
	tests := []struct {
		name  string
		edit  func(string, []byte) []byte
		extra map[string][]byte
		key   string
		want  []string // each must appear in one problem
	}{
		{name: "exhibit byte", edit: flipAt("exhibits/E1/sponsor-letter.txt", middle), want: []string{"exhibit E1: exhibits/E1/sponsor-letter.txt: changed"}},
		{name: "diary version byte", edit: flipAt("exhibits/E3/v1.txt", func(int) int { return 0 }), want: []string{"exhibit E3: exhibits/E3/v1.txt: changed"}},
		{name: "manifest byte", edit: flipAt("manifest.json", middle), want: []string{"manifest"}},
		{name: "signature byte", edit: flipAt("manifest.sig", func(n int) int { return n - 10 }), want: []string{"manifest.sig: signature does not verify"}},
		{name: "token byte", edit: flipAt("tokens/E2.tst", middle), want: []string{"exhibit E2: tokens/E2.tst: changed"}},
		{name: "token of another exhibit", edit: func(n string, d []byte) []byte {
			if n == "tokens/E2.tst" {
				return tokenE1
			}
			return d
		}, want: []string{"exhibit E2: tokens/E2.tst: changed", "exhibit E2: tokens/E2.tst: time-stamp token: it is over another digest"}},
		{name: "proof byte", edit: flipAt("proofs/E1.proof", func(n int) int { return n - 100 }), want: []string{"exhibit E1: proofs/E1.proof: changed", "exhibit E1: proofs/E1.proof: custody proof"}},
		{name: "dossier byte", edit: flipAt("dossier.pdf", middle), want: []string{"dossier.pdf: changed"}},
		{name: "exhibit removed", edit: func(n string, d []byte) []byte {
			if strings.HasPrefix(n, "exhibits/E2/") {
				return nil
			}
			return d
		}, want: []string{"exhibit E2: exhibits/E2/school.eml: removed"}},
		{name: "file added", edit: func(_ string, d []byte) []byte { return d }, extra: map[string][]byte{"exhibits/E4/extra.jpg": []byte("planted")}, want: []string{"exhibit E4: exhibits/E4/extra.jpg: added"}},
		{name: "another key", edit: func(_ string, d []byte) []byte { return d }, key: other.VerifierKey(), want: []string{"not the one you trust"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := l.VerifierKey()
			if tt.key != "" {
				key = tt.key
			}
			rep := verify(t, rezip(t, b, tt.edit, tt.extra), key)
			if rep.OK() {
				t.Fatal("damaged bundle verified")
			}
			var all []string
			for _, p := range rep.Problems {
				all = append(all, p.String())
			}
			for _, w := range tt.want {
				found := false
				for _, p := range all {
					found = found || strings.Contains(p, w)
				}
				if !found {
					t.Errorf("problems %q lack %q", all, w)
				}
			}
		})
	}
}

// TestEveryByte damages each byte of every member of a small bundle in
// turn; each damage must be found.
func TestEveryByte(t *testing.T) {
	ctx := context.Background()
	l, _ := newLocker(t, startTSA(t).URL)
	if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), What: "short"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := l.Export(ctx, &buf, locker.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	for _, f := range zr.File {
		size := int(f.UncompressedSize64)
		for i := range size {
			rep := verify(t, rezip(t, b, flipAt(f.Name, func(int) int { return i }), nil), l.VerifierKey())
			if rep.OK() {
				t.Errorf("%s byte %d flipped: verified", f.Name, i)
			}
		}
	}
}
