package main

import (
	"context"
	"fmt"

	"bonafide"
	"bonafide/auth"
	"bonafide/httpapi"
)

// runUserResetPassword gives a user who has forgotten their password a new
// one (read from --password-file, or generated and printed once). Their
// sessions end. A privileged user's reset (data protection officer,
// administrator) needs a written reason, as granting the role does; every
// reset is audited before it is made.
func runUserResetPassword(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user reset-password", "user reset-password NAME [--password-file F] [--reason R] [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	var pwFile, reason string
	fs.StringVar(&pwFile, "password-file", "", "file holding the new password ('-' for stdin); default: generate one and print it once")
	fs.StringVar(&reason, "reason", "", fmt.Sprintf("why, kept in the audit log; required (%d characters or more) for %s and %s", httpapi.MinGrantReason, bonafide.RoleDPO, bonafide.RoleAdministrator))
	pos, err := parseUserFlags(fs, env, &cfg, args, 1, "one user name")
	if err != nil {
		return err
	}
	pw := ""
	if pwFile != "" {
		if pw, err = readPasswordFile(pwFile, std); err != nil {
			return err
		}
	}
	a, u, err := openNamedUser(ctx, cfg, std, pos[0])
	if err != nil {
		return err
	}
	defer a.Close()
	if u.Role == bonafide.RoleIntakeMachine {
		return usagef("%s is an intake_client: it has no password; revoke its token and make another with 'bonafide user token'", u.Name)
	}
	if reason, err = httpapi.CheckGrantReason(u.Role, reason); err != nil {
		return usagef("--reason: %v", err)
	}
	generated := ""
	if pw == "" {
		pw = httpapi.GeneratePassword()
		generated = pw
	}
	if err := auth.CheckPasswordPolicy(pw); err != nil {
		return usagef("%v", err)
	}
	hash, err := auth.HashPassword(pw, auth.DefaultPasswordParams)
	if err != nil {
		return err
	}
	if err := a.record(ctx, "user.password_reset", u.Name, httpapi.AuditWhy("password reset from the command line", reason)); err != nil {
		return err
	}
	if _, err := a.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{PasswordHash: &hash}); err != nil {
		return err
	}
	fmt.Fprintf(std.out, "Reset the password of %s; their sessions have ended.\n", u.Name)
	if generated != "" {
		fmt.Fprintf(std.out, "Password (shown this once; it is stored only as a hash): %s\n", generated)
	}
	return nil
}

// runUserResetTOTP withdraws a user's second factor (a lost or replaced
// phone): their sessions end and, at their next login, a role that needs
// a second factor must enrol a new one before anything else. It weakens
// the account until then, so it always needs a written reason, and it is
// audited before it is made.
func runUserResetTOTP(ctx context.Context, args []string, std stdio) error {
	cfg := userConfig{dbConfig: defaultDBConfig(), logConfig: defaultLogConfig()}
	fs := newFlagSet("user reset-totp", "user reset-totp NAME --reason R [flags]", std)
	env := &envDefaults{std: std}
	cfg.flags(fs, env)
	var reason string
	fs.StringVar(&reason, "reason", "", fmt.Sprintf("why (the phone was lost, say), kept in the audit log; %d characters or more", httpapi.MinGrantReason))
	pos, err := parseUserFlags(fs, env, &cfg, args, 1, "one user name")
	if err != nil {
		return err
	}
	// The check of a privileged grant, whatever the user's role: removing
	// a second factor is as sensitive as granting one.
	if reason, err = httpapi.CheckGrantReason(bonafide.RoleDPO, reason); err != nil {
		return usagef("--reason: %v", err)
	}
	a, u, err := openNamedUser(ctx, cfg, std, pos[0])
	if err != nil {
		return err
	}
	defer a.Close()
	if u.TOTPSecret == "" && !u.TOTPConfirmed {
		fmt.Fprintf(std.out, "%s has no second factor to reset.\n", u.Name)
		return nil
	}
	if err := a.record(ctx, "user.totp_reset", u.Name, httpapi.AuditWhy("second factor withdrawn from the command line", reason)); err != nil {
		return err
	}
	none, no := "", false
	if _, err := a.Users.UpdateUser(ctx, u.ID, bonafide.UserUpdate{TOTPSecret: &none, TOTPConfirmed: &no}); err != nil {
		return err
	}
	if u.TOTPConfirmed {
		fmt.Fprintf(std.out, "Withdrew the second factor of %s; their sessions have ended.\n", u.Name)
	} else {
		// an enrolment begun and not confirmed: no session passed it
		fmt.Fprintf(std.out, "Withdrew the unconfirmed second-factor enrolment of %s.\n", u.Name)
	}
	fmt.Fprint(std.out, secondFactorHint(u.Role))
	return nil
}
