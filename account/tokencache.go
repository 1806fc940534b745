package account

import (
	"sync"
	"time"

	"bonafide"
)

// DefaultTokenCacheTTL is how long a server remembers an API token it has
// authenticated ([Service.TokenCacheTTL]).
const DefaultTokenCacheTTL = 2 * time.Second

// maxCachedTokens bounds the tokens remembered: sending systems are few,
// and past the bound the cache starts again empty.
const maxCachedTokens = 1024

// tokenCache remembers the API tokens a service has authenticated, by
// digest, so that a sending system posting hundreds of referrals a second
// costs the store one token query every TTL rather than one a referral.
// Whatever the service changes that could end a token's right (a
// revocation, a disabling, a change of role) forgets every entry at once,
// and an entry read from the store before such a change is never kept,
// however the two interleave; only a change made behind the service's back
// (the command line on the same database while the server runs, another
// server) waits for the TTL.
type tokenCache struct {
	mu      sync.Mutex
	gen     uint64 // moved on by every forget
	entries map[string]cachedToken
}

type cachedToken struct {
	gen   uint64
	until time.Time
	token bonafide.APIToken
	user  bonafide.User
}

// generation returns the generation a lookup of the store starts in; put
// keeps what it read only if no forget came between.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns the token and user remembered for digest, if any and not
// expired at now.
func (c *tokenCache) get(digest []byte, now time.Time) (bonafide.APIToken, bonafide.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(digest)]
	if !ok || e.gen != c.gen || !now.Before(e.until) {
		return bonafide.APIToken{}, bonafide.User{}, false
	}
	return e.token, e.user, true
}

// put remembers a token read from the store in generation gen until until.
func (c *tokenCache) put(gen uint64, digest []byte, t bonafide.APIToken, u bonafide.User, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // something changed while it was read: it may be stale
	}
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = make(map[string]cachedToken)
	}
	c.entries[string(digest)] = cachedToken{gen: gen, until: until, token: t, user: u}
}

// forget drops every entry and every lookup under way.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
