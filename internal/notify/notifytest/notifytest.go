// Package notifytest holds the shared helpers of destination tests: a fixed
// alert, a recording HTTP server, golden-file comparison, the retry
// classification table and the assertion that no secret leaks into errors
// or logs (after Alertmanager's AssertNotifyLeaksNoSecret).
package notifytest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/notify"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// Alert returns a RULE alert with every field set, the fixture of the
// golden files.
func Alert() *notify.Alert {
	return &notify.Alert{
		ID:          "0f4a8b3c2d1e0f9a8b7c6d5e4f3a2b1c",
		DetectionID: "AWS.CloudTrail.RootActivity",
		Type:        notify.TypeRule,
		Severity:    notify.SeverityHigh,
		Title:       "Root account used from 198.51.100.7",
		Name:        "Root Account Activity",
		Description: "The root account was used.\nRoot should be locked away.",
		Runbook:     "Call the on-call & check <CloudTrail>.",
		Reference:   "https://docs.example.com/root",
		Tags:        []string{"AWS", "Identity & Access Management"},
		AlertContext: map[string]any{
			"sourceIPAddress": "198.51.100.7",
			"eventNames":      []any{"ConsoleLogin", "CreateUser"},
			"count":           2,
		},
		CreatedAt:  time.Date(2026, 3, 14, 15, 9, 26, 535000000, time.UTC),
		Link:       "https://panther.example.com/log-analysis/alerts/0f4a8b3c2d1e0f9a8b7c6d5e4f3a2b1c",
		Version:    "v3",
		LogTypes:   []string{"AWS.CloudTrail"},
		EventCount: 4,
	}
}

// Request is one request received by a Server.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// Server is an httptest server that records every request and answers with
// a settable status and body.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []Request
	status   int
	body     string
	header   http.Header
}

// NewServer starts a recording server that answers 200 with an empty JSON
// object until told otherwise; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{status: http.StatusOK, body: "{}", header: http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	status, respBody := s.status, s.body
	for k, v := range s.header {
		w.Header()[k] = v
	}
	s.mu.Unlock()
	w.WriteHeader(status)
	_, _ = io.WriteString(w, respBody)
}

// Respond sets the status and body of the following answers.
func (s *Server) Respond(status int, body string, header ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
	for i := 0; i+1 < len(header); i += 2 {
		s.header.Set(header[i], header[i+1])
	}
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Only returns the single request received, failing the test otherwise.
func (s *Server) Only(t testing.TB) Request {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// CheckJSONRequest checks the method, path and JSON headers of r.
func CheckJSONRequest(t testing.TB, r Request, method, path string) {
	t.Helper()
	if r.Method != method {
		t.Errorf("method = %s, want %s", r.Method, method)
	}
	if r.Path != path {
		t.Errorf("path = %s, want %s", r.Path, path)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q, want application/json", got)
	}
}

// GoldenJSON compares the JSON document got, indented, with
// testdata/<name>; go test -update rewrites the file.
func GoldenJSON(t testing.TB, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("%s: body is not JSON: %v\n%s", name, err, got)
	}
	buf.WriteByte('\n')
	Golden(t, name, buf.Bytes())
}

// Golden compares got with testdata/<name>; go test -update rewrites it.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// BuildFunc builds the notifier under test so that it sends to baseURL.
type BuildFunc func(t testing.TB, baseURL string, opts notify.Options) notify.Notifier

// RetryCase is one row of the retry classification table.
type RetryCase struct {
	Name          string
	Status        int
	Body          string
	WantErr       bool
	WantRetryable bool
}

// HTTPRetryCases is the classification every HTTP destination follows.
var HTTPRetryCases = []RetryCase{
	{Name: "200", Status: 200, Body: `{"ok":true}`},
	{Name: "202", Status: 202, Body: `{}`},
	{Name: "204", Status: 204},
	{Name: "400", Status: 400, Body: `{"error":"bad request"}`, WantErr: true},
	{Name: "401", Status: 401, Body: `{"error":"unauthorized"}`, WantErr: true},
	{Name: "403", Status: 403, Body: `{"error":"forbidden"}`, WantErr: true},
	{Name: "404", Status: 404, Body: `not found`, WantErr: true},
	{Name: "429", Status: 429, Body: `slow down`, WantErr: true, WantRetryable: true},
	{Name: "500", Status: 500, Body: `oops`, WantErr: true, WantRetryable: true},
	{Name: "502", Status: 502, WantErr: true, WantRetryable: true},
	{Name: "503", Status: 503, Body: `maintenance`, WantErr: true, WantRetryable: true},
}

// CheckRetry runs the notifier against a server answering each case, then
// against a closed server, an expired deadline and a deadline that expires
// while the server holds the request: network errors and timeouts are
// retryable.
func CheckRetry(t *testing.T, cases []RetryCase, build BuildFunc) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			srv := NewServer(t)
			srv.Respond(tc.Status, tc.Body)
			n := build(t, srv.URL, notify.Options{})
			retryable, err := n.Notify(context.Background(), Alert())
			t.Logf("retryable %v, err: %v", retryable, err)
			if (err != nil) != tc.WantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.WantErr)
			}
			if retryable != tc.WantRetryable {
				t.Errorf("retryable = %v, want %v (err: %v)", retryable, tc.WantRetryable, err)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		n := build(t, ClosedURL(t), notify.Options{})
		retryable, err := n.Notify(context.Background(), Alert())
		if err == nil || !retryable {
			t.Errorf("got (%v, %v), want a retryable error", retryable, err)
		}
	})
	t.Run("expired deadline", func(t *testing.T) {
		srv := NewServer(t)
		n := build(t, srv.URL, notify.Options{})
		ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
		defer cancel()
		retryable, err := n.Notify(ctx, Alert())
		if err == nil || !retryable {
			t.Errorf("got (%v, %v), want a retryable error", retryable, err)
		}
		if notify.StatusCode(err) != http.StatusGatewayTimeout {
			t.Errorf("StatusCode(%v) = %d, want 504", err, notify.StatusCode(err))
		}
	})
	t.Run("deadline while waiting", func(t *testing.T) {
		ctx := NewTriggerContext()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Reading the body whole lets the server notice when the
			// client gives up and closes the connection.
			_, _ = io.Copy(io.Discard, r.Body)
			ctx.Expire()
			<-r.Context().Done()
		}))
		defer srv.Close()
		n := build(t, srv.URL, notify.Options{})
		retryable, err := n.Notify(ctx, Alert())
		if err == nil || !retryable {
			t.Errorf("got (%v, %v), want a retryable error", retryable, err)
		}
	})
}

