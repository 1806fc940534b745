package account

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"bonafide"
	"bonafide/auth"
)

// MaxTokenLabel bounds a token's label, which says what the token is for
// (a sending system's host, say), in bytes.
const MaxTokenLabel = 200

// TokenCreator is what NewToken needs of a store.
type TokenCreator interface {
	CreateToken(ctx context.Context, t bonafide.APIToken) (bonafide.APIToken, error)
}

// NewToken makes an API token for u, which must be an enabled machine
// client, stores its digest and returns the token, to be shown once. It
// records nothing: [Service.CreateToken] is the audited way; this is for a
// tool that makes tokens on its own store (the bench).
func NewToken(ctx context.Context, users TokenCreator, u bonafide.User, label, createdBy string, now time.Time) (bonafide.APIToken, string, error) {
	if u.Role != bonafide.RoleIntakeMachine || u.Disabled {
		return bonafide.APIToken{}, "", bonafide.Errorf(bonafide.EInvalid, "API tokens are only for enabled users of role %s", bonafide.RoleIntakeMachine)
	}
	if label == "" || len(label) > MaxTokenLabel {
		return bonafide.APIToken{}, "", bonafide.Errorf(bonafide.EInvalid, "label: want 1 to %d bytes saying what the token is for", MaxTokenLabel)
	}
	secret, digest, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		return bonafide.APIToken{}, "", err
	}
	t, err := users.CreateToken(ctx, bonafide.APIToken{Digest: digest, UserID: u.ID, Label: label, Created: now, CreatedBy: createdBy})
	return t, secret, err
}

// CreateToken makes an API token for the intake_client user called name
// and returns it with the token, to be shown once; only its digest is
// stored. Its number is known only once it is made, so it is audited after
// (the number and label, never the token); a token that cannot be recorded
// is deleted again, its secret never shown.
func (s *Service) CreateToken(ctx context.Context, by Actor, name, label string) (bonafide.APIToken, string, error) {
	u, err := s.Users.UserByName(ctx, name)
	if err != nil {
		return bonafide.APIToken{}, "", err
	}
	t, secret, err := NewToken(ctx, s.Users, u, label, by.Name, s.now())
	if err != nil {
		return bonafide.APIToken{}, "", err
	}
	if err := s.audit(ctx, by.Who, "token.create", u.Name, "token "+strconv.FormatInt(t.ID, 10)+": "+t.Label); err != nil {
		if derr := s.Users.DeleteToken(context.WithoutCancel(ctx), u.ID, t.ID); derr != nil {
			s.Logger.LogAttrs(ctx, slog.LevelError, "unaudited API token not removed",
				slog.String("user", u.Name), slog.Int64("token", t.ID), slog.Any("error", derr))
		}
		return bonafide.APIToken{}, "", err
	}
	return t, secret, nil
}

// Tokens returns user id's API tokens by number (never the tokens, which
// are not kept), so that an operator can tell which one to revoke.
func (s *Service) Tokens(ctx context.Context, id int64) ([]bonafide.APIToken, error) {
	return s.Users.Tokens(ctx, id)
}

// RevokeToken revokes token tokenID of user id at once: a sending system
// whose host was lost or whose token leaked is cut off without disabling
// the others. Audited before it is done; a token number that is not the
// user's is not found, so that a mistyped number never revokes someone
// else's token.
func (s *Service) RevokeToken(ctx context.Context, by Actor, id, tokenID int64) error {
	u, err := s.other(ctx, by, id)
	if err != nil {
		return err
	}
	if tokenID <= 0 {
		return bonafide.Errorf(bonafide.ENotFound, "no token %d of user %s", tokenID, u.Name)
	}
	tokens, err := s.Users.Tokens(ctx, u.ID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(tokens, func(t bonafide.APIToken) bool { return t.ID == tokenID }) {
		return bonafide.Errorf(bonafide.ENotFound, "no token %d of user %s", tokenID, u.Name)
	}
	if err := s.audit(ctx, by.Who, "token.revoke", u.Name, "token "+strconv.FormatInt(tokenID, 10)+" revoked "+by.How); err != nil {
		return err
	}
	defer s.tokens.forget()
	return s.Users.DeleteToken(ctx, u.ID, tokenID)
}
