package access

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"unicode"

	"github.com/pantherlabs/panther/internal/auth"
)

// Audit records one audit entry per mutating call (GraphQL mutation or REST write), whatever
// its outcome. Entries name the operation and its target and list the scalar arguments,
// never a secret: arguments whose names say they hold one, and bulky ones (a base64 zip, a
// Python body, a destination's configuration), are left out.
type Audit struct {
	to  Auditor
	log *slog.Logger
}

// NewAudit returns an Audit writing to a; a nil a records nothing.
func NewAudit(a Auditor, log *slog.Logger) *Audit {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Audit{to: a, log: log}
}

// omitted arguments: secrets, and values too big for an audit line.
var omitted = map[string]bool{
	"password": true, "currentpassword": true, "newpassword": true, "temporarypassword": true,
	"token": true, "value": true, "secret": true, "apikey": true, "code": true, "totp": true,
	"data": true, "body": true, "pythonbody": true, "spec": true, "outputconfig": true, "settings": true,
	"yaml": true, "samples": true, "tests": true, "sql": true, "detection": true, "inlinefilters": true,
	"authbearertoken": true, "authpassword": true, "authsecretvalue": true,
}

// targetKeys are the arguments that name what an operation acts on, most specific first.
var targetKeys = []string{"id", "ids", "alertId", "receiptId", "outputId", "outputIds", "name", "names", "email"}

// GraphQL records a mutation.
func (a *Audit) GraphQL(ctx context.Context, op string, args map[string]any, err error) {
	if a == nil || a.to == nil {
		return
	}
	flat := map[string]any{}
	for k, v := range args {
		if in, ok := v.(map[string]any); ok && k == "input" {
			for ik, iv := range in {
				flat[ik] = iv
			}
			continue
		}
		flat[k] = v
	}
	a.record(ctx, "graphql."+op, flat, err == nil)
}

// REST records a REST write: name is the route's operation name, params its path parameters
// and query, body its decoded JSON body (may be nil).
func (a *Audit) REST(ctx context.Context, name string, params map[string]any, ok bool) {
	if a == nil || a.to == nil {
		return
	}
	a.record(ctx, "rest."+name, params, ok)
}

func (a *Audit) record(ctx context.Context, action string, args map[string]any, ok bool) {
	e := auth.AuditEntry{Action: action, Result: auth.ResultSuccess}
	if !ok {
		e.Result = auth.ResultFailure
	}
	if p, found := auth.PrincipalFrom(ctx); found {
		e.ActorType = p.Via
		e.ActorID = p.UserID
		if p.TokenID != "" {
			e.ActorID = p.TokenID
		}
		e.ActorName = p.Actor()
	}
	for _, k := range targetKeys {
		if v, found := args[k]; found && v != nil {
			e.TargetType = targetType(action)
			e.TargetID = scalarText(v)
			break
		}
	}
	e.Summary = summarize(args)
	if err := a.to.Audit(ctx, e); err != nil {
		a.log.Error("api: writing an audit entry", "action", action, "err", err)
	}
}

// targetType guesses the kind of target from the operation name ("graphql.updateAlertStatusById"
// -> "alert").
func targetType(action string) string {
	op := strings.ToLower(action[strings.IndexByte(action, '.')+1:])
	for _, k := range []string{"alert", "detection", "rule", "policy", "global", "datamodel", "pack", "query", "source", "schema", "destination", "user", "role", "token", "setting"} {
		if strings.Contains(op, k) {
			return k
		}
	}
	return ""
}

// summarize lists the scalar arguments, sorted, as compact JSON, leaving out secrets.
func summarize(args map[string]any) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]any{}
	for _, k := range keys {
		if omitted[strings.ToLower(strings.Map(dropPunct, k))] {
			continue
		}
		if v, ok := scalarish(args[k]); ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return ""
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func dropPunct(r rune) rune {
	if r == '_' || r == '-' || unicode.IsSpace(r) {
		return -1
	}
	return r
}

// scalarish keeps scalars and lists of scalars, at most 50 of them.
func scalarish(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case string:
		if len(x) > 200 {
			return x[:200] + "...", true
		}
		return x, true
	case bool, int, int32, int64, float64, json.Number:
		return x, true
	case []any:
		var out []any
		for _, e := range x {
			if s, ok := scalarish(e); ok {
				out = append(out, s)
			}
			if len(out) == 50 {
				break
			}
		}
		return out, len(out) > 0
	case []string:
		if len(x) > 50 {
			x = x[:50]
		}
		return x, len(x) > 0
	case interface{ String() string }:
		return x.String(), true
	}
	return nil, false
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, scalarText(e))
		}
		return strings.Join(parts, ",")
	case []string:
		return strings.Join(x, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}
