package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/api"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/pantherlabs/panther/internal/api/access"
	"github.com/pantherlabs/panther/internal/auth"
)

// callDocument builds a valid document calling one root operation, with placeholder values
// for its required arguments (so that the call passes GraphQL validation and reaches the
// permission check) and __typename as its selection.
func callDocument(s *ast.Schema, op access.Operation) string {
	var args []string
	for _, a := range op.Def.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			args = append(args, a.Name+": "+placeholder(s, a.Type, 0))
		}
	}
	call := op.Name
	if len(args) > 0 {
		call += "(" + strings.Join(args, ", ") + ")"
	}
	if def := s.Types[op.Def.Type.Name()]; def != nil && def.Kind != ast.Scalar && def.Kind != ast.Enum {
		call += " { __typename }"
	}
	kind := "query"
	if op.Type == "Mutation" {
		kind = "mutation"
	}
	return kind + " { " + call + " }"
}

// placeholder is a literal of a type: required input fields filled in, lists of one element.
func placeholder(s *ast.Schema, t *ast.Type, depth int) string {
	if t.Elem != nil {
		return "[" + placeholder(s, t.Elem, depth) + "]"
	}
	def := s.Types[t.NamedType]
	switch {
	case def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def.Kind == ast.InputObject:
		var fields []string
		for _, f := range def.Fields {
			if f.Type.NonNull && f.DefaultValue == nil && depth < 5 {
				fields = append(fields, f.Name+": "+placeholder(s, f.Type, depth+1))
			}
		}
		return "{" + strings.Join(fields, ", ") + "}"
	}
	switch t.NamedType {
	case "Int", "Float", "Long":
		return "1"
	case "Boolean":
		return "false"
	case "DateTime", "Timestamp":
		return `"2024-01-01T00:00:00Z"`
	}
	return `"placeholder"`
}

// TestEveryOperationIsGuarded calls every root operation of the schema (enumerated from the
// parsed schema, so a new one cannot be missed): without credentials, with each role whose
// permissions lack the operation's, and with each role that has it.
func TestEveryOperationIsGuarded(t *testing.T) {
	s := newServer(t)
	schema, table, err := api.Schema()
	if err != nil {
		t.Fatal(err)
	}
	ops := access.Operations(schema, table)
	if len(ops) < 80 {
		t.Fatalf("only %d operations enumerated", len(ops))
	}
	// rotateAPIToken revokes the calling token: call it last.
	sort.SliceStable(ops, func(i, j int) bool { return ops[j].Name == "rotateAPIToken" && ops[i].Name != "rotateAPIToken" })
	denied, allowedCalls := 0, 0
	for _, op := range ops {
		doc := callDocument(schema, op)
		// No credentials at all, on both endpoints.
		for _, path := range []string{"/public/graphql", "/graphql"} {
			r := s.gqlAt(path, nil, doc, nil)
			if r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
				t.Errorf("%s %s without credentials: status %d code %q %s", path, op.Name, r.status, r.code(), r.messages())
			}
		}
		for _, role := range auth.Roles() {
			if op.Permission == access.Any || role.Can(op.Permission) {
				continue
			}
			r := s.gql(s.tokens[role], doc, nil)
			denied++
			if r.code() != "FORBIDDEN" || !strings.Contains(r.messages(), string(op.Permission)) {
				t.Errorf("%s as %s (lacks %s): code %q: %s", op.Name, role, op.Permission, r.code(), r.messages())
			}
		}
	}
	// The roles that have the permission get past the check (their calls fail, if they do, for
	// other reasons: placeholder IDs do not exist).
	for _, op := range ops {
		doc := callDocument(schema, op)
		for _, role := range auth.Roles() {
			if !(op.Permission == access.Any || role.Can(op.Permission)) {
				continue
			}
			if op.Name == "rotateAPIToken" && role != auth.RoleReadOnly {
				continue // keep the Admin and Analyst tokens
			}
			r := s.gql(s.tokens[role], doc, nil)
			allowedCalls++
			if c := r.code(); c == "FORBIDDEN" || c == "UNAUTHENTICATED" || c == "GRAPHQL_VALIDATION_FAILED" || r.status >= 500 {
				t.Errorf("%s as %s (has %s): status %d code %q: %s", op.Name, role, op.Permission, r.status, c, r.messages())
			}
		}
	}
	t.Logf("%d operations, %d refused calls, %d admitted calls", len(ops), denied, allowedCalls)

	// Every mutation call, refused or not, is in the audit log.
	page, err := s.deps.Auth.AuditLog(context.Background(), auth.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range page.Entries {
		seen[e.Action] = true
	}
	for _, op := range ops {
		if op.Type == "Mutation" && !seen["graphql."+op.Name] {
			t.Errorf("no audit entry for mutation %s", op.Name)
		}
	}
}