// ClosedURL returns the URL of a server that has been closed, so that
// connecting to it fails at once.
func ClosedURL(t testing.TB) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

// TriggerContext is a context whose deadline "passes" when Expire is
// called, so tests can time a request out at a chosen point without
// waiting on the clock.
type TriggerContext struct {
	context.Context
	once sync.Once
	done chan struct{}
}

// NewTriggerContext returns a TriggerContext that has not expired.
func NewTriggerContext() *TriggerContext {
	return &TriggerContext{Context: context.Background(), done: make(chan struct{})}
}

// Expire makes Done close and Err return context.DeadlineExceeded.
func (c *TriggerContext) Expire() { c.once.Do(func() { close(c.done) }) }

// Done is closed by Expire.
func (c *TriggerContext) Done() <-chan struct{} { return c.done }

// Err is context.DeadlineExceeded after Expire.
func (c *TriggerContext) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// EchoHandler answers every request with status and a dump of the request,
// headers and body included, as a careless server might.
func EchoHandler(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dump, _ := httputil.DumpRequest(r, true)
		w.WriteHeader(status)
		_, _ = w.Write(dump)
	})
}

// AssertNoSecretLeak sends the fixture alert in every failure mode (servers
// answering 400, 401, 429 and 500 that echo the whole request back, a closed
// server, an expired deadline) with a debug logger, and fails if any error
// message or log line contains one of secrets.
func AssertNoSecretLeak(t *testing.T, secrets []string, build BuildFunc) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			t.Fatal("AssertNoSecretLeak: empty secret")
		}
	}
	check := func(t *testing.T, what, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s leaks secret %q:\n%s", what, s, text)
			}
		}
	}
	run := func(t *testing.T, baseURL string, ctx context.Context) {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		n := build(t, baseURL, notify.Options{Logger: logger})
		_, err := n.Notify(ctx, Alert())
		if err == nil {
			t.Fatal("Notify succeeded against a failing destination")
		}
		check(t, "error", err.Error())
		check(t, "error (%+v)", fmt.Sprintf("%+v", err))
		check(t, "log", logs.String())
	}
	for _, status := range []int{400, 401, 429, 500} {
		t.Run(fmt.Sprintf("echo %d", status), func(t *testing.T) {
			srv := httptest.NewServer(EchoHandler(status))
			defer srv.Close()
			run(t, srv.URL, context.Background())
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		run(t, ClosedURL(t), context.Background())
	})
	t.Run("expired deadline", func(t *testing.T) {
		srv := NewServer(t)
		ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
		defer cancel()
		run(t, srv.URL, ctx)
	})
}

// CheckConfig validates each case, a pair of a raw config and the exact
// error its validation gives ("" for a valid config), with typ. Messages
// must also not contain any of secrets.
func CheckConfig(t *testing.T, typ notify.Type, cases [][2]string, secrets ...string) {
	t.Helper()
	for _, c := range cases {
		tc := struct{ Raw, Want string }{c[0], c[1]}
		err := typ.Validate(json.RawMessage(tc.Raw))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.Want {
			t.Errorf("Validate(%s)\n got: %q\nwant: %q", tc.Raw, got, tc.Want)
		}
		for _, s := range secrets {
			if strings.Contains(got, s) {
				t.Errorf("Validate(%s) error leaks secret %q: %s", tc.Raw, s, got)
			}
		}
	}
}
