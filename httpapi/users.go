package httpapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bonafide"
	"bonafide/auth"
)

// UserView is a user as the API shows it: never a hash or a TOTP secret.
type UserView struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	Role         bonafide.Role `json:"role"`
	Disabled     bool          `json:"disabled"`
	TOTPEnrolled bool          `json:"totp_enrolled"`
	Created      time.Time     `json:"created"`
	CreatedBy    string        `json:"created_by"`
}

func userView(u bonafide.User) UserView {
	return UserView{ID: u.ID, Name: u.Name, Role: u.Role, Disabled: u.Disabled,
		TOTPEnrolled: u.TOTPConfirmed, Created: u.Created, CreatedBy: u.CreatedBy}
}

// UserCreate is the body of POST /api/v1/users.
type UserCreate struct {
	Name string        `json:"name"`
	Role bonafide.Role `json:"role"`
	// Password is the first password; when empty (and the role is not
	// intake_client) one is generated and returned once.
	Password string `json:"password,omitempty"`
	// Reason says why the user needs the role, for the audit log; required
	// for a privileged role (see CheckGrantReason).
	Reason string `json:"reason,omitempty"`
}

// UserCreated answers POST /api/v1/users; Password is set only when the
// server generated it, and is shown this once.
type UserCreated struct {
	User     UserView `json:"user"`
	Password string   `json:"password,omitempty"`
}

// RoleChange is the body of PUT /api/v1/users/{id}/role.
type RoleChange struct {
	Role bonafide.Role `json:"role"`
	// Reason says why the user needs the new role, for the audit log;
	// required for a privileged role (see CheckGrantReason).
	Reason string `json:"reason,omitempty"`
}

// Bounds of the written reason a grant of a privileged role needs: a
// sentence, not "x", and short enough for an audit entry.
const (
	MinGrantReason = 20
	MaxGrantReason = 800
)

// CheckGrantReason says why reason will not do for granting role, or nil,
// and returns it trimmed. The roles that can unseal reporters or manage
// users (data_protection_officer, administrator: those that must use a
// second factor) are granted only with a written reason, which the audit
// log keeps with the grant, so that an auditor can judge every one; any
// other role takes an optional reason. The command line's `user add` checks
// the same.
func CheckGrantReason(role bonafide.Role, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	n := utf8.RuneCountInString(reason)
	switch {
	case len(reason) > MaxGrantReason:
		return "", &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "reason",
			Reason: fmt.Sprintf("at most %d bytes", MaxGrantReason)}}}
	case role.RequiresSecondFactor() && n < MinGrantReason:
		return "", &bonafide.ValidationError{Errors: []bonafide.FieldError{{Field: "reason",
			Reason: fmt.Sprintf("granting the %s role needs a written reason of at least %d characters, kept in the audit log", role, MinGrantReason)}}}
	}
	return reason, nil
}

// AuditWhy is an audit entry's reason for a change of users: what
// changed, then the reason given, if any. The command line's user
// commands write theirs with it too.
func AuditWhy(what, reason string) string {
	if reason == "" {
		return what
	}
	return what + ": " + reason
}

// TokenCreate is the body of POST /api/v1/tokens.
type TokenCreate struct {
	User  string `json:"user"`  // name of a user of role intake_client
	Label string `json:"label"` // what the token is for
}

// TokenCreated answers POST /api/v1/tokens with the token, shown once.
type TokenCreated struct {
	ID    int64  `json:"id"`
	User  string `json:"user"`
	Label string `json:"label"`
	Token string `json:"token"`
}

