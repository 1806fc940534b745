package locker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"bonafide"
)

// Browser says how web pages are captured: headless Chromium, driven over
// the DevTools protocol (github.com/chromedp/chromedp).
type Browser struct {
	// ExecPath is the Chromium binary; /usr/bin/chromium if empty.
	ExecPath string
	// Timeout bounds one capture; one minute if zero.
	Timeout time.Duration
}

// PageInput is a web page the family wants kept.
type PageInput struct {
	URL      string
	Category string // timeline category; CategoryForum if empty
	Title    string // the page's own title if empty
	When     time.Time
}

// AddPage captures a web page from its address as a browser shows it: a
// full-page screenshot (PNG), the page as MHTML (Page.captureSnapshot),
// its visible text, and the HTTP response of the main document (status,
// headers, the final URL after redirects) with the time of capture, all
// kept as one item.
func (l *Locker) AddPage(ctx context.Context, b Browser, in PageInput) (*Item, error) {
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, bonafide.Errorf(bonafide.EInvalid, "add page: %q is not an http or https address", in.URL)
	}
	if in.Category == "" {
		in.Category = CategoryForum
	}
	if err := validCategory(in.Category); err != nil {
		return nil, bonafide.Errorf(bonafide.EInvalid, "add page: %v", err)
	}
	cap, err := b.capture(ctx, in.URL)
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", in.URL, err)
	}
	for _, p := range [][]byte{cap.png, cap.mhtml, cap.text} {
		if len(p) > MaxPartSize {
			return nil, bonafide.Errorf(bonafide.EInvalid, "capture %s: a part is larger than %d bytes", in.URL, MaxPartSize)
		}
	}
	now := l.now().UTC()
	title := in.Title
	if title == "" {
		title = cap.title
	}
	if title == "" {
		title = cap.final
	}
	it := &Item{ID: newID(), Kind: KindPage, Category: in.Category, Title: title, When: in.When, Recorded: now,
		Meta: map[string]string{"page.url": in.URL, "page.final_url": cap.final, "page.status": strconv.Itoa(cap.status),
			"page.captured": cap.at.Format(time.RFC3339Nano), "page.title": cap.title}}
	if it.When.IsZero() {
		it.When = cap.at
	}
	it.Parts = []Part{
		{Name: "screenshot.png", Type: "image/png", Recorded: now},
		{Name: "page.mhtml", Type: "multipart/related", Recorded: now},
		{Name: "response.json", Type: "application/json", Recorded: now},
		{Name: "text.txt", Type: "text/plain; charset=utf-8", Recorded: now},
	}
	if err := l.put(ctx, it, map[int][]byte{0: cap.png, 1: cap.mhtml, 2: cap.response, 3: cap.text}, "page.capture", true); err != nil {
		return nil, err
	}
	return it, nil
}

type captured struct {
	png, mhtml, response, text []byte
	final, title               string
	status                     int
	at                         time.Time
}

// Flags for a headless capture that makes no connections of its own.
func (b Browser) options() []chromedp.ExecAllocatorOption {
	path := b.ExecPath
	if path == "" {
		path = "/usr/bin/chromium"
	}
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 1024),
	}
}

func (b Browser) capture(ctx context.Context, target string) (*captured, error) {
	timeout := b.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, b.options()...)
	defer acancel()
	cctx, ccancel := chromedp.NewContext(actx)
	defer ccancel()

	resp, err := chromedp.RunResponse(cctx, chromedp.Navigate(target))
	if err != nil {
		return nil, err
	}
	c := &captured{at: time.Now().UTC(), status: int(resp.Status)}
	if err := chromedp.Do(cctx, chromedp.WaitReady("body")); err != nil {
		return nil, err
	}
	if c.final, err = chromedp.Run(cctx, chromedp.Location()); err != nil {
		return nil, err
	}
	if c.title, err = chromedp.Run(cctx, chromedp.Title()); err != nil {
		return nil, err
	}
	text, err := chromedp.Run(cctx, chromedp.Text("body"))
	if err != nil {
		return nil, err
	}
	c.text = []byte(text)
	if c.png, err = chromedp.Run(cctx, chromedp.FullScreenshot(100)); err != nil {
		return nil, err
	}
	snap, err := chromedp.Call(cctx, page.CaptureSnapshot, page.CaptureSnapshotParams{Format: page.CaptureSnapshotFormatMhtml})
	if err != nil {
		return nil, err
	}
	c.mhtml = []byte(snap.Data)
	headers := map[string]string{}
	for k, v := range resp.Headers {
		headers[k] = fmt.Sprint(v)
	}
	c.response, err = json.MarshalIndent(map[string]any{
		"requested": target, "response_url": resp.URL, "final_url": c.final, "status": resp.Status,
		"status_text": resp.StatusText, "mime_type": resp.MimeType, "remote_ip": resp.RemoteIPAddress,
		"protocol": resp.Protocol, "headers": headers, "captured": c.at,
	}, "", "  ")
	return c, err
}
