package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/api"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/settings"
	"github.com/pantherlabs/panther/internal/state"
)

// server is an API on a fresh data dir, with one token per role.
type server struct {
	t       testing.TB
	url     string
	dataDir string
	deps    api.Deps
	tokens  map[auth.Role]string
	logs    *syncBuffer
}

// syncBuffer collects log output from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// option adjusts the services; dir is the data dir.
type option func(d *api.Deps, dir string)

func newServer(t testing.TB, opts ...option) *server {
	t.Helper()
	dir := t.TempDir()
	db, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	return newServerDB(t, db, dir, opts...)
}

// newServerDB is newServer on the state database db of the data dir dir.
func newServerDB(t testing.TB, db *sql.DB, dir string, opts ...option) *server {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { db.Close() })
	box, err := secretbox.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := auth.New(ctx, db, box, auth.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := content.Open(ctx, db, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	schemas, err := content.OpenSchemas(ctx, db, filepath.Join(dir, "schemas"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := settings.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	al, err := alerts.Open(ctx, db, alerts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := api.Deps{Logger: log, Auth: svc, Content: cs, Schemas: schemas, Settings: st, Alerts: al, Version: "1.2.3-test",
		Tests: &content.Tester{Timeout: 20 * time.Second}}
	for _, o := range opts {
		o(&d, dir)
	}
	h, err := api.New(d)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	s := &server{t: t, url: ts.URL, dataDir: dir, deps: d, tokens: map[auth.Role]string{}, logs: logs}
	sys := auth.WithPrincipal(ctx, auth.System())
	for _, role := range auth.Roles() {
		_, secret, err := svc.CreateToken(sys, auth.NewToken{Name: "test " + string(role), Role: role})
		if err != nil {
			t.Fatal(err)
		}
		s.tokens[role] = secret
	}
	return s
}

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func (r *gqlResponse) messages() string {
	var m []string
	for _, e := range r.Errors {
		m = append(m, e.Message)
	}
	return strings.Join(m, "; ")
}

// post sends a request with the given headers and returns the status and body.
func (s *server) post(path string, headers map[string]string, body any) (int, []byte) {
	s.t.Helper()
	return s.do(http.MethodPost, path, headers, body)
}

func (s *server) do(method, path string, headers map[string]string, body any) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// gql sends a GraphQL request to /public/graphql with an API key.
func (s *server) gql(key, query string, vars map[string]any) *gqlResponse {
	s.t.Helper()
	return s.gqlAt("/public/graphql", map[string]string{"X-API-Key": key}, query, vars)
}

func (s *server) gqlAt(path string, headers map[string]string, query string, vars map[string]any) *gqlResponse {
	s.t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	status, out := s.post(path, headers, body)
	var r gqlResponse
	if err := json.Unmarshal(out, &r); err != nil {
		s.t.Fatalf("%s answered %d with %q: %v", path, status, out, err)
	}
	r.status = status
	return &r
}

// admin runs a query as the Admin token and fails on errors.
func (s *server) admin(query string, vars map[string]any, into any) {
	s.t.Helper()
	r := s.gql(s.tokens[auth.RoleAdmin], query, vars)
	if len(r.Errors) > 0 {
		s.t.Fatalf("query failed: %s\n%s", r.messages(), query)
	}
	if into != nil {
		if err := json.Unmarshal(r.Data, into); err != nil {
			s.t.Fatalf("decoding %s: %v", r.Data, err)
		}
	}
}
