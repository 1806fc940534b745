package web

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"

	"github.com/boombuler/barcode/qr"

	"bonafide/account"
)

// qrModule is the size of one QR module in pixels, and qrQuiet the white
// margin around the code in modules (the QR standard asks for four).
const (
	qrModule = 6
	qrQuiet  = 4
)

// qrPNG draws text as a QR code (error correction M), black on white with
// its quiet zone, as a PNG: made on the server, so that the page needs no
// script and the CSP no data: image.
func qrPNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	n := code.Bounds().Dx()
	side := (n + 2*qrQuiet) * qrModule
	img := image.NewGray(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	for y := range n {
		for x := range n {
			if code.At(x, y) == color.Black {
				r := image.Rect((x+qrQuiet)*qrModule, (y+qrQuiet)*qrModule, (x+qrQuiet+1)*qrModule, (y+qrQuiet+1)*qrModule)
				draw.Draw(img, r, image.NewUniform(color.Black), image.Point{}, draw.Src)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// handleEnrolQR is the QR code of the person's own enrolment that waits
// for its first code (account.Service.EnrolmentURL), for the enrolment
// page's image; 404 when none waits. Like every page it is not cached.
func (s *Server) handleEnrolQR(w http.ResponseWriter, r *http.Request) {
	u, err := s.sh.Accounts.EnrolmentURL(r.Context(), principalOf(r.Context()))
	switch {
	case errors.Is(err, account.ErrNoEnrolment), errors.Is(err, account.ErrUnreadableEnrolment):
		http.Error(w, "no set-up of an authenticator app is waiting", http.StatusNotFound)
		return
	case err != nil:
		s.cfg.Logger.ErrorContext(r.Context(), "web: enrolment QR", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b, err := qrPNG(u)
	if err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "web: enrolment QR", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(b)
}
