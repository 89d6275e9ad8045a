package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/config"
	"github.com/pantherlabs/panther/internal/runtime"
)

// lockedBuffer is a bytes.Buffer the server's goroutines write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// authClient speaks to a running server's /auth/ and API endpoints.
type authClient struct {
	t   *testing.T
	url string
}

// call sends a JSON request with the given headers (and cookie), and decodes the answer.
func (c *authClient) call(method, path string, body any, cookie string, headers ...string) (*http.Response, map[string]any) {
	c.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, c.url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "auth-e2e-test")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "panther_session", Value: cookie})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

// signIn signs in (changing a one-time password when newPassword is set) and returns the
// session cookie and its CSRF token.
func (c *authClient) signIn(email, password, newPassword string) (cookie, csrf string) {
	c.t.Helper()
	resp, out := c.call("POST", "/auth/sign-in", map[string]any{"email": email, "password": password}, "")
	if newPassword != "" {
		if resp.StatusCode != 401 || out["error"] != "password_change_required" {
			c.t.Fatalf("sign-in with a one-time password: %d %v", resp.StatusCode, out)
		}
		resp, out = c.call("POST", "/auth/change-password", map[string]any{"email": email, "password": password, "newPassword": newPassword}, "")
	}
	if resp.StatusCode != 200 {
		c.t.Fatalf("sign-in of %s: %d %v", email, resp.StatusCode, out)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "panther_session" {
			// The server's url is https:// (a TLS proxy in front) and auth.session_max_age 2h.
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || !ck.Secure || ck.MaxAge > 7200 || ck.MaxAge < 7000 {
				c.t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Secure, Max-Age 2h", ck)
			}
			cookie = ck.Value
		}
	}
	csrf, _ = out["csrfToken"].(string)
	if cookie == "" || csrf == "" {
		c.t.Fatalf("sign-in of %s: no cookie or CSRF token: %v", email, out)
	}
	return cookie, csrf
}

// sql runs a data lake query through GraphQL with an API key and waits for it to end.
func (c *authClient) sql(key, query string) (status, message string, rows []map[string]any) {
	c.t.Helper()
	_, out := c.call("POST", "/public/graphql", map[string]any{
		"query":     `mutation($input: ExecuteDataLakeQueryInput!) { executeDataLakeQuery(input: $input) { id } }`,
		"variables": map[string]any{"input": map[string]any{"sql": query}},
	}, "", "X-API-Key", key)
	data, _ := out["data"].(map[string]any)
	exec, _ := data["executeDataLakeQuery"].(map[string]any)
	id, _ := exec["id"].(string)
	if id == "" {
		c.t.Fatalf("executeDataLakeQuery: %v", out)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, out := c.call("POST", "/public/graphql", map[string]any{
			"query":     `query($id: ID!) { dataLakeQuery(id: $id) { status message results(input: {pageSize: 100}) { edges { node } } } }`,
			"variables": map[string]any{"id": id},
		}, "", "X-API-Key", key)
		data, _ := out["data"].(map[string]any)
		q, _ := data["dataLakeQuery"].(map[string]any)
		if q == nil {
			c.t.Fatalf("dataLakeQuery: %v", out)
		}
		if q["status"] != "running" {
			status, _ = q["status"].(string)
			message, _ = q["message"].(string)
			if res, ok := q["results"].(map[string]any); ok {
				edges, _ := res["edges"].([]any)
				for _, e := range edges {
					rows = append(rows, e.(map[string]any)["node"].(map[string]any))
				}
			}
			return status, message, rows
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("query %s still running after 30s", id)
		}
		<-tick.C
	}
}

// graphql is a console call: the session cookie, and the CSRF header when csrf is set.
func (c *authClient) graphql(cookie, csrf, query string) int {
	c.t.Helper()
	var h []string
	if csrf != "" {
		h = []string{"X-CSRF-Token", csrf}
	}
	resp, out := c.call("POST", "/graphql", map[string]any{"query": query}, cookie, h...)
	if resp.StatusCode == 200 && out["errors"] != nil {
		c.t.Fatalf("%s: %v", query, out)
	}
	return resp.StatusCode
}

