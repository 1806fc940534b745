package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"bonafide"
	"bonafide/account"
)

// countingTokens counts the store's token lookups, and can run something
// in the middle of one (after the store has answered, before the service
// has the answer), as a revocation racing a request would.
type countingTokens struct {
	bonafide.UserStore
	lookups int
	during  func()
}

func (c *countingTokens) TokenUserByDigest(ctx context.Context, digest []byte) (bonafide.APIToken, bonafide.User, error) {
	c.lookups++
	t, u, err := c.UserStore.TokenUserByDigest(ctx, digest)
	if c.during != nil {
		f := c.during
		c.during = nil
		f()
	}
	return t, u, err
}

// TestTokenCache checks that an authenticated API token is remembered for
// TokenCacheTTL, so that a sender's referrals do not each query the store;
// that a revocation, a disabling or a change of role through the service
// ends it at once, even one made while a lookup is under way; and that a
// change made behind the service's back holds from the end of the TTL.
func TestTokenCache(t *testing.T) {
	ctx := context.Background()
	revoke := func(t *testing.T, e *env, by account.Actor, u bonafide.User, tok bonafide.APIToken) {
		if err := e.svc.RevokeToken(ctx, by, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
	}
	disable := func(t *testing.T, e *env, by account.Actor, u bonafide.User, _ bonafide.APIToken) {
		if _, err := e.svc.Disable(ctx, by, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name   string
		change func(t *testing.T, e *env, by account.Actor, u bonafide.User, tok bonafide.APIToken)
		racing bool // made while the first lookup is under way
	}{
		{"revoked through the service", revoke, false},
		{"user disabled through the service", disable, false},
		{"revoked while a lookup is under way", revoke, true},
		{"disabled while a lookup is under way", disable, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			store := &countingTokens{UserStore: e.users}
			e.svc.Users = store
			by := e.admin(t)
			u := e.user(t, "portal", bonafide.RoleIntakeMachine)
			tok, secret, err := account.NewToken(ctx, store, u, "main host", "test", e.now)
			if err != nil {
				t.Fatal(err)
			}
			if tt.racing {
				store.during = func() { tt.change(t, e, by, u, tok) }
				if _, err := e.svc.AuthenticateToken(ctx, secret); err != nil {
					t.Fatalf("the lookup the change races = %v, want the principal it read", err)
				}
			} else {
				for i := range 3 {
					p, err := e.svc.AuthenticateToken(ctx, secret)
					if err != nil || p.User.ID != u.ID || p.Token == nil || p.Token.ID != tok.ID {
						t.Fatalf("AuthenticateToken #%d = %+v, %v; want token %d of %s", i+1, p, err, tok.ID, u.Name)
					}
				}
				if store.lookups != 1 {
					t.Fatalf("three authentications within the TTL queried the store %d times, want 1", store.lookups)
				}
				tt.change(t, e, by, u, tok)
			}
			if p, err := e.svc.AuthenticateToken(ctx, secret); !errors.Is(err, account.ErrUnauthenticated) {
				t.Errorf("after the change: %+v, %v; want ErrUnauthenticated at once", p, err)
			}
		})
	}

	t.Run("changed behind the service", func(t *testing.T) {
		e := newEnv(t)
		u := e.user(t, "helpline", bonafide.RoleIntakeMachine)
		_, secret, err := account.NewToken(ctx, e.users, u, "helpline host", "test", e.now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuthenticateToken(ctx, secret); err != nil {
			t.Fatal(err)
		}
		yes := true // the command line, on the same database
		if _, err := e.users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(e.svc.TokenCacheTTL - time.Millisecond)
		if _, err := e.svc.AuthenticateToken(ctx, secret); err != nil {
			t.Errorf("within the TTL of a change the service did not make: %v, want still remembered", err)
		}
		e.now = e.now.Add(time.Millisecond)
		if _, err := e.svc.AuthenticateToken(ctx, secret); !errors.Is(err, account.ErrUnauthenticated) {
			t.Errorf("at the end of the TTL: %v, want ErrUnauthenticated", err)
		}
	})

	t.Run("no cache", func(t *testing.T) {
		e := newEnv(t)
		store := &countingTokens{UserStore: e.users}
		e.svc.Users = store
		e.svc.TokenCacheTTL = 0
		u := e.user(t, "portal", bonafide.RoleIntakeMachine)
		_, secret, err := account.NewToken(ctx, store, u, "main host", "test", e.now)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := e.svc.AuthenticateToken(ctx, secret); err != nil {
				t.Fatal(err)
			}
		}
		if store.lookups != 2 {
			t.Errorf("TokenCacheTTL 0: %d lookups for 2 authentications, want 2", store.lookups)
		}
	})
}
