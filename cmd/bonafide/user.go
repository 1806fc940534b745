package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"bonafide"
	"bonafide/account"
	"bonafide/auth"
)

// runUser dispatches `bonafide user …`: the command line's user
// management, for whoever runs the server (it needs the database and both
// keys, as the server does). Administrators manage users through the API
// once the first of them exists; the command line makes that first one, and
// the machine clients' tokens.
func runUser(ctx context.Context, args []string, std stdio) error {
	return runGroup(ctx, "user", []command{
		{"bootstrap", "create the first administrator, only while there is no enabled one", runUserBootstrap},
		{"add", "add a user; granting " + reasonRoles() + " needs --reason", runUserAdd},
		{"list", "the users: name, role, disabled, second factor, created", runUserList},
		{"disable", "stop a user logging in and using their tokens; their sessions end", runUserDisable},
		{"token", "a new API token for an intake_client user, printed once", runUserToken},
		{"tokens", "a user's API tokens: number, label, created (never the token)", runUserTokens},
		{"revoke-token", "revoke one API token at once; the user's others go on", runUserRevokeToken},
		{"enable", "let a disabled user log in and use their tokens again", runUserEnable},
		{"reset-password", "a new password (given, or generated and printed once); their sessions end", runUserResetPassword},
		{"reset-totp", "withdraw a lost second factor, with --reason; they enrol a new one at their next login", runUserResetTOTP},
		{"seal-totp", "seal second-factor seeds stored in the clear (from before seeds were sealed)", runUserSealTOTP},
	}, args, std)
}

// What the help of the user commands says of every one of them: how each
// change is recorded, and which commands may create a new SQLite file.
const (
	userAudited  = "Recorded in the audit log, as done by cli:<your login name>, before it is made."
	userExisting = "A SQLite file that does not exist is refused, not created."
	userCreates  = "A SQLite file that does not exist yet gets its schema, and is removed again if the command fails."
)

// reasonRoles names the roles whose grant needs a written reason (see
// account.CheckGrantReason): "data_protection_officer or administrator".
func reasonRoles() string {
	var names []string
	for _, r := range bonafide.Roles {
		if r.RequiresSecondFactor() {
			names = append(names, string(r))
		}
	}
	return orList(names)
}

// reasonRule says how long a written reason must be, for the help texts.
func reasonRule() string {
	return fmt.Sprintf("%d characters or more, at most %d bytes", account.MinGrantReason, account.MaxGrantReason)
}

// passwordRule says what a password must be (auth.CheckPasswordPolicy),
// for the help texts.
func passwordRule() string {
	return fmt.Sprintf("%d characters or more, at most %d bytes", auth.MinPasswordLen, auth.MaxPasswordLen)
}

// userCommand is the command line of one `bonafide user` subcommand: the
// shared parser, with the store's flags registered into cfg.
type userCommand struct {
	*subcommand
	cfg storeConfig
}

// newUserCommand returns the parser of `bonafide user NAME`; args and
// about are as for newSubcommand.
func newUserCommand(std stdio, name, args, about string) *userCommand {
	uc := &userCommand{subcommand: newSubcommand(std, "user "+name, args, about), cfg: defaultStoreConfig()}
	uc.store(&uc.cfg)
	return uc
}

// open opens the store with its vault and audit log, refusing a stale
// schema: user commands run beside a live server and never migrate. A
// SQLite file that does not exist yet is created with its schema only if
// create (the commands that add a user); the others refuse it. It returns
// the account service on them too, which makes every change. Close the app
// with finish, which removes a file open created if the command fails.
func (uc *userCommand) open(ctx context.Context, create bool) (*app, *account.Service, error) {
	logger := uc.logger()
	acfg := uc.cfg.app()
	acfg.Existing = !create
	a, err := openApp(ctx, acfg, logger)
	if err != nil {
		return nil, nil, err
	}
	return a, a.accounts(logger), nil
}

// openUser opens an existing store as open does and looks up the user
// called name, for the commands that change or show one user; the caller
// closes the app.
func (uc *userCommand) openUser(ctx context.Context, name string) (*app, *account.Service, bonafide.User, error) {
	a, acc, err := uc.open(ctx, false)
	if err != nil {
		return nil, nil, bonafide.User{}, err
	}
	u, err := acc.UserByName(ctx, name)
	if err != nil {
		err = fmt.Errorf("user %q: %w", name, err)
		a.finish(&err)
		return nil, nil, bonafide.User{}, err
	}
	return a, acc, u, nil
}

// accounts returns the account service on a's users, audit log and vault,
// for the user commands and the demo.
func (a *app) accounts(logger *slog.Logger) *account.Service {
	acc := account.New(a.Users, a.Audit, logger)
	if a.Approvals != nil {
		acc.Approvals = a.Approvals
	}
	acc.Secrets = a.Vault
	return acc
}

