package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"strings"
)

// dist holds the assets `make assets` copies from GOV.UK Frontend; app
// holds the interface's own script. Only dist/README.txt is committed.
//
//go:embed static/dist static/app
var static embed.FS

//go:embed templates/*.html
var templateFS embed.FS

// ErrNoAssets is the answer of [Server.Handler] when the binary was built
// without GOV.UK Frontend's assets: pages without their stylesheet would
// be unusable, so none are served.
var ErrNoAssets = errors.New("web: the web interface's assets were not built into this binary (GOV.UK Frontend's CSS, JavaScript, fonts and images are missing from web/static/dist): run `make assets` (or `make demo`, `make test`) before building")

// requiredAssets are the files without which no page can be shown.
var requiredAssets = []string{
	"static/dist/govuk-frontend.min.css",
	"static/dist/govuk-frontend.min.js",
	"static/dist/images/govuk-crest.svg",
	"static/app/app.mjs",
}

// assets is the embedded static tree under /assets/, with the digests
// the layout links the stylesheet and scripts by.
type assets struct {
	root    fs.FS
	version map[string]string // "/assets/x.css" → "/assets/x.css?v=digest"
	// app is the interface's script with its import of GOV.UK Frontend
	// pointing at that file's digested URL, so that a new build of either
	// is fetched at once although both are cached for a year.
	app []byte
}

// loadAssets checks the embedded assets and computes their digests.
func loadAssets() (*assets, error) {
	for _, name := range requiredAssets {
		if _, err := fs.Stat(static, name); err != nil {
			return nil, ErrNoAssets
		}
	}
	a := &assets{version: map[string]string{}}
	dist, _ := fs.Sub(static, "static/dist")
	app, _ := fs.Sub(static, "static/app")
	a.root = overlay{dist: dist, app: app}
	for _, name := range []string{"govuk-frontend.min.css", "govuk-frontend.min.js", "app/app.css", "app/app.mjs"} {
		b, err := fs.ReadFile(a.root, name)
		if err != nil {
			return nil, ErrNoAssets
		}
		if name == "app/app.mjs" {
			b = bytes.ReplaceAll(b, []byte(`'/assets/govuk-frontend.min.js'`), []byte(`'`+a.version["/assets/govuk-frontend.min.js"]+`'`))
			a.app = b
		}
		sum := sha256.Sum256(b)
		a.version["/assets/"+name] = "/assets/" + name + "?v=" + hex.EncodeToString(sum[:6])
	}
	return a, nil
}

// URL returns the cache-busting URL of an asset path ("/assets/…").
func (a *assets) url(path string) string {
	if v, ok := a.version[path]; ok {
		return v
	}
	return path
}

// overlay serves app/… from the interface's own files and the rest from
// GOV.UK Frontend's dist, so that the stylesheet's /assets/fonts/… and
// /assets/images/… URLs resolve as the package ships them.
type overlay struct{ dist, app fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	if rest, ok := strings.CutPrefix(name, "app/"); ok {
		return o.app.Open(rest)
	}
	if name == "app" {
		return o.app.Open(".")
	}
	return o.dist.Open(name)
}

// handler serves the assets under /assets/ for a year: fonts and images
// carry a digest in their names, and the stylesheet and scripts are linked
// with one. Directory listings and README.txt are not served.
func (a *assets) handler() http.Handler {
	files := http.StripPrefix("/assets/", http.FileServerFS(a.root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/assets/")
		if p == "" || strings.HasSuffix(p, "/") || strings.HasSuffix(p, "README.txt") {
			http.NotFound(w, r)
			return
		}
		if _, err := fs.Stat(a.root, p); err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		if p == "app/app.mjs" {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write(a.app)
			return
		}
		files.ServeHTTP(w, r)
	})
}
