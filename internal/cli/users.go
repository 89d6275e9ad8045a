package cli

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/state"
)

// authState is the auth service on a data dir's state database, acting as the local
// administrator (whoever runs panther on the data dir).
type authState struct {
	db  *sql.DB
	svc *auth.Service
	ctx context.Context // carries the CLI principal, for the audit log
}

func openAuth(ctx context.Context, dataDir string) (*authState, error) {
	db, err := state.Open(state.Path(dataDir))
	if err != nil {
		return nil, err
	}
	box, err := secretbox.OpenDir(dataDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	svc, err := auth.New(ctx, db, box, auth.Options{})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &authState{db: db, svc: svc, ctx: auth.WithPrincipal(ctx, auth.CLI(osUser()))}, nil
}

func (a *authState) Close() error { return a.db.Close() }

// osUser names the person running the command in the audit log.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// splitName reads "Given Family" (the family name is everything after the first space).
func splitName(n string) (given, family string) {
	given, family, _ = strings.Cut(strings.TrimSpace(n), " ")
	return given, strings.TrimSpace(family)
}

// readSecretLine reads one line (a password) from r.
func readSecretLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

type userJSON struct {
	auth.User
	OneTimePassword string `json:"oneTimePassword,omitempty"`
}

func usersAdd(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "users add", "users add [--data-dir D] --email E --role Admin|Analyst|ReadOnly [--name \"GIVEN FAMILY\"] [--password-stdin] [--format table|json]").withDataDir()
	email := f.String("email", "", "the user's e-mail (their sign-in name)")
	roleArg := f.String("role", "", "Admin, Analyst or ReadOnly")
	name := f.String("name", "", "the user's name, given name first")
	stdinPW := f.Bool("password-stdin", false, "read the user's password from standard input (default: print a one-time password they change at first sign-in)")
	format := f.String("format", "table", "table or json")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	if *email == "" || *roleArg == "" {
		fmt.Fprintln(env.Stderr, "panther users add: --email and --role are required")
		f.Usage()
		return ExitUsage
	}
	role, err := auth.ParseRole(*roleArg)
	if err != nil {
		return errorf(env, "users add: --role: %v", err)
	}
	nu := auth.NewUser{Email: *email, Role: role}
	nu.GivenName, nu.FamilyName = splitName(*name)
	if *stdinPW {
		if nu.Password, err = readSecretLine(env.Stdin); err != nil {
			return errorf(env, "users add: --password-stdin: %v", err)
		}
	}
	a, err := openAuth(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "users: %v", err)
	}
	defer a.Close()
	u, otp, err := a.svc.CreateUser(a.ctx, nu)
	if err != nil {
		return errorf(env, "users add: %v", err)
	}
	if *format == "json" {
		return printJSON(env, "users add", userJSON{User: u, OneTimePassword: otp})
	}
	fmt.Fprintf(env.Stdout, "added user %s (%s) as %s\n", u.Email, u.ID, u.Role)
	if otp != "" {
		fmt.Fprintf(env.Stdout, "one-time password: %s\n(shown once; they choose a new password at their first sign-in)\n", otp)
	}
	return ExitOK
}