// cliActor is who the audit log says made a change from the command line:
// the operating-system user (see cliUser).
func cliActor() account.Actor {
	return account.CommandLine(strings.TrimPrefix(cliUser(), "cli:"))
}

// readPasswordFile returns the password in file, without the line end an
// editor adds. "-" reads standard input.
func readPasswordFile(file string, std stdio) (string, error) {
	var (
		data []byte
		err  error
	)
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(std.in, auth.MaxPasswordLen+2))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err)
	}
	pw := strings.TrimRight(string(data), "\r\n")
	if pw == "" {
		return "", usagef("the password file %s is empty", file)
	}
	return pw, nil
}

// addUser adds a user made from the command line (or the demo) through the
// account service, which checks, hashes, records and stores it, and returns
// it with the generated password ("" when password was given or the role
// has none). An administrator is added only while there are fewer than two
// enabled ones (account.ErrAdministratorExists): the command line
// bootstraps the pair, and two administrators grant the role after that,
// through the API.
func addUser(ctx context.Context, acc *account.Service, name string, role bonafide.Role, password, reason string) (bonafide.User, string, error) {
	return acc.Create(ctx, cliActor(), account.NewUserRequest{Name: name, Role: role, Password: password, Reason: reason})
}

// secondFactorHint tells a user whose role needs a second factor how to
// enrol one, which they must do before anything else.
func secondFactorHint(role bonafide.Role) string {
	if !role.RequiresSecondFactor() {
		return ""
	}
	return "The " + string(role) + " role needs a second factor: after logging in, POST /api/v1/me/totp, add the secret to an authenticator app, then POST /api/v1/me/totp/confirm with a code, {\"code\":\"123456\"}.\n"
}

// runUserBootstrap creates the first administrator and prints the
// password once. It refuses when two enabled administrators exist, and is
// the usual first command on a new store.
func runUserBootstrap(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "bootstrap", "", "Creates the first administrator and prints their password once, unless a password file gives one ("+passwordRule()+"). "+
		"Refused while two enabled administrators exist (the pair the API's two-person grants need): after that, two administrators grant the role through the API. "+
		"The administrator must enrol a second factor at their first login. "+userAudited+" "+userCreates)
	name := "admin"
	var pwFile string
	uc.fs.StringVar(&name, "name", name, "login name of the first administrator: "+account.UserNameRule)
	uc.fs.StringVar(&pwFile, "password-file", "", "file holding the password ('-' for stdin; "+passwordRule()+"); default: generate one and print it once")
	if _, err := uc.parse(args, noArgs); err != nil {
		return err
	}
	if err := account.CheckUserName(name); err != nil {
		return usagef("--name: %v", err)
	}
	pw := ""
	if pwFile != "" {
		if pw, err = readPasswordFile(pwFile, std); err != nil {
			return err
		}
	}
	a, acc, err := uc.open(ctx, true)
	if err != nil {
		return err
	}
	defer a.finish(&err)
	u, generated, err := addUser(ctx, acc, name, bonafide.RoleAdministrator, pw, "first administrator (bootstrap)")
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "Created the first administrator %q.\n", u.Name)
	if generated != "" {
		fmt.Fprintf(std.out, "Password (shown this once; it is stored only as a hash): %s\n", generated)
	}
	io.WriteString(std.out, secondFactorHint(u.Role))
	return nil
}

