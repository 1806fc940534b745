package main

import (
	"context"
	"fmt"

	"bonafide"
	"bonafide/account"
	"bonafide/auth"
)

// runUserResetPassword gives a user who has forgotten their password a new
// one (read from --password-file, or generated and printed once). Their
// sessions end. A privileged user's reset (data protection officer,
// administrator) needs a written reason, as granting the role does; every
// reset is audited before it is made.
func runUserResetPassword(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "reset-password", "NAME", "Gives user NAME a new password, from --password-file ("+passwordRule()+") or generated and printed once; their sessions end. "+
		"Resetting the password of a "+reasonRoles()+" needs --reason ("+reasonRule()+"), kept in the audit log; an intake_client has no password. "+userAudited+" "+userExisting)
	var pwFile, reason string
	uc.fs.StringVar(&pwFile, "password-file", "", "file holding the new password ('-' for stdin; "+passwordRule()+"); default: generate one and print it once")
	uc.fs.StringVar(&reason, "reason", "", fmt.Sprintf("why, kept in the audit log; required for %s (%s)", reasonRoles(), reasonRule()))
	pos, err := uc.parse(args, exactly(1, "one user name"))
	if err != nil {
		return err
	}
	pw := ""
	if pwFile != "" {
		if pw, err = readPasswordFile(pwFile, std); err != nil {
			return err
		}
	}
	a, acc, u, err := uc.openUser(ctx, pos[0])
	if err != nil {
		return err
	}
	defer a.finish(&err)
	// Mistakes in the command line are usage errors, before anything is
	// asked of the account service (which checks the same).
	if u.Role == bonafide.RoleIntakeMachine {
		return usagef("%s is an intake_client: it has no password; revoke its token and make another with 'bonafide user token'", u.Name)
	}
	if _, err = account.CheckGrantReason(u.Role, reason); err != nil {
		return usagef("--reason: %v", err)
	}
	if pw != "" {
		if err := auth.CheckPasswordPolicy(pw); err != nil {
			return usagef("%v", err)
		}
	}
	_, generated, err := acc.ResetPassword(ctx, cliActor(), u.ID, pw, reason)
	if err != nil {
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
func runUserResetTOTP(ctx context.Context, args []string, std stdio) (err error) {
	uc := newUserCommand(std, "reset-totp", "NAME", "Withdraws the second factor of user NAME (a lost or replaced phone), or an enrolment begun and not confirmed; always needs --reason ("+reasonRule()+"), kept in the audit log. "+
		"Withdrawing a confirmed second factor ends their sessions; a "+reasonRoles()+" must enrol a new one at their next login. "+userAudited+" "+userExisting)
	var reason string
	uc.fs.StringVar(&reason, "reason", "", "why (the phone was lost, say), kept in the audit log; required, whatever the role ("+reasonRule()+")")
	pos, err := uc.parse(args, exactly(1, "one user name"))
	if err != nil {
		return err
	}
	// The check of a privileged grant, whatever the user's role: removing
	// a second factor is as sensitive as granting one.
	if _, err = account.CheckGrantReason(bonafide.RoleDPO, reason); err != nil {
		return usagef("--reason: %v", err)
	}
	a, acc, u, err := uc.openUser(ctx, pos[0])
	if err != nil {
		return err
	}
	defer a.finish(&err)
	u, withdrawn, err := acc.ResetTOTP(ctx, cliActor(), u.ID, reason)
	switch {
	case err != nil:
		return err
	case !withdrawn:
		fmt.Fprintf(std.out, "%s has no second factor to reset.\n", u.Name)
		return nil
	case u.TOTPConfirmed:
		fmt.Fprintf(std.out, "Withdrew the second factor of %s; their sessions have ended.\n", u.Name)
	default:
		// an enrolment begun and not confirmed: no session passed it
		fmt.Fprintf(std.out, "Withdrew the unconfirmed second-factor enrolment of %s.\n", u.Name)
	}
	fmt.Fprint(std.out, secondFactorHint(u.Role))
	return nil
}