// TestAccessAgainstARunningServer: the first admin printed by `panther server` signs in
// through /auth/ and changes the one-time password; console calls need the session's CSRF
// token; `panther users` and `panther tokens`, run on the data dir while the server runs,
// apply at the server's next request (a new token works, a revoked one and a disabled user's
// session are refused at once); failed sign-ins are in panther_system.audit through the
// API's SQL, for an Admin only; and no secret of the session reaches the server's log, at
// debug level, or the commands' output beyond the one place each is shown.
func TestAccessAgainstARunningServer(t *testing.T) {
	dir := t.TempDir()
	c := config.Default()
	c.DataDir = dir
	c.Listen = "127.0.0.1:0"
	c.Log.Level = "debug"
	c.Python.Workers = 1
	c.URL = "https://panther.example.com"
	c.HTTP.TrustedProxies = "127.0.0.1"
	c.Auth.SessionIdleTimeout = config.Duration(time.Hour)
	c.Auth.SessionMaxAge = config.Duration(2 * time.Hour)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs, stdout := &lockedBuffer{}, &lockedBuffer{}
	srv, err := runtime.New(runtime.Options{Config: c, Listener: ln, Stdout: stdout, Stderr: logs})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	api := &authClient{t: t, url: "http://" + srv.Addr()}
	var secrets []string // every secret of the test, none of which may reach a log line

	// The first admin, as printed.
	_, rest, ok := strings.Cut(stdout.String(), "one-time password ")
	if !ok {
		t.Fatalf("no one-time password printed:\n%s", stdout.String())
	}
	otp, _, _ := strings.Cut(rest, " ")
	const adminPassword = "Tr0ub4dor&3-horse"
	secrets = append(secrets, otp, adminPassword)
	cookie, csrf := api.signIn("admin@panther.local", otp, adminPassword)
	secrets = append(secrets, cookie, csrf)
	if code := api.graphql(cookie, "", `{ generalSettings { pantherVersion } }`); code != 403 {
		t.Errorf("a console call without the CSRF header: %d, want 403", code)
	}
	if code := api.graphql(cookie, "not-the-token", `{ generalSettings { pantherVersion } }`); code != 403 {
		t.Errorf("a console call with a wrong CSRF header: %d, want 403", code)
	}
	if code := api.graphql(cookie, csrf, `{ generalSettings { pantherVersion } }`); code != 200 {
		t.Errorf("a console call with the CSRF header: %d, want 200", code)
	}
	// The one-time password is spent.
	if resp, out := api.call("POST", "/auth/sign-in", map[string]any{"email": "admin@panther.local", "password": otp}, ""); resp.StatusCode != 401 {
		t.Errorf("the spent one-time password: %d %v", resp.StatusCode, out)
	}

	// Failed sign-ins answer alike whether or not the account exists.
	const wrong = "Wrong-Password-99"
	secrets = append(secrets, wrong)
	r1, known := api.call("POST", "/auth/sign-in", map[string]any{"email": "admin@panther.local", "password": wrong}, "")
	// This one through a trusted proxy (http.trusted_proxies): the audit log has the client's address.
	r2, unknown := api.call("POST", "/auth/sign-in", map[string]any{"email": "mallory@example.com", "password": wrong}, "",
		"X-Forwarded-For", "192.0.2.66, 198.51.100.7")
	if r1.StatusCode != 401 || r2.StatusCode != 401 || known["message"] != unknown["message"] || known["error"] != unknown["error"] {
		t.Errorf("failed sign-ins differ: %d %v / %d %v", r1.StatusCode, known, r2.StatusCode, unknown)
	}

	// Tokens made by the command work at the server's next request.
	var ro, admin struct{ ID, Name, Role, Token string }
	for _, tk := range []struct {
		name, role string
		into       *struct{ ID, Name, Role, Token string }
	}{{"readonly-bot", "ReadOnly", &ro}, {"audit-bot", "Admin", &admin}} {
		out := mustRun(t, "", "tokens", "create", "--data-dir", dir, "--name", tk.name, "--role", tk.role, "--format", "json")
		if err := json.Unmarshal([]byte(out), tk.into); err != nil || !strings.HasPrefix(tk.into.Token, "pat_") || tk.into.Role != tk.role {
			t.Fatalf("tokens create: %v\n%s", err, out)
		}
		secrets = append(secrets, tk.into.Token)
	}
	if resp, out := api.call("POST", "/public/graphql", map[string]any{"query": `{ generalSettings { pantherVersion } }`}, "", "X-API-Key", ro.Token); resp.StatusCode != 200 || out["errors"] != nil {
		t.Fatalf("a token just made by the command: %d %v", resp.StatusCode, out)
	}

	// The audit log in SQL: the failed sign-ins, from where, for an Admin only.
	status, msg, rows := api.sql(admin.Token, `SELECT actor_name, remote_addr, user_agent FROM panther_system.audit
		WHERE action = 'auth.sign_in' AND result = 'failure' ORDER BY actor_name`)
	if status != "succeeded" || len(rows) != 4 {
		// The one-time password to change, the spent one, and the two wrong passwords.
		t.Fatalf("panther_system.audit as an Admin: %s %q %v", status, msg, rows)
	}
	if rows[0]["actor_name"] != "admin@panther.local" || rows[3]["actor_name"] != "mallory@example.com" ||
		!strings.HasPrefix(rows[0]["remote_addr"].(string), "127.0.0.1:") || rows[3]["remote_addr"] != "198.51.100.7" ||
		rows[3]["user_agent"] != "auth-e2e-test" {
		t.Errorf("the failed sign-ins in SQL: %v", rows)
	}
	status, _, rows = api.sql(admin.Token, `SELECT action, actor_type FROM panther_system.audit WHERE action = 'tokens.create'`)
	if status != "succeeded" || len(rows) != 2 || rows[0]["actor_type"] != "cli" {
		t.Errorf("the command's token creations in SQL: %s %v", status, rows)
	}
	if status, msg, _ := api.sql(ro.Token, `SELECT count(*) AS n FROM panther_system.audit`); status != "failed" || !strings.Contains(msg, "audit:read") {
		t.Errorf("panther_system.audit as ReadOnly: %s %q, want failed for audit:read", status, msg)
	}

	// A revoked token is refused at the next request.
	mustRun(t, "", "tokens", "revoke", "--data-dir", dir, "readonly-bot")
	if resp, out := api.call("POST", "/public/graphql", map[string]any{"query": `{ generalSettings { pantherVersion } }`}, "", "X-API-Key", ro.Token); resp.StatusCode != 401 {
		t.Errorf("a revoked token: %d %v, want 401", resp.StatusCode, out)
	}

	// A user added by the command signs in; disabling them ends their session at once.
	out := mustRun(t, "", "users", "add", "--data-dir", dir, "--email", "ana@example.com", "--name", "Ana Silva", "--role", "Analyst")
	_, rest, _ = strings.Cut(out, "one-time password: ")
	anaOTP := strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0])
	const anaPassword = "Ana-Silva-Password-7"
	anaCookie, anaCSRF := api.signIn("ana@example.com", anaOTP, anaPassword)
	secrets = append(secrets, anaOTP, anaPassword, anaCookie, anaCSRF)
	if code := api.graphql(anaCookie, anaCSRF, `{ alerts(input: {}) { edges { node { id } } } }`); code != 200 {
		t.Fatalf("an analyst's console call: %d", code)
	}
	mustRun(t, "", "users", "update", "--data-dir", dir, "--enabled=false", "ana@example.com")
	if code := api.graphql(anaCookie, anaCSRF, `{ alerts(input: {}) { edges { node { id } } } }`); code != 401 {
		t.Errorf("a disabled user's session: %d, want 401", code)
	}

	// Signing out needs the CSRF token and ends the session.
	if resp, _ := api.call("POST", "/auth/sign-out", nil, cookie); resp.StatusCode != 403 {
		t.Errorf("sign-out without the CSRF header: %d, want 403", resp.StatusCode)
	}
	if resp, _ := api.call("POST", "/auth/sign-out", nil, cookie, "X-CSRF-Token", csrf); resp.StatusCode != 204 {
		t.Errorf("sign-out: %d, want 204", resp.StatusCode)
	}
	if code := api.graphql(cookie, csrf, `{ generalSettings { pantherVersion } }`); code != 401 {
		t.Errorf("a signed-out session: %d, want 401", code)
	}

	// No secret in the server's log.
	log := logs.String()
	if !strings.Contains(log, "auth.sign_in") && !strings.Contains(log, "created the first admin") {
		t.Fatalf("the server log has no auth lines to check:\n%s", log)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("the server log holds a secret (%d characters)", len(s))
		}
	}
}