// runUserAdd adds one user of any role but administrator (beyond the
// first). A generated password is printed once; intake_client users have
// none and get tokens from `user token`.
func runUserAdd(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "add", "NAME", "Adds user NAME ("+account.UserNameRule+") with --role. "+
		"Granting "+reasonRoles()+" needs --reason ("+reasonRule()+"), kept in the audit log, and the user must enrol a second factor at their first login; "+
		"an administrator is added only while there is no enabled one (administrators add the others through the API). "+
		"Prints a generated password once unless --password-file gives one ("+passwordRule()+"); "+
		"an intake_client user has no password and authenticates with tokens from 'bonafide user token'. "+userAudited+" "+userCreates)
	var role, pwFile, reason string
	uc.fs.StringVar(&role, "role", "", "role (required): "+account.RoleNames())
	uc.fs.StringVar(&pwFile, "password-file", "", "file holding the password ('-' for stdin; "+passwordRule()+"); default: generate one and print it once; none for intake_client")
	uc.fs.StringVar(&reason, "reason", "", fmt.Sprintf("why the user needs the role, kept in the audit log; granting %s needs --reason (%s)",
		reasonRoles(), reasonRule()))
	pos, err := uc.parse(args, exactly(1, "one user name"))
	if err != nil {
		return err
	}
	r := bonafide.Role(role)
	if !r.Valid() {
		return usagef("--role %q: want one of %s", role, account.RoleNames())
	}
	if _, err = account.CheckGrantReason(r, reason); err != nil {
		return usagef("--reason: %v", err)
	}
	if err := account.CheckUserName(pos[0]); err != nil {
		return usagef("%v", err)
	}
	pw := ""
	if pwFile != "" {
		if r == bonafide.RoleIntakeMachine {
			return usagef("an intake_client user has no password: give no --password-file, and make it a token with 'bonafide user token'")
		}
		if pw, err = readPasswordFile(pwFile, std); err != nil {
			return err
		}
	}
	a, acc, err := uc.open(ctx, true)
	if err != nil {
		return err
	}
	defer a.finish(&err)
	u, generated, err := addUser(ctx, acc, pos[0], r, pw, reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "Added %s, role %s.\n", u.Name, u.Role)
	switch {
	case generated != "":
		fmt.Fprintf(std.out, "Password (shown this once; it is stored only as a hash): %s\n", generated)
	case u.Role == bonafide.RoleIntakeMachine:
		fmt.Fprintf(std.out, "It authenticates with API tokens: 'bonafide user token %s --label L' makes one.\n", u.Name)
	}
	io.WriteString(std.out, secondFactorHint(u.Role))
	return nil
}

// runUserList prints every user as a table. It shows no hash, secret or
// token.
func runUserList(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "list", "", "Lists the users: name, role, disabled, second factor (a seed stored in the clear shows as refused; see 'bonafide user seal-totp'), created and by whom. "+
		"Never a password hash, seed or token. "+userExisting)
	if _, err := uc.parse(args, noArgs); err != nil {
		return err
	}
	a, acc, err := uc.open(ctx, false)
	if err != nil {
		return err
	}
	defer a.finish(&err)
	us, err := acc.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(std.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tDISABLED\tTOTP\tCREATED\tCREATED BY")
	for _, u := range us {
		totp := "no"
		switch {
		case u.TOTPConfirmed && !auth.TOTPSealed(u.TOTPSecret):
			// The server refuses it: see runUserSealTOTP.
			totp = "unsealed (refused; see 'bonafide user seal-totp')"
		case u.TOTPConfirmed:
			totp = "yes"
		case u.Role.RequiresSecondFactor():
			totp = "no (must enrol)"
		case u.Role == bonafide.RoleIntakeMachine:
			totp = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, yesNo(u.Disabled), totp,
			u.Created.UTC().Format(time.RFC3339), u.CreatedBy)
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// runUserDisable disables a user: they can no longer log in or use their
// tokens, and their sessions end at once.
func runUserDisable(ctx context.Context, args []string, std stdio) error {
	return runUserSetDisabled(ctx, args, std, true)
}

// runUserEnable lets a disabled user log in and use their tokens again:
// someone back from leave, or disabled by mistake. Their old sessions
// stay ended.
func runUserEnable(ctx context.Context, args []string, std stdio) error {
	return runUserSetDisabled(ctx, args, std, false)
}

func runUserSetDisabled(ctx context.Context, args []string, std stdio, disable bool) (err error) {
	verb := "enable"
	about := "Lets the disabled user NAME log in and use their API tokens again; the sessions that ended with the disabling stay ended. Enabling an enabled user changes nothing. "
	if disable {
		verb = "disable"
		about = "Stops user NAME logging in and using their API tokens; their sessions end at once. Disabling a disabled user changes nothing. "
	}
	uc := newUserCommand(std, verb, "NAME", about+userAudited+" "+userExisting)
	pos, err := uc.parse(args, exactly(1, "one user name"))
	if err != nil {
		return err
	}
	a, acc, u, err := uc.openUser(ctx, pos[0])
	if err != nil {
		return err
	}
	defer a.finish(&err)
	if u.Disabled == disable {
		fmt.Fprintf(std.out, "%s is %sd already.\n", u.Name, verb)
		return nil
	}
	if disable {
		if _, err := acc.Disable(ctx, cliActor(), u.ID); err != nil {
			return err
		}
		fmt.Fprintf(std.out, "Disabled %s; their sessions have ended.\n", u.Name)
		return nil
	}
	if _, err := acc.Enable(ctx, cliActor(), u.ID); err != nil {
		return err
	}
	fmt.Fprintf(std.out, "Enabled %s; they can log in again.\n", u.Name)
	return nil
}

// runUserToken makes an API token for an intake_client user and prints
// it once; only its digest is stored.
func runUserToken(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "token", "NAME", "Makes an API token for NAME, an enabled intake_client user, and prints it once (send it as 'Authorization: Bearer <token>'); only its digest is kept. "+
		"Recorded in the audit log, as done by cli:<your login name>, by number and label, never the token; a token that cannot be recorded is deleted again. "+userExisting)
	var label string
	uc.fs.StringVar(&label, "label", "", fmt.Sprintf("what the token is for, e.g. the sending system's host (required; at most %d bytes)", account.MaxTokenLabel))
	pos, err := uc.parse(args, exactly(1, "one user name"))
	if err != nil {
		return err
	}
	if strings.TrimSpace(label) == "" {
		return usagef("--label is required: say what the token is for")
	}
	if len(label) > account.MaxTokenLabel {
		return usagef("--label: at most %d bytes, not %d", account.MaxTokenLabel, len(label))
	}
	a, acc, err := uc.open(ctx, false)
	if err != nil {
		return err
	}
	defer a.finish(&err)
	tok, err := addToken(ctx, acc, pos[0], label)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "API token for %s (%s), shown this once; send it as 'Authorization: Bearer <token>':\n%s\n", pos[0], label, tok)
	return nil
}

