package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/auth"
)

// parseExpiry reads an expiry: an RFC 3339 time, or a duration from now ("720h", "90d").
func parseExpiry(s string, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			t := now.Add(time.Duration(n) * 24 * time.Hour)
			return &t, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		t := now.Add(d)
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a time (RFC 3339) nor a duration (720h, 90d)", s)
	}
	return &t, nil
}

// tokenJSON is what `tokens create --format json` prints: the token's record and, once, its secret.
type tokenJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      auth.Role  `json:"role"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Token     string     `json:"token"`
}

func tokensCreate(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "tokens create", "tokens create [--data-dir D] --name N --role Admin|Analyst|ReadOnly [--expires 90d|RFC3339] [--format table|json]").withDataDir()
	name := f.String("name", "", "a name that says who uses the token")
	roleArg := f.String("role", "", "Admin, Analyst or ReadOnly")
	expires := f.String("expires", "", "when the token stops working: a duration from now (720h, 90d) or an RFC 3339 time (default never)")
	format := f.String("format", "table", "table or json")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	if *name == "" || *roleArg == "" {
		fmt.Fprintln(env.Stderr, "panther tokens create: --name and --role are required")
		f.Usage()
		return ExitUsage
	}
	role, err := auth.ParseRole(*roleArg)
	if err != nil {
		return errorf(env, "tokens create: --role: %v", err)
	}
	exp, err := parseExpiry(*expires, time.Now())
	if err != nil {
		return errorf(env, "tokens create: --expires: %v", err)
	}
	a, err := openAuth(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "tokens: %v", err)
	}
	defer a.Close()
	t, secret, err := a.svc.CreateToken(a.ctx, auth.NewToken{Name: *name, Role: role, ExpiresAt: exp})
	if err != nil {
		return errorf(env, "tokens create: %v", err)
	}
	if *format == "json" {
		return printJSON(env, "tokens create", tokenJSON{ID: t.ID, Name: t.Name, Role: t.Role, Prefix: t.Prefix,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Token: secret})
	}
	fmt.Fprintf(env.Stdout, "created API token %q (%s) with role %s\n%s\n(shown once: send it in the X-API-Key header)\n", t.Name, t.ID, t.Role, secret)
	return ExitOK
}

func tokensList(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "tokens list", "tokens list [--data-dir D] [--all] [--format table|json]").withDataDir()
	all := f.Bool("all", false, "include revoked tokens")
	format := f.String("format", "table", "table or json")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	a, err := openAuth(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "tokens: %v", err)
	}
	defer a.Close()
	list, err := a.svc.ListTokens(a.ctx, *all)
	if err != nil {
		return errorf(env, "tokens list: %v", err)
	}
	if *format == "json" {
		if list == nil {
			list = []auth.Token{}
		}
		return printJSON(env, "tokens list", list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tPREFIX\tCREATED\tBY\tLAST USED\tEXPIRES\tSTATE")
	now := time.Now()
	for _, t := range list {
		state := "active"
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + t.RevokedAt.Format(time.RFC3339)
		case !t.Active(now):
			state = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Prefix, t.CreatedAt.Format(time.RFC3339),
			t.CreatedBy, timeOr(t.LastUsedAt, "never"), timeOr(t.ExpiresAt, "never"), state)
	}
	tw.Flush()
	return ExitOK
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Format(time.RFC3339)
}

func tokensRevoke(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "tokens revoke", "tokens revoke [--data-dir D] ID|NAME").withDataDir()
	key, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	a, err := openAuth(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "tokens: %v", err)
	}
	defer a.Close()
	t, err := a.svc.FindToken(a.ctx, key)
	if err == nil {
		err = a.svc.RevokeToken(a.ctx, t.ID)
	}
	if err != nil {
		return errorf(env, "tokens revoke: %v", err)
	}
	fmt.Fprintf(env.Stdout, "revoked API token %q (%s); it is refused from now on\n", t.Name, t.ID)
	return ExitOK
}
