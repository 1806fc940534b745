package lockerweb_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/digitorus/timestamp"

	"bonafide/casework"
	"bonafide/locker"
	"bonafide/locker/lockerweb"

	"bonafide/web/webkit/browsertest"
)

var screenshots = flag.String("screenshots", "", "write the screens' screenshots to this directory (docs/locker)")

const passphrase = "correct horse battery"

// env is one locker interface on loopback, with its own locker file and
// time-stamping authority.
type env struct {
	ui   *lockerweb.Server
	URL  string
	Path string
	tsa  *testTSA
}

type envOptions struct {
	noTSA bool
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{Path: filepath.Join(t.TempDir(), "family.locker")}
	cfg := locker.Config{KDF: locker.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}}
	if !o.noTSA {
		e.tsa = newTSA(t)
		cfg.TSA = e.tsa.srv.URL
	}
	if lh, err := casework.NewLetterhead(casework.DejaVu[0], casework.DejaVu[1]); err == nil {
		cfg.PDF = lh.PDF
	}
	// A capture waits for Chromium to start, which on a loaded shared
	// machine can take longer than the command line's minute.
	ui, err := lockerweb.New(lockerweb.Config{Path: e.Path, Locker: cfg, Browser: locker.Browser{Timeout: 10 * time.Minute},
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatalf("lockerweb.New: %v (run make assets if the assets are missing)", err)
	}
	srv := httptest.NewServer(ui.Handler())
	t.Cleanup(func() { srv.Close(); ui.Close() })
	e.ui, e.URL = ui, srv.URL
	return e
}

// testWriter sends the interface's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// testTSA is an RFC 3161 authority on loopback that can be taken down.
type testTSA struct {
	srv  *httptest.Server
	down atomic.Bool
}

func newTSA(t *testing.T) *testTSA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Loopback TSA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	tsa := &testTSA{}
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
		ts := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now().UTC(),
			Nonce: req.Nonce, Policy: asn1.ObjectIdentifier{1, 2, 3, 4, 1}, AddTSACertificate: req.Certificates}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(resp)
	}))
	t.Cleanup(tsa.srv.Close)
	return tsa
}

// forumServer serves a gossip forum's thread on loopback.
func forumServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/threads/price-family-watch.123/page-14", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Price family watch - page 14</title></head><body style="font-family:sans-serif">
<h1>Price family watch</h1>
<article><b>mumsknowbest</b> 22 Feb 2026 20:00<p>She leaves that baby in a paddling pool unsupervised. I'm going to report her to social services tomorrow, everyone should ring them too.</p></article>
<article><b>truthseeker</b> 22 Feb 2026 20:14<p>Done. Also emailed her sponsor.</p></article>
</body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// tweetsJS is an X archive's data/tweets.js with the given posts (id,
// text, created_at).
func tweetsJS(tweets ...[3]string) []byte {
	var recs []map[string]any
	for _, t := range tweets {
		recs = append(recs, map[string]any{"tweet": map[string]any{"id_str": t[0], "full_text": t[1], "created_at": t[2]}})
	}
	b, _ := json.MarshalIndent(recs, "", "  ")
	return append([]byte("window.YTD.tweets.part0 = "), b...)
}

// browser is the browser harness (browsertest.Browser: Debian's Chromium
// and axe-core from web/node_modules), counting the screens checked.
type browser struct {
	*browsertest.Browser
	t     *testing.T
	shots int
}

// newBrowser starts chromium for t, closed when t ends; a step that never
// ends fails after 90 s.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	b := browsertest.New(t, browsertest.Options{
		Axe:     filepath.Join("..", "..", "web", "node_modules", "axe-core", "axe.min.js"),
		Timeout: 90 * time.Second, HideScrollbars: true,
	})
	return &browser{Browser: b, t: t}
}

// get is browsertest.Get on b.
func get[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	return browsertest.Get(b.Browser, a)
}

// open navigates to url and waits for its heading.
func (b *browser) open(url string) {
	b.t.Helper()
	b.Run(chromedp.Navigate(url), browsertest.Loaded())
}

// button clicks the main form's submit button (the first in main).
func (b *browser) button() {
	b.t.Helper()
	b.Run(browsertest.Submit(chromedp.CSS("main form button[type=submit]")))
}

// fill sets fields (by id) to values, as a person typing them would.
func (b *browser) fill(fields ...string) {
	b.t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		id, _ := json.Marshal(fields[i])
		v, _ := json.Marshal(fields[i+1])
		b.Run(chromedp.WaitVisible(chromedp.ID(fields[i])), chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%s).value = %s`, id, v)))
	}
}

// date fills the date-and-time field id.
func (b *browser) date(id string, t time.Time) {
	b.t.Helper()
	b.fill(id+"-day", fmt.Sprint(t.Day()), id+"-month", fmt.Sprint(int(t.Month())), id+"-year", fmt.Sprint(t.Year()), id+"-time", t.Format("15:04"))
}

func (b *browser) text() string {
	b.t.Helper()
	return get(b, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
}

func (b *browser) heading() string {
	b.t.Helper()
	return strings.TrimSpace(get(b, chromedp.Evaluate[string](`document.querySelector('main h1').innerText`)))
}

// contains fails t unless the page's main text has every want.
func (b *browser) contains(state string, want ...string) {
	b.t.Helper()
	text := b.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			b.t.Errorf("%s: the page lacks %q:\n%s", state, w, text)
		}
	}
}

// shown are the screens docs/locker.md shows; -screenshots writes these.
var shown = map[string]bool{
	"create": true, "home-empty": true, "home": true, "home-pending": true, "add-page-errors": true, "add-files": true,
	"add-posts": true, "diary-errors": true, "diary-versions": true, "item-page": true, "timeline": true, "delete": true,
	"export": true, "exported": true, "verified": true, "verified-damaged": true,
}

// check runs axe-core on the page as it is and fails t on any violation;
// with -screenshots it also saves the page as name.png.
func (b *browser) check(name string) {
	b.t.Helper()
	for _, v := range b.Axe() {
		b.t.Errorf("axe on %s: %s", name, v)
	}
	b.shots++
	if *screenshots != "" && shown[name] {
		png := get(b, chromedp.FullScreenshot(100)) // 100: PNG
		if err := os.WriteFile(filepath.Join(*screenshots, name+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// fetch downloads path in the page's own session (same origin, its
// cookie), returning the bytes.
func (b *browser) fetch(path string) []byte {
	b.t.Helper()
	s := get(b, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(buf => {
		let s = ''; const a = new Uint8Array(buf); for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return btoa(s) })`, path),
		chromedp.EvalAwaitPromise))
	out, err := decodeBase64(s)
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}