func usersList(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "users list", "users list [--data-dir D] [--contains TEXT] [--role R] [--format table|json]").withDataDir()
	contains := f.String("contains", "", "only users whose e-mail or name contains this")
	roleArg := f.String("role", "", "only users with this role")
	format := f.String("format", "table", "table or json")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	filter := auth.UserFilter{Contains: *contains}
	if *roleArg != "" {
		r, err := auth.ParseRole(*roleArg)
		if err != nil {
			return errorf(env, "users list: --role: %v", err)
		}
		filter.Role = r
	}
	a, err := openAuth(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "users: %v", err)
	}
	defer a.Close()
	users, err := a.svc.ListUsers(a.ctx, filter)
	if err != nil {
		return errorf(env, "users list: %v", err)
	}
	if *format == "json" {
		if users == nil {
			users = []auth.User{}
		}
		return printJSON(env, "users list", users)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tENABLED\tMFA\tLAST SIGN-IN")
	for _, u := range users {
		last := "never"
		if u.LastSignInAt != nil {
			last = u.LastSignInAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%v\t%s\n", u.ID, u.Email, u.Name(), u.Role, u.Status, u.Enabled, u.MFAEnabled, last)
	}
	tw.Flush()
	return ExitOK
}

func usersUpdate(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "users update", "users update [--data-dir D] EMAIL|ID [--role R] [--name N] [--email E] [--enabled=true|false]").withDataDir()
	roleArg := f.String("role", "", "new role: Admin, Analyst or ReadOnly")
	name := f.String("name", "", "new name, given name first")
	email := f.String("email", "", "new e-mail")
	enabled := f.String("enabled", "", "true to enable, false to disable (a disabled user cannot sign in; their sessions end)")
	key, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	var up auth.UserUpdate
	if *roleArg != "" {
		r, err := auth.ParseRole(*roleArg)
		if err != nil {
			return errorf(env, "users update: --role: %v", err)
		}
		up.Role = &r
	}
	if *name != "" {
		g, fam := splitName(*name)
		up.GivenName, up.FamilyName = &g, &fam
	}
	if *email != "" {
		up.Email = email
	}
	switch *enabled {
	case "":
	case "true", "false":
		v := *enabled == "true"
		up.Enabled = &v
	default:
		return errorf(env, "users update: --enabled must be true or false, not %q", *enabled)
	}
	return onUser(ctx, env, f, key, func(a *authState, u auth.User) error {
		u, err := a.svc.UpdateUser(a.ctx, u.ID, up)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "updated user %s: %s, %s, enabled %v\n", u.Email, u.Name(), u.Role, u.Enabled)
		return nil
	})
}

// onUser opens the data dir's auth service, finds the user key names (an e-mail or an id)
// and calls fn; fn's error is the command's.
func onUser(ctx context.Context, env *Env, f *flags, key string, fn func(a *authState, u auth.User) error) int {
	a, err := openAuth(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "users: %v", err)
	}
	defer a.Close()
	u, err := a.svc.FindUser(a.ctx, key)
	if err == nil {
		err = fn(a, u)
	}
	if err != nil {
		return errorf(env, "%s: %v", f.Name(), err)
	}
	return ExitOK
}

func usersRemove(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "users remove", "users remove [--data-dir D] EMAIL|ID").withDataDir()
	key, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	return onUser(ctx, env, f, key, func(a *authState, u auth.User) error {
		if err := a.svc.DeleteUser(a.ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "removed user %s (%s); their sessions ended\n", u.Email, u.ID)
		return nil
	})
}

func usersResetPassword(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "users reset-password", "users reset-password [--data-dir D] EMAIL|ID [--format table|json]").withDataDir()
	format := f.String("format", "table", "table or json")
	key, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	return onUser(ctx, env, f, key, func(a *authState, u auth.User) error {
		otp, err := a.svc.ResetPassword(a.ctx, u.ID)
		if err != nil {
			return err
		}
		if *format == "json" {
			u.Status = auth.StatusForceChangePassword
			if printJSON(env, "users reset-password", userJSON{User: u, OneTimePassword: otp}) != ExitOK {
				return errors.New("writing the answer failed")
			}
			return nil
		}
		fmt.Fprintf(env.Stdout, "one-time password for %s: %s\n(shown once; their sessions ended and they choose a new password at the next sign-in)\n", u.Email, otp)
		return nil
	})
}

func usersResetMFA(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "users reset-mfa", "users reset-mfa [--data-dir D] EMAIL|ID").withDataDir()
	key, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	return onUser(ctx, env, f, key, func(a *authState, u auth.User) error {
		if err := a.svc.ResetMFA(a.ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "removed the authenticator of %s; they sign in with their password (and set up a new authenticator if MFA is required)\n", u.Email)
		return nil
	})
}

func printJSON(env *Env, cmd string, v any) int {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return errorf(env, "%s: %v", cmd, err)
	}
	return ExitOK
}