func TestEveryRootFieldDeclaresAKnownPermission(t *testing.T) {
	schema, table, err := api.Schema()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range access.Operations(schema, table) {
		if !access.Known(op.Permission) {
			t.Errorf("%s.%s: permission %q", op.Type, op.Name, op.Permission)
		}
	}
	// A schema with an operation that declares nothing is refused at start-up.
	bad := *schema
	q := *schema.Query
	q.Fields = append(append(ast.FieldList{}, q.Fields...), &ast.FieldDefinition{Name: "leak", Type: ast.NamedType("String", nil)})
	bad.Query = &q
	bad.Types = map[string]*ast.Definition{}
	for k, v := range schema.Types {
		bad.Types[k] = v
	}
	bad.Types["Query"] = &q
	if _, err := access.NewTable(&bad); err == nil || !strings.Contains(err.Error(), "Query.leak has no @access") {
		t.Errorf("NewTable accepted a field without @access: %v", err)
	}
}

func TestCSRFIsRequiredForConsoleSessions(t *testing.T) {
	s := newServer(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	const password = "Correct horse battery staple 42!"
	if _, _, err := s.deps.Auth.CreateUser(ctx, auth.NewUser{Email: "ana@example.com", Role: auth.RoleAnalyst, Password: password}); err != nil {
		t.Fatal(err)
	}
	sess, err := s.deps.Auth.SignIn(context.Background(), "ana@example.com", password, "", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cookie := access.SessionCookie + "=" + sess.Cookie
	// Without the CSRF header: refused, whatever the operation.
	r := s.gqlAt("/graphql", map[string]string{"Cookie": cookie}, "query { me { role { name } } }", nil)
	if r.status != http.StatusForbidden || r.code() != "FORBIDDEN" || !strings.Contains(r.messages(), "CSRF") {
		t.Errorf("no CSRF header: status %d code %q %s", r.status, r.code(), r.messages())
	}
	r = s.gqlAt("/graphql", map[string]string{"Cookie": cookie, access.CSRFHeader: "wrong"}, "query { me { role { name } } }", nil)
	if r.status != http.StatusForbidden {
		t.Errorf("wrong CSRF header: status %d", r.status)
	}
	r = s.gqlAt("/graphql", map[string]string{"Cookie": cookie, access.CSRFHeader: sess.CSRFToken}, "query { me { role { name } } user: me { user { email } } }", nil)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"Analyst"`) || !strings.Contains(string(r.Data), "ana@example.com") {
		t.Errorf("with the CSRF header: %s %s", r.Data, r.messages())
	}
	// The scripts' endpoint never takes a session.
	r = s.gqlAt("/public/graphql", map[string]string{"Cookie": cookie, access.CSRFHeader: sess.CSRFToken}, "query { me { role { name } } }", nil)
	if r.status != http.StatusUnauthorized {
		t.Errorf("/public/graphql with a session: status %d", r.status)
	}
}

func TestRevokedTokenIsRefusedAtOnce(t *testing.T) {
	s := newServer(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	tok, secret, err := s.deps.Auth.CreateToken(ctx, auth.NewToken{Name: "short-lived", Role: auth.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.gql(secret, patGetVersion, nil); len(r.Errors) > 0 {
		t.Fatalf("before revoking: %s", r.messages())
	}
	// Revoked through the API by another admin token, then used at once.
	r := s.gql(s.tokens[auth.RoleAdmin], `mutation($id: ID!) { deleteAPIToken(input: {id: $id}) { id } }`, map[string]any{"id": tok.ID})
	if len(r.Errors) > 0 {
		t.Fatal(r.messages())
	}
	r = s.gql(secret, patGetVersion, nil)
	if r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Errorf("revoked token: status %d code %q", r.status, r.code())
	}
}

func TestNoSecretReachesTheLogs(t *testing.T) {
	s := newServer(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	const password = "An unguessable passphrase 9!"
	if _, _, err := s.deps.Auth.CreateUser(ctx, auth.NewUser{Email: "bob@example.com", Role: auth.RoleAdmin, Password: password}); err != nil {
		t.Fatal(err)
	}
	// A failed and a good sign-in, token creation through the API, calls with bad and good
	// keys, a password change.
	s.post("/auth/sign-in", nil, map[string]string{"email": "bob@example.com", "password": "wrong password 123"})
	status, body := s.post("/auth/sign-in", nil, map[string]string{"email": "bob@example.com", "password": password})
	if status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", status, body)
	}
	var created struct {
		CreateAPIToken struct{ Token struct{ Value string } }
	}
	s.admin(`mutation { createAPIToken(input: {name: "ci", role: "ReadOnly"}) { token { value } } }`, nil, &created)
	newKey := created.CreateAPIToken.Token.Value
	if !strings.HasPrefix(newKey, auth.TokenPrefix) {
		t.Fatalf("token value %q", newKey)
	}
	s.gql(newKey, patGetVersion, nil)
	s.gql(newKey+"x", patGetVersion, nil)
	s.gql(s.tokens[auth.RoleAdmin], `mutation { inviteUser(input: {email: "carl@example.com", givenName: "C", familyName: "D", role: {kind: NAME, value: "Analyst"}}) { temporaryPassword } }`, nil)

	logs := s.logs.String()
	secrets := []string{password, "wrong password 123", newKey}
	for _, k := range s.tokens {
		secrets = append(secrets, k)
	}
	for _, sec := range secrets {
		if strings.Contains(logs, sec) {
			t.Errorf("a secret reached the logs: %q", sec[:6]+"...")
		}
	}
	// The failed sign-in is in the audit log, with the address it came from.
	page, err := s.deps.Auth.AuditLog(context.Background(), auth.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var failed bool
	for _, e := range page.Entries {
		if strings.Contains(e.Action, "sign_in") && e.Result == auth.ResultFailure && e.ActorName == "bob@example.com" && e.RemoteAddr != "" {
			failed = true
		}
		for _, sec := range secrets {
			if strings.Contains(fmt.Sprint(e), sec) {
				t.Errorf("a secret reached the audit log in %s", e.Action)
			}
		}
	}
	if !failed {
		t.Errorf("no failed sign-in in the audit log: %+v", page.Entries)
	}
}

func TestSelfServiceMFA(t *testing.T) {
	s := newServer(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	const password = "Correct horse battery staple 42!"
	u, _, err := s.deps.Auth.CreateUser(ctx, auth.NewUser{Email: "mia@example.com", Role: auth.RoleReadOnly, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.deps.Auth.SignIn(context.Background(), "mia@example.com", password, "", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Cookie": access.SessionCookie + "=" + sess.Cookie, access.CSRFHeader: sess.CSRFToken}
	r := s.gqlAt("/graphql", h, `mutation { beginMFA { secret url } }`, nil)
	var begun struct{ BeginMFA struct{ Secret, URL string } }
	if err := json.Unmarshal(r.Data, &begun); err != nil || len(r.Errors) > 0 || !strings.HasPrefix(begun.BeginMFA.URL, "otpauth://") {
		t.Fatalf("beginMFA: %s %s", r.Data, r.messages())
	}
	r = s.gqlAt("/graphql", h, `mutation { confirmMFA(input: {code: "000000"}) { user { mfaEnabled } } }`, nil)
	if r.code() == "" {
		t.Error("a wrong code was accepted")
	}
	code := auth.TOTPCode(begun.BeginMFA.Secret, time.Now())
	r = s.gqlAt("/graphql", h, `mutation($c: String!) { confirmMFA(input: {code: $c}) { user { mfaEnabled } } }`, map[string]any{"c": code})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"mfaEnabled":true`) {
		t.Fatalf("confirmMFA: %s %s", r.Data, r.messages())
	}
	// Signing in now needs the code.
	if _, err := s.deps.Auth.SignIn(context.Background(), "mia@example.com", password, "", "127.0.0.1"); !errors.Is(err, auth.ErrMFARequired) {
		t.Errorf("sign-in without a code: %v", err)
	}
	// An admin resets it and ends the user's sessions.
	r = s.gql(s.tokens[auth.RoleAdmin], `mutation($id: ID!) { resetUserMFA(input: {id: $id}) { user { mfaEnabled } } revokeUserSessions(input: {id: $id}) { revoked } }`, map[string]any{"id": u.ID})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"mfaEnabled":false`) {
		t.Errorf("reset: %s %s", r.Data, r.messages())
	}
	if r := s.gqlAt("/graphql", h, `query { me { role { name } } }`, nil); r.status != http.StatusUnauthorized {
		t.Errorf("a revoked session still works: %d", r.status)
	}
}

func TestComplexityIsBounded(t *testing.T) {
	s := newServer(t)
	// Nesting that multiplies: alert -> comments -> entity -> comments -> ...
	q := "query { alerts(input: {pageSize: 1000}) { edges { node { id " + strings.Repeat("comments { entity { ... on Alert { id ", 12) + strings.Repeat("} } }", 12) + " } } } }"
	r := s.gql(s.tokens[auth.RoleAdmin], q, nil)
	if r.code() != "DEPTH_LIMIT_EXCEEDED" || !strings.Contains(r.messages(), "at most 16") {
		t.Errorf("deep query: %s (%s)", r.messages(), r.code())
	}
	// Many fields side by side hit the complexity limit.
	var b strings.Builder
	b.WriteString("query {")
	for i := range 6000 {
		fmt.Fprintf(&b, " f%d: generalSettings { pantherVersion }", i)
	}
	b.WriteString(" }")
	r = s.gql(s.tokens[auth.RoleAdmin], b.String(), nil)
	if r.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("wide query: %.200s (%s)", r.messages(), r.code())
	}
}
