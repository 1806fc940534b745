package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"bonafide"
	"bonafide/auth"
)

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
// other role takes an optional reason. Resets of such a user's password,
// and every withdrawal of a second factor, need the same.
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
// changed, then the reason given, if any, so that every entry reads the
// same way.
func AuditWhy(what, reason string) string {
	if reason == "" {
		return what
	}
	return what + ": " + reason
}

// userNamePattern keeps names short and plain, so that they are safe in
// logs, audit entries and URLs. UserNameRule says it in words.
var userNamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,63}$`)

// UserNameRule says what a user name may be, for the messages and help
// texts that tell a person (the pattern CheckUserName applies).
const UserNameRule = "2 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter"

// CheckUserName says why name cannot be a user name, or nil, so that a
// face can refuse a bad name before it asks for anything else.
func CheckUserName(name string) error {
	if !userNamePattern.MatchString(name) {
		return bonafide.Errorf(bonafide.EInvalid, "user name %q: want %s", name, UserNameRule)
	}
	return nil
}

// RoleNames lists every valid role, comma-separated, for the messages and
// help texts that tell a person what they may choose.
func RoleNames() string {
	names := make([]string, len(bonafide.Roles))
	for i, r := range bonafide.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// CheckRole says why r is not a role, listing the valid ones, or nil: a
// mistyped role ("socialworker") is answered with what would do, whichever
// face it came through.
func CheckRole(r bonafide.Role) error {
	if !r.Valid() {
		return bonafide.Errorf(bonafide.EInvalid, "unknown role %q: want one of %s", r, RoleNames())
	}
	return nil
}

// GeneratePassword returns a random 20-character password from an
// alphabet without look-alike characters, for first passwords and resets
// that are shown once.
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

// NewUser checks and builds a user with a hashed password, without storing
// it. For role intake_client there is no password; otherwise an empty
// password is generated and returned, to be shown once. [Service.Create]
// uses it; so may a tool that makes users of its own store (the bench).
func NewUser(name string, role bonafide.Role, password, createdBy string, p auth.PasswordParams) (bonafide.User, string, error) {
	if err := CheckUserName(name); err != nil {
		return bonafide.User{}, "", err
	}
	if err := CheckRole(role); err != nil {
		return bonafide.User{}, "", err
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

// NewUserRequest is what [Service.Create] needs to add a user.
type NewUserRequest struct {
	Name string
	Role bonafide.Role
	// Password is the first password; when empty (and the role is not
	// intake_client) one is generated and returned once.
	Password string
	// Reason says why the user needs the role, for the audit log;
	// required for a privileged role (see CheckGrantReason).
	Reason string
}

// ErrAdministratorExists refuses the command line a third administrator
// while two enabled ones exist (the pair the two-person rule needs, so
// that the API can grant the role from then on); callers tell it apart
// with errors.Is.
var ErrAdministratorExists = errors.New("two administrators exist already")

// Create adds a user and returns it with the generated password ("" when
// one was given or the role has none). The grant is recorded before it is
// made: a user the audit log cannot record is not created (errors after
// the entry leave one for a creation that failed, which an auditor can
// check; the reverse, a privileged user nobody recorded, they could not).
// A taken name is refused before the entry, so that the log does not fill
// with creations that never happened; the store still refuses a name taken
// in between. From the command line an administrator is made only while
// there are fewer than two enabled ones: it bootstraps the first pair, and
// two administrators grant the role after that, over the API, where the
// log names both. Over the API a user is never created with the DPO or
// administrator role: it is created with another, then granted by two.
func (s *Service) Create(ctx context.Context, by Actor, req NewUserRequest) (bonafide.User, string, error) {
	if req.Role == bonafide.RoleAdministrator && by.fromCommandLine() {
		admins, err := s.ActiveAdministrators(ctx)
		if err != nil {
			return bonafide.User{}, "", err
		}
		if len(admins) >= 2 {
			return bonafide.User{}, "", fmt.Errorf("%w (%s): administrators add users through the API (POST /api/v1/users), and two of them grant the administrator role (POST /api/v1/users/{id}/approvals)",
				ErrAdministratorExists, strings.Join(admins, ", "))
		}
	}
	u, generated, err := NewUser(req.Name, req.Role, req.Password, by.Name, s.PasswordParams)
	if err != nil {
		return bonafide.User{}, "", err
	}
	reason, err := CheckGrantReason(req.Role, req.Reason)
	if err != nil {
		return bonafide.User{}, "", err
	}
	if u.Role.RequiresSecondFactor() && !by.fromCommandLine() {
		return bonafide.User{}, "", bonafide.Errorf(bonafide.EForbidden, "creating a user with the %s role over the API needs a second administrator: create them with another role, then ask for the grant with POST /api/v1/users/{id}/approvals", u.Role)
	}
	if _, err := s.Users.UserByName(ctx, u.Name); err == nil {
		return bonafide.User{}, "", bonafide.Errorf(bonafide.EConflict, "user %q already exists", u.Name)
	} else if bonafide.ErrorCode(err) != bonafide.ENotFound {
		return bonafide.User{}, "", err
	}
	if err := s.audit(ctx, by.Who, "user.create", u.Name, AuditWhy("role "+string(u.Role), reason)); err != nil {
		return bonafide.User{}, "", err
	}
	u.Created = s.now()
	if u, err = s.Users.CreateUser(ctx, u); err != nil {
		return bonafide.User{}, "", err
	}
	return u, generated, nil
}

// ActiveAdministrators returns the names of the enabled administrators.
// Disabled ones do not count, so that an agency that has disabled its last
// administrator can bootstrap a new one from the command line.
func (s *Service) ActiveAdministrators(ctx context.Context) ([]string, error) {
	us, err := s.Users.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var names []string
	for _, u := range us {
		if u.Role == bonafide.RoleAdministrator && !u.Disabled {
			names = append(names, u.Name)
		}
	}
	return names, nil
}

// List returns every user, by ID, for the administrators' views; callers
// show no hash or secret of them.
func (s *Service) List(ctx context.Context) ([]bonafide.User, error) {
	return s.Users.Users(ctx)
}

// UserByName returns the user called name, or an error with code
// not_found, so that a face can name users as people type them.
func (s *Service) UserByName(ctx context.Context, name string) (bonafide.User, error) {
	return s.Users.UserByName(ctx, name)
}

// other returns user id for an override by by, refusing by's own account:
// administrators change other users, never themselves, so that one cannot
// lift their own role or undo their own disabling.
func (s *Service) other(ctx context.Context, by Actor, id int64) (bonafide.User, error) {
	if !by.fromCommandLine() && by.UserID == id {
		return bonafide.User{}, bonafide.Errorf(bonafide.EForbidden, "you may not change your own account here")
	}
	return s.Users.UserByID(ctx, id)
}

// Disable stops user id logging in or using their tokens; the store ends
// their sessions at once. It is recorded before it is made, and is an
// override: it wins over the user's own requests under way.
func (s *Service) Disable(ctx context.Context, by Actor, id int64) (bonafide.User, error) {
	return s.setDisabled(ctx, by, id, true)
}

// Enable lets a disabled user id log in and use their tokens again (their
// old sessions ended with the disabling and stay ended). Recorded before
// it is made.
func (s *Service) Enable(ctx context.Context, by Actor, id int64) (bonafide.User, error) {
	return s.setDisabled(ctx, by, id, false)
}

func (s *Service) setDisabled(ctx context.Context, by Actor, id int64, disabled bool) (bonafide.User, error) {
	u, err := s.other(ctx, by, id)
	if err != nil {
		return bonafide.User{}, err
	}
	what, done := "user.disable", "disabled"
	if !disabled {
		what, done = "user.enable", "enabled"
	}
	if err := s.audit(ctx, by.Who, what, u.Name, done+" "+by.How); err != nil {
		return bonafide.User{}, err
	}
	defer s.tokens.forget()
	return s.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{Disabled: &disabled})
}

// ChangeRole gives user id the role role. A machine client cannot become
// staff, nor staff a machine client; a privileged role needs a written
// reason, kept in the audit entry, which is written before the change.
//
// From the API (an actor that is a user) the DPO and administrator roles
// are refused here: they are granted by two administrators, with
// [Service.RequestApproval] and [Service.Approve]. The command line, an
// operator on the box who holds the keys already, grants them alone.
func (s *Service) ChangeRole(ctx context.Context, by Actor, id int64, role bonafide.Role, reason string) (bonafide.User, error) {
	if role.RequiresSecondFactor() && !by.fromCommandLine() {
		// the answers of a one-step change first: one's own account, a
		// missing reason; then where to ask
		if _, err := s.other(ctx, by, id); err != nil {
			return bonafide.User{}, err
		}
		if _, err := CheckGrantReason(role, reason); err != nil {
			return bonafide.User{}, err
		}
		return bonafide.User{}, errTwoPerson("granting the "+string(role)+" role", id)
	}
	return s.changeRole(ctx, by, id, role, reason)
}

// changeRole is ChangeRole without the two-person gate, for the command
// line and for an approved request.
func (s *Service) changeRole(ctx context.Context, by Actor, id int64, role bonafide.Role, reason string) (bonafide.User, error) {
	if err := CheckRole(role); err != nil {
		return bonafide.User{}, err
	}
	u, err := s.other(ctx, by, id)
	if err != nil {
		return bonafide.User{}, err
	}
	if (u.Role == bonafide.RoleIntakeMachine) != (role == bonafide.RoleIntakeMachine) {
		return bonafide.User{}, bonafide.Errorf(bonafide.EInvalid, "a machine client cannot become staff, nor staff a machine client: add a new user")
	}
	if reason, err = CheckGrantReason(role, reason); err != nil {
		return bonafide.User{}, err
	}
	if err := s.audit(ctx, by.Who, "user.role", u.Name, AuditWhy(string(u.Role)+" -> "+string(role), reason)); err != nil {
		return bonafide.User{}, err
	}
	defer s.tokens.forget()
	return s.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{Role: &role})
}

// ResetPassword gives user id, who has forgotten theirs, a new password
// (password, or a generated one, returned to be shown once); the store
// ends their sessions. A privileged user's reset needs a written reason,
// as granting the role does. Audited before it is made.
//
// Only the command line resets alone; a user (over the API) asks with
// [Service.RequestApproval] and a second administrator approves.
func (s *Service) ResetPassword(ctx context.Context, by Actor, id int64, password, reason string) (bonafide.User, string, error) {
	if !by.fromCommandLine() {
		return bonafide.User{}, "", errTwoPerson("resetting another user's password", id)
	}
	return s.resetPassword(ctx, by, id, password, reason)
}

func (s *Service) resetPassword(ctx context.Context, by Actor, id int64, password, reason string) (bonafide.User, string, error) {
	u, err := s.other(ctx, by, id)
	if err != nil {
		return bonafide.User{}, "", err
	}
	if u.Role == bonafide.RoleIntakeMachine {
		return bonafide.User{}, "", bonafide.Errorf(bonafide.EInvalid, "%s is an intake_client: it has no password", u.Name)
	}
	if reason, err = CheckGrantReason(u.Role, reason); err != nil {
		return bonafide.User{}, "", err
	}
	generated := ""
	if password == "" {
		password = GeneratePassword()
		generated = password
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return bonafide.User{}, "", bonafide.Errorf(bonafide.EInvalid, "%v", err)
	}
	hash, err := auth.HashPassword(password, s.PasswordParams)
	if err != nil {
		return bonafide.User{}, "", err
	}
	if err := s.audit(ctx, by.Who, "user.password_reset", u.Name, AuditWhy("password reset "+by.How, reason)); err != nil {
		return bonafide.User{}, "", err
	}
	if u, err = s.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{PasswordHash: &hash}); err != nil {
		return bonafide.User{}, "", err
	}
	return u, generated, nil
}

// ResetTOTP withdraws user id's second factor (a lost or replaced phone),
// or an enrolment begun and not confirmed. Withdrawing a confirmed one
// ends their sessions, and a role that needs one must enrol again at the
// next login. It weakens the account until then, so it always needs a
// written reason, and is audited before it is made. It returns the user as
// they were, and false (with nothing recorded) when there was nothing to
// withdraw.
//
// Only the command line withdraws alone; a user (over the API) asks with
// [Service.RequestApproval] and a second administrator approves.
func (s *Service) ResetTOTP(ctx context.Context, by Actor, id int64, reason string) (bonafide.User, bool, error) {
	if !by.fromCommandLine() {
		return bonafide.User{}, false, errTwoPerson("withdrawing another user's second factor", id)
	}
	return s.resetTOTP(ctx, by, id, reason)
}

func (s *Service) resetTOTP(ctx context.Context, by Actor, id int64, reason string) (bonafide.User, bool, error) {
	// The check of a privileged grant, whatever the user's role: removing
	// a second factor is as sensitive as granting one.
	reason, err := CheckGrantReason(bonafide.RoleDPO, reason)
	if err != nil {
		return bonafide.User{}, false, err
	}
	u, err := s.other(ctx, by, id)
	if err != nil {
		return bonafide.User{}, false, err
	}
	if u.TOTPSecret == "" && !u.TOTPConfirmed {
		return u, false, nil
	}
	if err := s.audit(ctx, by.Who, "user.totp_reset", u.Name, AuditWhy("second factor withdrawn "+by.How, reason)); err != nil {
		return bonafide.User{}, false, err
	}
	none, no := "", false
	if _, err := s.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{TOTPSecret: &none, TOTPConfirmed: &no}); err != nil {
		return bonafide.User{}, false, err
	}
	return u, true, nil
}

// SealSeeds seals, with Secrets, every second-factor seed stored in the
// clear (enrolled before seeds were sealed), each audited before it is
// sealed and only if the account is unchanged since it was read. It
// returns the names of the users whose seeds it sealed and how many were
// sealed already. Logins refuse a seed in the clear, since accepting one
// would let whoever can write the users table plant a seed they know.
func (s *Service) SealSeeds(ctx context.Context, by Actor) (sealed []string, already int, err error) {
	if s.Secrets == nil {
		return nil, 0, errNoSecrets
	}
	us, err := s.Users.Users(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, u := range us {
		switch {
		case u.TOTPSecret == "":
			continue
		case auth.TOTPSealed(u.TOTPSecret):
			already++
			continue
		}
		seed, err := auth.SealTOTP(s.Secrets, u, u.TOTPSecret)
		if err != nil {
			return sealed, already, err
		}
		if err := s.audit(ctx, by.Who, "user.totp_seal", u.Name, "second-factor seed stored in the clear sealed "+by.How); err != nil {
			return sealed, already, err
		}
		if _, err := s.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{TOTPSecret: &seed, IfUnchanged: &u}); err != nil {
			s.auditNotMade(ctx, by.Who, "user.totp_seal", u.Name, err)
			return sealed, already, fmt.Errorf("user %s: %w", u.Name, err)
		}
		sealed = append(sealed, u.Name)
	}
	return sealed, already, nil
}
