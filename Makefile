# bonafide's build steps. The web interface's assets (GOV.UK Frontend's CSS,
# JavaScript, fonts and images) come from npm at the versions pinned in
# web/package-lock.json, are copied into web/static/dist and embedded into
# the binary; they are never committed, so every build runs `assets` first.

GOVUK := web/node_modules/govuk-frontend/dist/govuk
DIST  := web/static/dist

.PHONY: all assets demo test chromium screenshots

all: assets
	go build ./...

# npm ci only when node_modules is missing or older than the lock file.
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

assets: web/node_modules/.package-lock.json
	mkdir -p $(DIST)/fonts $(DIST)/images
	cp $(GOVUK)/govuk-frontend.min.css $(GOVUK)/govuk-frontend.min.js $(DIST)/
	cp $(GOVUK)/assets/fonts/*.woff2 $(GOVUK)/assets/fonts/*.woff $(DIST)/fonts/
	cp $(GOVUK)/assets/images/* $(DIST)/images/
	cp $(GOVUK)/assets/manifest.json $(DIST)/

# `make demo` runs `go run ./cmd/bonafide demo` after building the assets.
demo: assets
	go run ./cmd/bonafide demo

# The browser tests need Debian's chromium; as root it is installed when missing.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
		else echo "chromium is missing (/usr/bin/chromium): install it with apt-get install chromium; the browser tests skip without it outside CI"; fi; \
	fi

test: assets chromium
	go test -timeout 45m ./...

# Screenshots of the main screens of `bonafide demo`, for docs/ui.md.
screenshots: assets chromium
	go test ./web -run 'TestScreenshots|TestFamilies/sqlite' -count=1 -timeout 30m -args -screenshots=$(CURDIR)/docs/ui
