package locker_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"bonafide/casework"
	"bonafide/locker"
)

// BenchmarkOpen is the cost of opening a locker with the default
// argon2id parameters: what a family waits after typing the passphrase.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "f.locker")
	l, err := locker.Create(ctx, path, []byte("a long passphrase"), locker.Config{})
	if err != nil {
		b.Fatal(err)
	}
	l.Close()
	for b.Loop() {
		l, err := locker.Open(ctx, path, []byte("a long passphrase"), locker.Config{})
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
}

// BenchmarkAddDiaryStamped adds diary entries, each sealed, time-stamped
// by a loopback TSA and entered in the custody log.
func BenchmarkAddDiaryStamped(b *testing.B) {
	ctx := context.Background()
	l, _ := newLocker(b, startTSA(b).URL)
	in := locker.DiaryInput{When: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Who: "duty social worker", What: "A call about an anonymous referral."}
	for b.Loop() {
		if _, err := l.AddDiary(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies a bundle of 200 stamped exhibits.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	l, _ := newLocker(b, startTSA(b).URL)
	for i := range 200 {
		if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 3, 2, 10, i, 0, 0, time.UTC), What: "entry"}); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := l.Export(ctx, &buf, locker.ExportOptions{}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for b.Loop() {
		rep, err := locker.Verify(bytes.NewReader(data), int64(len(data)), l.VerifierKey())
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Problems)
		}
	}
	b.ReportMetric(200*float64(b.N)/b.Elapsed().Seconds(), "exhibits/s")
}

// BenchmarkDossier renders the dossier of 30 items (posts, diary entries)
// in Helvetica, and in DejaVu Sans when one post has a character
// outside Windows-1252: what "Make the dossier" costs a family.
func BenchmarkDossier(b *testing.B) {
	lh, err := casework.NewLetterhead(casework.DejaVu[0], casework.DejaVu[1])
	if err != nil {
		b.Skipf("DejaVu Sans: %v", err)
	}
	for _, bc := range []struct {
		name, text string
	}{{"helvetica", "Maisie’s first café trip"}, {"dejavu", "Maisie’s first café trip ☕ Łucja"}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "f.locker")
			l, err := locker.Create(ctx, path, []byte("a long passphrase"), locker.Config{KDF: testKDF, PDF: lh.PDF})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			for i := range 30 {
				if _, err := l.AddDiary(ctx, locker.DiaryInput{When: time.Date(2026, 2, 1+i%28, 10, i, 0, 0, time.UTC), What: bc.text + " entry", Category: locker.CategoryReferral}); err != nil {
					b.Fatal(err)
				}
			}
			var ex []locker.Exhibit
			var buf bytes.Buffer
			if _, err := l.Export(ctx, &buf, locker.ExportOptions{Dossier: func(e []locker.Exhibit) ([]byte, error) { ex = e; return nil, nil }}); err != nil {
				b.Fatal(err)
			}
			opt := locker.DossierOptions{Family: "The Price family", Date: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)}
			for b.Loop() {
				if _, err := l.Dossier(ctx, ex, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