// userNamePattern keeps names short and plain, so that they are safe in
// logs, audit entries and URLs.
var userNamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,63}$`)

// CheckUserName says why name cannot be a user name, or nil.
func CheckUserName(name string) error {
	if !userNamePattern.MatchString(name) {
		return bonafide.Errorf(bonafide.EInvalid, "user name %q: want 2 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter", name)
	}
	return nil
}

// GeneratePassword returns a random 20-character password from an
// alphabet without look-alike characters, for first passwords that are
// shown once.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		var r [1]byte
		for {
			rand.Read(r[:])
			if int(r[0]) < 256-256%len(alphabet) {
				break
			}
		}
		b[i] = alphabet[int(r[0])%len(alphabet)]
	}
	return string(b)
}

// NewUser checks and builds a user with a hashed password. For role
// intake_client there is no password; otherwise an empty password is
// generated and returned. The bootstrap command uses it too.
func NewUser(name string, role bonafide.Role, password, createdBy string, p auth.PasswordParams) (bonafide.User, string, error) {
	if err := CheckUserName(name); err != nil {
		return bonafide.User{}, "", err
	}
	if !role.Valid() {
		return bonafide.User{}, "", bonafide.Errorf(bonafide.EInvalid, "unknown role %q", role)
	}
	u := bonafide.User{Name: name, Role: role, CreatedBy: createdBy}
	if role == bonafide.RoleIntakeMachine {
		if password != "" {
			return u, "", bonafide.Errorf(bonafide.EInvalid, "a %s user has no password: it authenticates with API tokens", role)
		}
		return u, "", nil
	}
	generated := ""
	if password == "" {
		password = GeneratePassword()
		generated = password
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return u, "", bonafide.Errorf(bonafide.EInvalid, "%v", err)
	}
	h, err := auth.HashPassword(password, p)
	if err != nil {
		return u, "", err
	}
	u.PasswordHash = h
	return u, generated, nil
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	us, err := s.Users.Users(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := make([]UserView, 0, len(us))
	for _, u := range us {
		out = append(out, userView(u))
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	var req UserCreate
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	u, generated, err := NewUser(req.Name, req.Role, req.Password, p.User.Name, s.PasswordParams)
	if err != nil {
		s.error(w, r, err)
		return
	}
	reason, err := CheckGrantReason(req.Role, req.Reason)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// A name taken is refused before the audit entry, so that the log
	// does not fill with creations that never happened; CreateUser still
	// refuses a name taken in between.
	if _, err := s.Users.UserByName(r.Context(), u.Name); err == nil {
		s.error(w, r, bonafide.Errorf(bonafide.EConflict, "user %q already exists", u.Name))
		return
	} else if bonafide.ErrorCode(err) != bonafide.ENotFound {
		s.error(w, r, err)
		return
	}
	// The grant is recorded before it is made: a user the audit log cannot
	// record is not created (errors after this leave an entry for a
	// creation that failed, which an auditor can check; the reverse, a
	// privileged user nobody recorded, they could not).
	if err := s.audit(r.Context(), p.who(), "user.create", u.Name, AuditWhy("role "+string(u.Role), reason)); err != nil {
		s.error(w, r, err)
		return
	}
	u.Created = s.Now()
	u, err = s.Users.CreateUser(r.Context(), u)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, "application/json", http.StatusCreated, UserCreated{User: userView(u), Password: generated})
}

// pathUser returns the user the {id} path value names, refusing the
// principal's own account: administrators change other users, never
// themselves, so that one cannot lift their own role.
func (s *Server) pathUser(r *http.Request) (bonafide.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return bonafide.User{}, bonafide.Errorf(bonafide.ENotFound, "no such user")
	}
	if p := principalOf(r.Context()); p.User.ID == id {
		return bonafide.User{}, bonafide.Errorf(bonafide.EForbidden, "you may not change your own account here")
	}
	return s.Users.UserByID(r.Context(), id)
}

func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) {
	u, err := s.pathUser(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// Recorded before it is done, as every change of users.
	if err := s.audit(r.Context(), principalOf(r.Context()).who(), "user.disable", u.Name, "disabled by an administrator"); err != nil {
		s.error(w, r, err)
		return
	}
	yes := true
	if u, err = s.Users.UpdateUser(r.Context(), u.ID, bonafide.UserUpdate{Disabled: &yes}); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, userView(u))
}

func (s *Server) handleUserRole(w http.ResponseWriter, r *http.Request) {
	var req RoleChange
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if !req.Role.Valid() {
		s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "unknown role %q", req.Role))
		return
	}
	u, err := s.pathUser(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if (u.Role == bonafide.RoleIntakeMachine) != (req.Role == bonafide.RoleIntakeMachine) {
		s.error(w, r, bonafide.Errorf(bonafide.EInvalid, "a machine client cannot become staff, nor staff a machine client: add a new user"))
		return
	}
	reason, err := CheckGrantReason(req.Role, req.Reason)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// The grant is recorded before it is made: a role the audit log cannot
	// record is not given.
	if err := s.audit(r.Context(), principalOf(r.Context()).who(), "user.role", u.Name, AuditWhy(string(u.Role)+" -> "+string(req.Role), reason)); err != nil {
		s.error(w, r, err)
		return
	}
	if u, err = s.Users.UpdateUser(r.Context(), u.ID, bonafide.UserUpdate{Role: &req.Role}); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, userView(u))
}

// NewToken makes an API token for u, which must be an enabled machine
// client, stores its digest and returns the token, to be shown once.
func NewToken(ctx context.Context, users bonafide.UserStore, u bonafide.User, label, createdBy string, now time.Time) (bonafide.APIToken, string, error) {
	if u.Role != bonafide.RoleIntakeMachine || u.Disabled {
		return bonafide.APIToken{}, "", bonafide.Errorf(bonafide.EInvalid, "API tokens are only for enabled users of role %s", bonafide.RoleIntakeMachine)
	}
	if label == "" || len(label) > 200 {
		return bonafide.APIToken{}, "", bonafide.Errorf(bonafide.EInvalid, "label: want 1 to 200 bytes saying what the token is for")
	}
	secret, digest, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		return bonafide.APIToken{}, "", err
	}
	t, err := users.CreateToken(ctx, bonafide.APIToken{Digest: digest, UserID: u.ID, Label: label, Created: now, CreatedBy: createdBy})
	return t, secret, err
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	var req TokenCreate
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	u, err := s.Users.UserByName(r.Context(), req.User)
	if err != nil {
		s.error(w, r, err)
		return
	}
	t, secret, err := NewToken(r.Context(), s.Users, u, req.Label, p.User.Name, s.Now())
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.audit(r.Context(), p.who(), "token.create", u.Name, "token "+strconv.FormatInt(t.ID, 10)+": "+t.Label); err != nil {
		// Its number is known only once it is made, so it is audited
		// after; a token that cannot be recorded is taken back (its
		// secret was never shown).
		if derr := s.Users.DeleteToken(context.WithoutCancel(r.Context()), u.ID, t.ID); derr != nil {
			s.Logger.Error("unaudited API token not removed", slog.String("user", u.Name), slog.Int64("token", t.ID), slog.Any("error", derr))
		}
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusCreated, TokenCreated{ID: t.ID, User: u.Name, Label: t.Label, Token: secret})
}

// handleTokenRevoke revokes one API token of a user at once: a sending
// system whose host was lost or whose token leaked is cut off without
// disabling the others. Audited before it is done; a token number that is
// not the user's is not found.
func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	u, err := s.pathUser(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err != nil || id <= 0 {
		s.error(w, r, bonafide.Errorf(bonafide.ENotFound, "no token %q of user %s", r.PathValue("token"), u.Name))
		return
	}
	tokens, err := s.Users.Tokens(r.Context(), u.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if !slices.ContainsFunc(tokens, func(t bonafide.APIToken) bool { return t.ID == id }) {
		s.error(w, r, bonafide.Errorf(bonafide.ENotFound, "no token %d of user %s", id, u.Name))
		return
	}
	if err := s.audit(r.Context(), principalOf(r.Context()).who(), "token.revoke", u.Name, "token "+strconv.FormatInt(id, 10)+" revoked"); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Users.DeleteToken(r.Context(), u.ID, id); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
