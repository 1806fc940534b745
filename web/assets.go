package web

import (
	"embed"
	"errors"
	"net/http"

	"bonafide/web/static"
)

//go:embed templates/*.html
var templateFS embed.FS

// ErrNoAssets is the answer of [Server.Handler] when the binary was built
// without GOV.UK Frontend's assets: pages without their stylesheet would
// be unusable, so none are served.
var ErrNoAssets = errors.New("web: the web interface's assets were not built into this binary (GOV.UK Frontend's CSS, JavaScript, fonts and images are missing from web/static/dist): run `make assets` (or `make demo`, `make test`) before building")

// assets is the embedded static tree of package static (shared with the
// family's locker interface), served under /assets/.
type assets struct{ a *static.Assets }

// loadAssets checks the embedded assets and computes their digests.
func loadAssets() (*assets, error) {
	a, err := static.Load()
	if err != nil {
		return nil, ErrNoAssets
	}
	return &assets{a}, nil
}

// url returns the cache-busting URL of an asset path ("/assets/…").
func (a *assets) url(path string) string { return a.a.URL(path) }

// handler serves the assets under /assets/ for a year.
func (a *assets) handler() http.Handler { return a.a.Handler() }
