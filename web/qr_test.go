package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp/totp"
)

// TestEnrolQR: the enrolment page's QR code is the otpauth URL of the
// person's own waiting enrolment, module for module; it is there only
// while the enrolment waits, and only for its own session.
func TestEnrolQR(t *testing.T) {
	e := newEnv(t, openSQLite, envOptions{families: 20})
	grace := apiClient(t, e.URL)
	grace.login(t, "grace")
	var en struct {
		Secret string `json:"secret"`
		URL    string `json:"otpauth_url"`
	}
	grace.api(t, "/api/v1/me/totp", `{}`, &en)

	resp, err := grace.hc.Get(e.URL + "/account/second-factor/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET qr.png = %d %s %q, want 200 image/png, no-store", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	img, err := png.Decode(&body)
	if err != nil {
		t.Fatalf("qr.png: %v", err)
	}
	want, err := qr.Encode(en.URL, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	n := want.Bounds().Dx()
	if img.Bounds().Dx() != img.Bounds().Dy() || img.Bounds().Dx()%(n+8) != 0 {
		t.Fatalf("qr.png is %v, want a square of %d modules with a quiet zone of 4", img.Bounds(), n)
	}
	m := img.Bounds().Dx() / (n + 8)
	dark := func(c color.Color) bool { g := color.GrayModel.Convert(c).(color.Gray); return g.Y < 128 }
	bad := 0
	for y := range n {
		for x := range n {
			at := image.Pt((x+4)*m+m/2, (y+4)*m+m/2)
			if dark(img.At(at.X, at.Y)) != (want.At(x, y) == color.Black) {
				bad++
			}
		}
	}
	if bad != 0 {
		t.Errorf("qr.png differs from the QR code of the enrolment's URL in %d of %d modules", bad, n*n)
	}
	for y := range 4 * m {
		for x := range img.Bounds().Dx() {
			if dark(img.At(x, y)) {
				t.Fatalf("the quiet zone is dark at (%d, %d)", x, y)
			}
		}
	}

	// Someone else, with no enrolment waiting: nothing.
	ada := apiClient(t, e.URL)
	ada.login(t, "ada")
	ada.get(t, "/account/second-factor/qr.png", http.StatusNotFound)
	// Signed out: to the sign-in page.
	anon := apiClient(t, e.URL)
	anon.get(t, "/account/second-factor/qr.png", http.StatusSeeOther)

	// Confirmed: never again.
	code, err := totp.GenerateCode(en.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	grace.api(t, "/api/v1/me/totp/confirm", `{"code":"`+code+`"}`, nil)
	grace.get(t, "/account/second-factor/qr.png", http.StatusNotFound)
}
