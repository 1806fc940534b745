package main

import (
	"context"
	"flag"
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

// userUsage lists the subcommands of `bonafide user`.
const userUsage = "Usage: bonafide user bootstrap|add|list|disable|token|tokens|revoke-token|enable|reset-password|reset-totp|seal-totp [flags]\n\n" +
	"  bootstrap [--name N]               create the first administrator, only while there is none\n" +
	"  add NAME --role ROLE [--password-file F] [--reason R]\n" +
	"                                     add a user; prints a generated password once when no file is given;\n" +
	"                                     granting data_protection_officer or administrator needs --reason,\n" +
	"                                     kept in the audit log\n" +
	"  list                               the users: name, role, disabled, second factor, created\n" +
	"  disable NAME                       stop a user logging in and end their sessions\n" +
	"  enable NAME                        let a disabled user log in again\n" +
	"  token NAME --label L               a new API token for an intake_client user, printed once\n" +
	"  tokens NAME                        a user's API tokens: number, label, created (never the token)\n" +
	"  revoke-token NAME NUMBER           revoke one API token at once; the user's others go on\n" +
	"  reset-password NAME                a new password (given, or generated and printed once); their sessions end\n" +
	"  reset-totp NAME --reason R         withdraw a lost second factor; they enrol a new one at their next login\n" +
	"  seal-totp                          seal second-factor seeds stored in the clear (from before seeds were sealed)\n\n" +
	"Each change is recorded in the audit log as done by cli:<your login name>.\n" +
	"Run 'bonafide user <subcommand> --help' for its flags.\n"

// runUser dispatches `bonafide user …`: the command line's user
// management, for whoever runs the server (it needs the database and both
// keys, as the server does). Administrators manage users through the API
// once the first of them exists; the command line makes that first one, and
// the machine clients' tokens.
func runUser(ctx context.Context, args []string, std stdio) error {
	if len(args) == 0 {
		return usagef("want a subcommand: bootstrap, add, list, disable, enable, reset-password, reset-totp, token, tokens, revoke-token or seal-totp")
	}
	switch args[0] {
	case "bootstrap":
		return runUserBootstrap(ctx, args[1:], std)
	case "add":
		return runUserAdd(ctx, args[1:], std)
	case "list":
		return runUserList(ctx, args[1:], std)
	case "disable":
		return runUserDisable(ctx, args[1:], std)
	case "enable":
		return runUserEnable(ctx, args[1:], std)
	case "token":
		return runUserToken(ctx, args[1:], std)
	case "tokens":
		return runUserTokens(ctx, args[1:], std)
	case "revoke-token":
		return runUserRevokeToken(ctx, args[1:], std)
	case "reset-password":
		return runUserResetPassword(ctx, args[1:], std)
	case "reset-totp":
		return runUserResetTOTP(ctx, args[1:], std)
	case "seal-totp":
		return runUserSealTOTP(ctx, args[1:], std)
	case "-h", "--help", "help":
		io.WriteString(std.err, userUsage)
		return nil
	}
	return usagef("unknown subcommand %q: want bootstrap, add, list, disable, enable, reset-password, reset-totp, token, tokens, revoke-token or seal-totp", args[0])
}

// userConfig is what every user subcommand needs: the store and its keys.
type userConfig struct {
	dbConfig
	keyConfig
	logConfig
}

func (c *userConfig) flags(fs *flag.FlagSet, env *envDefaults) {
	c.dbConfig.flags(fs, env)
	c.keyConfig.flags(fs, env)
	c.logConfig.flags(fs, env)
}

// parseUserFlags parses args with fs, taking up to want positional
// arguments wherever they stand (`user add NAME --role R` and `user add
// --role R NAME` both work), and validates the common configuration.
func parseUserFlags(fs *flag.FlagSet, env *envDefaults, cfg *userConfig, args []string, want int, what string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != want {
		if want == 0 {
			return nil, usagef("unexpected arguments %q", pos)
		}
		return nil, usagef("want %s, got %d arguments %q", what, len(pos), pos)
	}
	if err := env.err(); err != nil {
		return nil, err
	}
	if err := cfg.dbConfig.validate(); err != nil {
		return nil, err
	}
	if err := cfg.logConfig.validate(); err != nil {
		return nil, err
	}
	return pos, nil
}

// openUserApp opens the store with its vault and audit log, refusing a
// stale schema: user commands run beside a live server and never migrate.
// It returns the account service on them too, which makes every change.
func openUserApp(ctx context.Context, cfg userConfig, std stdio) (*app, *account.Service, error) {
	logger := cfg.logConfig.logger(std.err)
	a, err := openApp(ctx, appConfig{dbConfig: cfg.dbConfig, keyConfig: cfg.keyConfig}, logger)
	if err != nil {
		return nil, nil, err
	}
	return a, a.accounts(logger), nil
}

// accounts returns the account service on a's users, audit log and vault,
// for the user commands and the demo.
func (a *app) accounts(logger *slog.Logger) *account.Service {
	acc := account.New(a.Users, a.Audit, logger)
	acc.Secrets = a.Vault
	return acc
}

// cliActor is who the audit log says made a change from the command line:
// the operating-system user (see cliUser).
func cliActor() account.Actor {
	return account.CommandLine(strings.TrimPrefix(cliUser(), "cli:"))
}

// openNamedUser opens the app as openUserApp does and looks up the user
// a subcommand names; the caller closes the app.
func openNamedUser(ctx context.Context, cfg userConfig, std stdio, name string) (*app, *account.Service, bonafide.User, error) {
	a, acc, err := openUserApp(ctx, cfg, std)
	if err != nil {
		return nil, nil, bonafide.User{}, err
	}
	u, err := acc.UserByName(ctx, name)
	if err != nil {
		a.Close()
		return nil, nil, bonafide.User{}, fmt.Errorf("user %q: %w", name, err)
	}
	return a, acc, u, nil
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
// has none). An administrator is added only while there is no enabled one
// (account.ErrAdministratorExists): the command line bootstraps the first,
// and administrators add the rest through the API.
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
// password once. It refuses when an enabled administrator exists.
func runUserBootstrap(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user bootstrap", "user bootstrap [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	name := "admin"
	var pwFile string
	fs.StringVar(&name, "name", name, "login name of the first administrator")
	fs.StringVar(&pwFile, "password-file", "", "file holding the password ('-' for stdin); default: generate one and print it once")
	if _, err := parseUserFlags(fs, env, &cfg, args, 0, ""); err != nil {
		return err
	}
	a, acc, err := openUserApp(ctx, cfg, std)
	if err != nil {
		return err
	}
	defer a.Close()
	return bootstrapAdmin(ctx, acc, name, pwFile, std)
}

func bootstrapAdmin(ctx context.Context, acc *account.Service, name, pwFile string, std stdio) error {
	pw := ""
	if pwFile != "" {
		var err error
		if pw, err = readPasswordFile(pwFile, std); err != nil {
			return err
		}
	}
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
func runUserAdd(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user add", "user add NAME --role ROLE [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	var role, pwFile, reason string
	fs.StringVar(&role, "role", "", "role: "+account.RoleNames())
	fs.StringVar(&pwFile, "password-file", "", "file holding the password ('-' for stdin); default: generate one and print it once")
	fs.StringVar(&reason, "reason", "", fmt.Sprintf("why the user needs the role, kept in the audit log; granting %s or %s needs --reason (%d characters or more)",
		bonafide.RoleDPO, bonafide.RoleAdministrator, account.MinGrantReason))
	pos, err := parseUserFlags(fs, env, &cfg, args, 1, "one user name")
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
	a, acc, err := openUserApp(ctx, cfg, std)
	if err != nil {
		return err
	}
	defer a.Close()
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
func runUserList(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user list", "user list [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	if _, err := parseUserFlags(fs, env, &cfg, args, 0, ""); err != nil {
		return err
	}
	a, acc, err := openUserApp(ctx, cfg, std)
	if err != nil {
		return err
	}
	defer a.Close()
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

func runUserSetDisabled(ctx context.Context, args []string, std stdio, disable bool) error {
	verb := "enable"
	if disable {
		verb = "disable"
	}
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user "+verb, "user "+verb+" NAME [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	pos, err := parseUserFlags(fs, env, &cfg, args, 1, "one user name")
	if err != nil {
		return err
	}
	a, acc, u, err := openNamedUser(ctx, cfg, std, pos[0])
	if err != nil {
		return err
	}
	defer a.Close()
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
func runUserToken(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user token", "user token NAME --label L [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	var label string
	fs.StringVar(&label, "label", "", "what the token is for, e.g. the sending system's host (required)")
	pos, err := parseUserFlags(fs, env, &cfg, args, 1, "one user name")
	if err != nil {
		return err
	}
	if strings.TrimSpace(label) == "" {
		return usagef("--label is required: say what the token is for")
	}
	a, acc, err := openUserApp(ctx, cfg, std)
	if err != nil {
		return err
	}
	defer a.Close()
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
// have the user enrol again.
func runUserSealTOTP(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user seal-totp", "user seal-totp [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	if _, err := parseUserFlags(fs, env, &cfg, args, 0, ""); err != nil {
		return err
	}
	a, acc, err := openUserApp(ctx, cfg, std)
	if err != nil {
		return err
	}
	defer a.Close()
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
func runUserTokens(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user tokens", "user tokens NAME [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	pos, err := parseUserFlags(fs, env, &cfg, args, 1, "one user name")
	if err != nil {
		return err
	}
	a, acc, u, err := openNamedUser(ctx, cfg, std, pos[0])
	if err != nil {
		return err
	}
	defer a.Close()
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
func runUserRevokeToken(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user revoke-token", "user revoke-token NAME NUMBER [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	pos, err := parseUserFlags(fs, env, &cfg, args, 2, "a user name and a token number")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil || id <= 0 {
		return usagef("token number %q: want the number 'bonafide user tokens %s' shows", pos[1], pos[0])
	}
	a, acc, u, err := openNamedUser(ctx, cfg, std, pos[0])
	if err != nil {
		return err
	}
	defer a.Close()
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
