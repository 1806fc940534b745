package locker

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"

	"bonafide"
	"bonafide/auditlog"
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
		return nil, &unreachableError{fmt.Errorf("time-stamping authority %s: %w", l.cfg.TSA, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &unreachableError{fmt.Errorf("time-stamping authority %s answered %s", l.cfg.TSA, resp.Status)}
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

// unreachableError is a time-stamp that could not be asked for (no
// network, the authority down or refusing): the item is kept with its
// stamp pending, for [Locker.Timestamp] to obtain later. A token that came
// back wrong is another error, and refuses the item.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// Pending is the outcome of [Locker.Timestamp]: the items it stamped and
// those still waiting, with why.
type Pending struct {
	Stamped []*Item
	Waiting []*Item // each with StampPending saying why
}

// Timestamp asks the configured authority for the tokens of every item
// kept without one (captured offline, or before a TSA was configured).
// Each token obtained is checked as at capture, stored with the item and
// entered in the custody log (item.stamp, with the digest and the
// token's time); the item's digest and custody entry do not change, so a
// bundle's proofs stay as they were. Items whose stamp still fails stay
// pending, with the reason.
func (l *Locker) Timestamp(ctx context.Context) (Pending, error) {
	var out Pending
	if l.cfg.TSA == "" {
		return out, bonafide.Errorf(bonafide.EInvalid, "time-stamp: no time-stamping authority is configured")
	}
	items, err := l.Items(ctx)
	if err != nil {
		return out, err
	}
	for _, it := range items {
		if it.Stamp != nil || it.Deleted {
			continue
		}
		st, err := l.stamp(ctx, it.Digest)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			it.StampPending = err.Error()
			if err := l.rewrite(ctx, it); err != nil {
				return out, err
			}
			out.Waiting = append(out.Waiting, it)
			continue
		}
		cur, err := l.stampLater(ctx, it, st)
		if err != nil {
			return out, fmt.Errorf("time-stamp item %s: %w", it.ID, err)
		}
		if cur != nil {
			out.Stamped = append(out.Stamped, cur)
		}
	}
	return out, nil
}

// stampLater keeps st as the token of the item it was asked for, unless
// the item changed meanwhile (a diary edit, a deletion: then nil), and
// enters it in the custody log.
func (l *Locker) stampLater(ctx context.Context, it *Item, st *Stamp) (*Item, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, err := l.Item(ctx, it.ID)
	if err != nil {
		return nil, err
	}
	if cur.Digest != it.Digest || cur.Deleted || cur.Stamp != nil {
		return nil, nil
	}
	if _, err := l.custody.Append(ctx, auditlog.Entry{Who: "family", What: "item.stamp", Object: it.ID,
		Why: "sha256:" + it.Digest + " " + st.Time.Format(time.RFC3339)}); err != nil {
		return nil, err
	}
	cur.Stamp, cur.StampPending = st, ""
	return cur, l.rewrite(ctx, cur)
}

// TokenInfo is what a checked time-stamp token says.
type TokenInfo struct {
	Time      time.Time
	Authority string // the signing certificate's subject
	// Chain is the result of checking the authority's certificate
	// against trusted roots ([CheckTokenChain]); nil when it chains or
	// when no roots were given.
	Chain error
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

// CheckTokenChain is [CheckToken] with the authority checked too: its
// certificate (the token's first) must chain, through the other
// certificates the token carries, to one of roots, be valid at the
// token's time and be for time-stamping (RFC 3161 section 2.3). A token
// that is sound but from an authority outside roots returns its info
// with Chain set, so the caller can name the authority; roots nil skips
// the check, as CheckToken does.
func CheckTokenChain(token []byte, digest string, roots *x509.CertPool) (TokenInfo, error) {
	info, err := CheckToken(token, digest)
	if err != nil || roots == nil {
		return info, err
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		return info, err
	}
	inter := x509.NewCertPool()
	for _, c := range ts.Certificates[1:] {
		inter.AddCert(c)
	}
	if _, err := ts.Certificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: ts.Time,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		info.Chain = err
	}
	return info, nil
}
