package authhttp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/state"
)

type fixture struct {
	svc  *auth.Service
	srv  *httptest.Server
	now  time.Time
	hits int // requests that reached the protected handler
}

// newFixture serves Handler at /auth/ and, behind Middleware, a protected endpoint at /api
// that echoes the principal.
func newFixture(t *testing.T) *fixture { return newServer(t, auth.Options{}, false) }

// newServer is newFixture with service options (its clock and hashing cost are the
// fixture's), over TLS when tls is set.
func newServer(t *testing.T, o auth.Options, tls bool) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	box, err := secretbox.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	o.Now = func() time.Time { return f.now }
	o.Argon2 = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	f.svc, err = auth.New(context.Background(), db, box, o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", Handler(f.svc, Options{Now: func() time.Time { return f.now }}))
	mux.Handle("/api", Middleware(f.svc, AllowSession|AllowToken)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits++
		p, _ := auth.PrincipalFrom(r.Context())
		ri := auth.RequestFrom(r.Context())
		json.NewEncoder(w).Encode(map[string]string{"actor": p.Actor(), "via": p.Via, "ua": ri.UserAgent})
	})))
	mux.Handle("/tokens-only", Middleware(f.svc, AllowToken)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	if tls {
		f.srv = httptest.NewTLSServer(mux)
	} else {
		f.srv = httptest.NewServer(mux)
	}
	t.Cleanup(f.srv.Close)
	if _, _, err := f.svc.CreateUser(context.Background(), auth.NewUser{Email: "ada@example.com", GivenName: "Ada",
		Role: auth.RoleAnalyst, Password: "Ada-Lovelace-1815"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func do(t *testing.T, c *http.Client, method, url, body string, hdr map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "authhttp-test")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp, m
}

func TestSignInSessionAndCSRF(t *testing.T) {
	f := newFixture(t)
	c := client(t)
	resp, body := do(t, c, "POST", f.srv.URL+"/auth/sign-in", `{"email":"ADA@example.com","password":"Ada-Lovelace-1815"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in: %d %v", resp.StatusCode, body)
	}
	var ck *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == CookieName {
			ck = k
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.Path != "/" || ck.MaxAge != 7*24*3600 {
		t.Fatalf("cookie = %+v", ck)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("a sign-in answer may be cached")
	}
	csrf, _ := body["csrfToken"].(string)
	if csrf == "" || body["user"].(map[string]any)["email"] != "ada@example.com" || len(body["permissions"].([]any)) == 0 {
		t.Fatalf("sign-in body = %v", body)
	}
	if strings.Contains(resp.Header.Get("Set-Cookie"), csrf) {
		t.Fatal("the CSRF token is the cookie")
	}

	// Reads need only the cookie.
	if resp, body := do(t, c, "GET", f.srv.URL+"/api", "", nil); resp.StatusCode != 200 || body["actor"] != "ada@example.com" || body["ua"] != "authhttp-test" {
		t.Fatalf("GET /api: %d %v", resp.StatusCode, body)
	}
	// A mutating request without the CSRF header is refused before the handler runs.
	hits := f.hits
	resp, body = do(t, c, "POST", f.srv.URL+"/api", `{}`, nil)
	if resp.StatusCode != 403 || body["error"] != "csrf" || f.hits != hits {
		t.Fatalf("POST /api without CSRF: %d %v (handler ran: %v)", resp.StatusCode, body, f.hits != hits)
	}
	resp, _ = do(t, c, "POST", f.srv.URL+"/api", `{}`, map[string]string{CSRFHeader: csrf + "x"})
	if resp.StatusCode != 403 {
		t.Fatalf("POST /api with a wrong CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := do(t, c, "POST", f.srv.URL+"/api", `{}`, map[string]string{CSRFHeader: csrf}); resp.StatusCode != 200 {
		t.Fatalf("POST /api with the CSRF token: %d", resp.StatusCode)
	}
	// GET /auth/session gives a reloaded console its CSRF token back.
	resp, body = do(t, c, "GET", f.srv.URL+"/auth/session", "", nil)
	if resp.StatusCode != 200 || body["csrfToken"] != csrf {
		t.Fatalf("GET /auth/session: %d %v", resp.StatusCode, body)
	}
	// Sign-out needs the CSRF token too, then ends the session.
	if resp, _ := do(t, c, "POST", f.srv.URL+"/auth/sign-out", "", nil); resp.StatusCode != 403 {
		t.Fatalf("sign-out without CSRF: %d", resp.StatusCode)
	}
	u, _ := neturl.Parse(f.srv.URL)
	old := c.Jar.Cookies(u)
	if resp, _ := do(t, c, "POST", f.srv.URL+"/auth/sign-out", "", map[string]string{CSRFHeader: csrf}); resp.StatusCode != 204 {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	if len(c.Jar.Cookies(u)) != 0 {
		t.Error("sign-out left the cookie")
	}
	// The old cookie, replayed, is dead.
	replay := &http.Client{}
	req, _ := http.NewRequest("GET", f.srv.URL+"/api", nil)
	req.AddCookie(old[0])
	r2, err := replay.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 401 {
		t.Fatalf("the signed-out cookie: %d", r2.StatusCode)
	}
}

func TestAPIKey(t *testing.T) {
	f := newFixture(t)
	_, secret, err := f.svc.CreateToken(context.Background(), auth.NewToken{Name: "ci", Role: auth.RoleReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{}
	// Tokens need no CSRF token: they are not sent by browsers on their own.
	if resp, body := do(t, c, "POST", f.srv.URL+"/api", `{}`, map[string]string{APIKeyHeader: secret}); resp.StatusCode != 200 || body["actor"] != "token ci" {
		t.Fatalf("POST with an API key: %d %v", resp.StatusCode, body)
	}
	if resp, body := do(t, c, "GET", f.srv.URL+"/api", "", map[string]string{APIKeyHeader: "pat_nonsense"}); resp.StatusCode != 401 || body["error"] != "unauthenticated" {
		t.Fatalf("a bad API key: %d %v", resp.StatusCode, body)
	}
	if resp, body := do(t, c, "GET", f.srv.URL+"/api", "", nil); resp.StatusCode != 401 || !strings.Contains(body["message"].(string), "X-API-Key") {
		t.Fatalf("no credentials: %d %v", resp.StatusCode, body)
	}
	// An endpoint for tokens only ignores the console cookie.
	s := client(t)
	do(t, s, "POST", f.srv.URL+"/auth/sign-in", `{"email":"ada@example.com","password":"Ada-Lovelace-1815"}`, nil)
	if resp, _ := do(t, s, "GET", f.srv.URL+"/tokens-only", "", nil); resp.StatusCode != 401 {
		t.Fatalf("a session on a tokens-only endpoint: %d", resp.StatusCode)
	}
}

func TestSignInErrors(t *testing.T) {
	f := newFixture(t)
	c := client(t)
	resp, body := do(t, c, "POST", f.srv.URL+"/auth/sign-in", `{"email":"ada@example.com","password":"nope-Nope-123"}`, nil)
	if resp.StatusCode != 401 || body["error"] != "invalid_credentials" {
		t.Fatalf("wrong password: %d %v", resp.StatusCode, body)
	}
	for range 5 {
		do(t, c, "POST", f.srv.URL+"/auth/sign-in", `{"email":"ada@example.com","password":"nope-Nope-123"}`, nil)
	}
	resp, body = do(t, c, "POST", f.srv.URL+"/auth/sign-in", `{"email":"ada@example.com","password":"Ada-Lovelace-1815"}`, nil)
	if resp.StatusCode != 429 || body["error"] != "rate_limited" || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("blocked: %d %v Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// A plain HTML form (another site's) cannot post here.
	req, _ := http.NewRequest("POST", f.srv.URL+"/auth/sign-in", strings.NewReader("email=a&password=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 400 {
		t.Fatalf("a form post: %d", r2.StatusCode)
	}
	if resp, body := do(t, c, "POST", f.srv.URL+"/auth/sign-in", `{"email":"a","pasword":"x"}`, nil); resp.StatusCode != 400 || body["error"] != "bad_request" {
		t.Fatalf("an unknown field: %d %v", resp.StatusCode, body)
	}
	if resp, body := do(t, c, "GET", f.srv.URL+"/auth/session", "", nil); resp.StatusCode != 401 || body["error"] != "unauthenticated" {
		t.Fatalf("session without a cookie: %d %v", resp.StatusCode, body)
	}
}

func TestOneTimePasswordAndEnrollmentOverHTTP(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, otp, err := f.svc.CreateUser(ctx, auth.NewUser{Email: "grace@example.com", Role: auth.RoleReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.UpdateSettings(ctx, auth.Settings{RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	creds := `{"email":"grace@example.com","password":"` + otp + `"}`
	if resp, body := do(t, c, "POST", f.srv.URL+"/auth/sign-in", creds, nil); resp.StatusCode != 401 || body["error"] != "password_change_required" {
		t.Fatalf("one-time password: %d %v", resp.StatusCode, body)
	}
	change := `{"email":"grace@example.com","password":"` + otp + `","newPassword":"Grace-Hopper-1906"}`
	if resp, body := do(t, c, "POST", f.srv.URL+"/auth/change-password", change, nil); resp.StatusCode != 401 || body["error"] != "mfa_enrollment_required" {
		t.Fatalf("change without MFA: %d %v", resp.StatusCode, body)
	}
	resp, body := do(t, c, "POST", f.srv.URL+"/auth/mfa/enroll", creds, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(body["url"].(string), "otpauth://totp/") {
		t.Fatalf("enroll: %d %v", resp.StatusCode, body)
	}
	code := auth.TOTPCode(body["secret"].(string), f.now)
	change = `{"email":"grace@example.com","password":"` + otp + `","newPassword":"Grace-Hopper-1906","code":"` + code + `"}`
	resp, body = do(t, c, "POST", f.srv.URL+"/auth/change-password", change, nil)
	if resp.StatusCode != 200 || body["user"].(map[string]any)["id"] != u.ID || body["user"].(map[string]any)["mfaEnabled"] != true {
		t.Fatalf("change with the new authenticator: %d %v", resp.StatusCode, body)
	}
}

// TestSecureCookie: the session cookie is Secure over TLS, and over plain HTTP when the
// service is told a TLS proxy is in front (auth.secure_cookies, or an https:// url).
func TestSecureCookie(t *testing.T) {
	for _, c := range []struct {
		name   string
		o      auth.Options
		tls    bool
		secure bool
	}{
		{"plain HTTP", auth.Options{}, false, false},
		{"TLS", auth.Options{}, true, true},
		{"behind a TLS proxy", auth.Options{SecureCookies: true}, false, true},
	} {
		f := newServer(t, c.o, c.tls)
		cl := f.srv.Client()
		resp, body := do(t, cl, "POST", f.srv.URL+"/auth/sign-in", `{"email":"ada@example.com","password":"Ada-Lovelace-1815"}`, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: sign-in: %d %v", c.name, resp.StatusCode, body)
		}
		var ck *http.Cookie
		for _, k := range resp.Cookies() {
			if k.Name == CookieName {
				ck = k
			}
		}
		if ck == nil || ck.Secure != c.secure || !ck.HttpOnly {
			t.Errorf("%s: cookie %+v, want Secure=%v", c.name, ck, c.secure)
		}
		csrf, _ := body["csrfToken"].(string)
		req, _ := http.NewRequest("POST", f.srv.URL+"/auth/sign-out", nil)
		req.AddCookie(ck)
		req.Header.Set(CSRFHeader, csrf)
		out, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out.Body.Close()
		for _, k := range out.Cookies() {
			if k.Name == CookieName && (k.Secure != c.secure || k.MaxAge >= 0) {
				t.Errorf("%s: the sign-out cookie %+v", c.name, k)
			}
		}
	}
}