// addToken makes an API token for the intake_client user name through the
// account service, which records it in the audit log (the token's number
// and label, never the token) and deletes it again if it cannot.
func addToken(ctx context.Context, acc *account.Service, name, label string) (string, error) {
	_, tok, err := acc.CreateToken(ctx, cliActor(), name, label)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return "", fmt.Errorf("user %q: %w", name, err)
	}
	return tok, err
}

// runUserSealTOTP seals, with the vault, every second-factor seed stored in
// the clear: seeds enrolled before the server sealed them. The server
// refuses a seed in the clear (the login fails as a wrong code, and the
// audit log says why), since accepting one would let whoever can write the
// users table plant a seed they know; so run this once after upgrading a
// database from before sealing. It prints and audits each user whose seed
// it seals. Later, a seed in the clear can only have been written into the
// database directly: find out who wrote it before sealing it, and rather
// have the user enrol again. A new store has no such seed, so a missing
// file is refused.
func runUserSealTOTP(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "seal-totp", "", "Seals, with the vault, every second-factor seed stored in the clear (enrolled before seeds were sealed), which logins refuse; run it once after upgrading. "+
		"Each seal is recorded in the audit log, as done by cli:<your login name>, before it is made. "+userExisting)
	if _, err := uc.parse(args, noArgs); err != nil {
		return err
	}
	a, acc, err := uc.open(ctx, false)
	if err != nil {
		return err
	}
	defer a.finish(&err)
	sealed, already, err := acc.SealSeeds(ctx, cliActor())
	for _, name := range sealed {
		fmt.Fprintf(std.out, "Sealed the second-factor seed of %s.\n", name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "%d second-factor seeds sealed now, %d sealed already.\n", len(sealed), already)
	return nil
}

// runUserTokens lists a user's API tokens by number and label, so that an
// operator can tell which one to revoke; the tokens themselves are not
// kept, only their digests.
func runUserTokens(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "tokens", "NAME", "Lists the API tokens of user NAME: number (for 'bonafide user revoke-token'), label, created and by whom; never the token, which is kept only as a digest. "+userExisting)
	pos, err := uc.parse(args, exactly(1, "one user name"))
	if err != nil {
		return err
	}
	a, acc, u, err := uc.openUser(ctx, pos[0])
	if err != nil {
		return err
	}
	defer a.finish(&err)
	ts, err := acc.Tokens(ctx, u.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(std.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tLABEL\tCREATED\tCREATED BY")
	for _, t := range ts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", t.ID, t.Label, t.Created.UTC().Format(time.RFC3339), t.CreatedBy)
	}
	return tw.Flush()
}

// runUserRevokeToken revokes one API token of a user: a sending system's
// lost or leaked token stops working at once, the others go on. Recorded
// in the audit log before it is done.
func runUserRevokeToken(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "revoke-token", "NAME NUMBER", "Revokes API token NUMBER (as 'bonafide user tokens NAME' shows it) of user NAME at once; the user's other tokens go on. "+userAudited+" "+userExisting)
	pos, err := uc.parse(args, exactly(2, "a user name and a token number"))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil || id <= 0 {
		return usagef("token number %q: want the number 'bonafide user tokens %s' shows", pos[1], pos[0])
	}
	a, acc, u, err := uc.openUser(ctx, pos[0])
	if err != nil {
		return err
	}
	defer a.finish(&err)
	err = acc.RevokeToken(ctx, cliActor(), u.ID, id)
	if bonafide.ErrorCode(err) == bonafide.ENotFound {
		return bonafide.Errorf(bonafide.ENotFound, "%s has no token %d ('bonafide user tokens %s' lists them)", u.Name, id, u.Name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "Revoked token %d of %s.\n", id, u.Name)
	return nil
}
