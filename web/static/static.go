// Package static holds the assets every bonafide interface serves under
// /assets/: GOV.UK Frontend's CSS, JavaScript, fonts and images (dist/,
// copied by `make assets` from npm, never committed) and the interfaces'
// own script and stylesheet (app/). The agency's interface (package web)
// and the family's locker (package locker/lockerweb) both serve them, so
// that both look the same and neither imports the other.
package static

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

//go:embed dist app
var files embed.FS

// ErrMissing is returned by [Load] when the binary was built without
// GOV.UK Frontend's assets (run `make assets` before building).
var ErrMissing = errors.New("static: GOV.UK Frontend's assets are missing from web/static/dist: run `make assets` before building")

// required are the files without which no page can be shown.
var required = []string{
	"dist/govuk-frontend.min.css",
	"dist/govuk-frontend.min.js",
	"dist/images/govuk-crest.svg",
	"app/app.mjs",
}

// Assets is the embedded static tree under /assets/, with the digests
// pages link the stylesheet and scripts by.
type Assets struct {
	root    fs.FS
	version map[string]string // "/assets/x.css" → "/assets/x.css?v=digest"
	// app is the interfaces' script with its import of GOV.UK Frontend
	// pointing at that file's digested URL, so that a new build of either
	// is fetched at once although both are cached for a year.
	app []byte
}

// Load checks the embedded assets and computes their digests.
func Load() (*Assets, error) {
	for _, name := range required {
		if _, err := fs.Stat(files, name); err != nil {
			return nil, ErrMissing
		}
	}
	a := &Assets{version: map[string]string{}}
	dist, _ := fs.Sub(files, "dist")
	app, _ := fs.Sub(files, "app")
	a.root = overlay{dist: dist, app: app}
	for _, name := range []string{"govuk-frontend.min.css", "govuk-frontend.min.js", "app/app.css", "app/app.mjs"} {
		b, err := fs.ReadFile(a.root, name)
		if err != nil {
			return nil, ErrMissing
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
func (a *Assets) URL(path string) string {
	if v, ok := a.version[path]; ok {
		return v
	}
	return path
}

// overlay serves app/… from the interfaces' own files and the rest from
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

// Handler serves the assets under /assets/ for a year: fonts and images
// carry a digest in their names, and the stylesheet and scripts are linked
// with one. Directory listings and README.txt are not served.
func (a *Assets) Handler() http.Handler {
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
