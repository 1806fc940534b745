package auth

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTPStep is the RFC 6238 time step.
const TOTPStep = 30 * time.Second

// NewTOTP makes a second-factor secret for account and returns it with the
// otpauth:// URL an authenticator app enrols from.
func NewTOTP(issuer, account string) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account})
	if err != nil {
		return "", "", fmt.Errorf("new totp: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// CheckTOTP reports whether code is valid for secret at now, allowing one
// step of clock skew either way, and refusing any step at or before
// lastStep (a code already used, or an older one). On success it returns the
// step the code belongs to, for the caller to store as the new lastStep.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	opts := totp.ValidateOpts{Period: uint(TOTPStep / time.Second), Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d) * TOTPStep)
		s := t.Unix() / int64(TOTPStep/time.Second)
		if s <= lastStep {
			continue
		}
		if valid, err := totp.ValidateCustom(code, secret, t, opts); err == nil && valid {
			return s, true
		}
	}
	return 0, false
}

// TOTPURL is the otpauth:// URL of secret for account, as NewTOTP gives
// it, so that an enrolment waiting for its first code can be shown again
// (as a QR code) from its stored seed.
func TOTPURL(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: strings.ReplaceAll(v.Encode(), "+", "%20")}
	return u.String()
}
