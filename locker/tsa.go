package locker

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// HTTPDoer sends a request; *http.Client is one.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// maxTSAResponse bounds a time-stamp response read from the network.
const maxTSAResponse = 1 << 20

// stamp asks the configured time-stamping authority (RFC 3161 over HTTP,
// RFC 3161 section 3.4) for a token over the hex digest and checks the
// token before keeping it: signed, over this digest, with this nonce.
func (l *Locker) stamp(ctx context.Context, digest string) (*Stamp, error) {
	sum, err := hex.DecodeString(digest)
	if err != nil {
		return nil, err
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req := timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: sum, Certificates: true, Nonce: nonce}
	der, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, l.cfg.TSA, bytes.NewReader(der))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	client := l.cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("time-stamping authority %s: %w", l.cfg.TSA, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("time-stamping authority %s answered %s", l.cfg.TSA, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxTSAResponse {
		return nil, fmt.Errorf("time-stamping authority %s: response larger than %d bytes", l.cfg.TSA, maxTSAResponse)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("time-stamping authority %s: %w", l.cfg.TSA, err)
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("time-stamping authority %s: the token does not carry our nonce", l.cfg.TSA)
	}
	if _, err := CheckToken(ts.RawToken, digest); err != nil {
		return nil, fmt.Errorf("time-stamping authority %s: %w", l.cfg.TSA, err)
	}
	return &Stamp{Token: ts.RawToken, Time: ts.Time.UTC(), TSA: l.cfg.TSA}, nil
}

// TokenInfo is what a checked time-stamp token says.
type TokenInfo struct {
	Time      time.Time
	Authority string // the signing certificate's subject
}

// CheckToken checks an RFC 3161 TimeStampToken: it must carry the
// authority's certificate, its signature must verify under it, and it must
// be a SHA-256 imprint of the hex digest. It does not decide whether the
// authority is one to trust: that is the reader's choice, and the
// authority's name is returned for them to make it.
func CheckToken(token []byte, digest string) (TokenInfo, error) {
	ts, err := timestamp.Parse(token)
	if err != nil {
		return TokenInfo{}, fmt.Errorf("time-stamp token: %v", err)
	}
	if len(ts.Certificates) == 0 {
		return TokenInfo{}, errors.New("time-stamp token: no authority certificate, so its signature cannot be checked")
	}
	if ts.HashAlgorithm != crypto.SHA256 {
		return TokenInfo{}, errors.New("time-stamp token: not a SHA-256 imprint")
	}
	if hex.EncodeToString(ts.HashedMessage) != digest {
		return TokenInfo{}, errors.New("time-stamp token: it is over another digest")
	}
	return TokenInfo{Time: ts.Time.UTC(), Authority: ts.Certificates[0].Subject.String()}, nil
}
