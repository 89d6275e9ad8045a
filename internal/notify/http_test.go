package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

func TestPostJSON(t *testing.T) {
	srv := notifytest.NewServer(t)
	s := notify.NewHTTPSender("test", notify.Options{})
	retryable, err := s.PostJSON(context.Background(), srv.URL+"/path?q=1", http.Header{"x-custom": {"v"}, "Authorization": {"Bearer t"}}, map[string]any{"b": 1, "a": "<&>"})
	if err != nil || retryable {
		t.Fatalf("PostJSON = %v, %v", retryable, err)
	}
	r := srv.Only(t)
	notifytest.CheckJSONRequest(t, r, "POST", "/path")
	if r.Header.Get("X-Custom") != "v" || r.Header.Get("Authorization") != "Bearer t" || r.RawQuery != "q=1" {
		t.Errorf("headers %v query %q", r.Header, r.RawQuery)
	}
	if string(r.Body) != `{"a":"<&>","b":1}` {
		t.Errorf("body %s", r.Body)
	}
}

func TestPostJSONUnencodable(t *testing.T) {
	srv := notifytest.NewServer(t)
	retryable, err := notify.NewHTTPSender("test", notify.Options{}).PostJSON(context.Background(), srv.URL, nil, map[string]any{"f": func() {}})
	if err == nil || retryable || !strings.HasPrefix(err.Error(), "test: encode notification as JSON") {
		t.Errorf("got (%v, %v)", retryable, err)
	}
	if len(srv.Requests()) != 0 {
		t.Error("a request was sent")
	}
}

func TestStatusError(t *testing.T) {
	const secret = "0123456789abcdef"
	srv := notifytest.NewServer(t)
	// The secret starts just before the cut of the shown body: it must be
	// scrubbed whole, not cut into a leaking prefix.
	body := strings.Repeat("x", notify.MaxErrorBody-5) + secret + strings.Repeat("y", 5000)
	srv.Respond(502, body)
	var logs bytes.Buffer
	s := notify.NewHTTPSender("test", notify.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, secret)
	retryable, err := s.Post(context.Background(), srv.URL+"/hook/"+secret, "text/plain", nil, []byte("hi"))
	if !retryable || err == nil {
		t.Fatalf("got (%v, %v)", retryable, err)
	}
	var se *notify.StatusError
	if !errors.As(err, &se) || se.StatusCode != 502 || notify.StatusCode(err) != 502 {
		t.Fatalf("not a 502 StatusError: %v", err)
	}
	if strings.Contains(err.Error(), secret[:6]) || strings.Contains(logs.String(), secret[:6]) {
		t.Errorf("secret (or its prefix) leaked:\n%v\n%s", err, logs.String())
	}
	wantPrefix := fmt.Sprintf("test: POST %s/<redacted>: status 502 Bad Gateway: xxx", srv.URL)
	if !strings.HasPrefix(err.Error(), wantPrefix) || !strings.HasSuffix(err.Error(), "…") {
		t.Errorf("error %q does not start with %q and end with an ellipsis", err.Error()[:80], wantPrefix)
	}
	if n := len(se.Body); n > notify.MaxErrorBody+len("…") {
		t.Errorf("body in error is %d bytes", n)
	}
	if r := srv.Only(t); r.Header.Get("Content-Type") != "text/plain" || r.Header.Get("Accept") != "" {
		t.Errorf("headers %v", r.Header)
	}
}

func TestRequestErrorRedactsURL(t *testing.T) {
	u := notifytest.ClosedURL(t) + "/services/T/B/s3cr3tTokenValue00?sig=abc"
	retryable, err := notify.NewHTTPSender("test", notify.Options{}, notify.URLSecrets(u)...).Post(context.Background(), u, "application/json", nil, nil)
	if !retryable || err == nil {
		t.Fatalf("got (%v, %v)", retryable, err)
	}
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "sig=") {
		t.Errorf("URL leaked: %v", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) || strings.Contains(ue.URL, "s3cr3t") {
		t.Errorf("unwrapped url.Error keeps the URL: %v", ue)
	}
	if notify.StatusCode(err) != 0 {
		t.Errorf("StatusCode = %d, want 0 for a refused connection", notify.StatusCode(err))
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T/B/X": "https://hooks.slack.com/<redacted>",
		"https://user:pw@example.com:8443/":      "https://example.com:8443",
		"https://example.com":                    "https://example.com",
		"https://example.com/?token=x":           "https://example.com/<redacted>",
		"not a url":                              "<redacted>",
		"//host/path":                            "<redacted>",
		"%zz":                                    "<redacted>",
	} {
		if got := notify.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestURLSecrets(t *testing.T) {
	got := notify.URLSecrets("https://u:pw1@example.com/webhookb2/0123456789abcdef0123/x?code=fedcba9876543210fedc&a=1")
	for _, want := range []string{"/webhookb2/0123456789abcdef0123/x", "0123456789abcdef0123", "code=fedcba9876543210fedc&a=1", "fedcba9876543210fedc", "pw1"} {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("URLSecrets lacks %q: %q", want, got)
		}
	}
	for _, g := range got {
		if g == "x" || g == "webhookb2" || g == "/" {
			t.Errorf("URLSecrets has a short, harmless part %q", g)
		}
	}
}

func TestStatusCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("x"), 0},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), 504},
		{&notify.StatusError{StatusCode: 418}, 418},
		{fmt.Errorf("x: %w", &notify.StatusError{StatusCode: 503}), 503},
	} {
		if got := notify.StatusCode(tc.err); got != tc.want {
			t.Errorf("StatusCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestNotifierFunc(t *testing.T) {
	var got *notify.Alert
	var n notify.Notifier = notify.NotifierFunc(func(_ context.Context, a *notify.Alert) (bool, error) {
		got = a
		return true, errors.New("boom")
	})
	a := notifytest.Alert()
	retryable, err := n.Notify(context.Background(), a)
	if got != a || !retryable || err == nil {
		t.Error("NotifierFunc did not call through")
	}
}

func BenchmarkPostJSON(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	s := notify.NewHTTPSender("bench", notify.Options{}, "0123456789abcdef0123456789abcdef")
	std := notify.Standard(notifytest.Alert())
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.PostJSON(ctx, srv.URL, nil, std); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzRedactURL(f *testing.F) {
	f.Add("https://hooks.slack.com/services/T/B/XXXXXXXXXXXXXXXXXXXX")
	f.Add("https://u:p@h/p?q=1#f")
	f.Fuzz(func(t *testing.T, raw string) {
		shown := notify.RedactURL(raw)
		if shown == "<redacted>" {
			return
		}
		// Anything else is exactly the scheme and host, with at most the
		// redaction marker: no user info, path, query or fragment.
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("RedactURL(%q) = %q for an unparsable URL", raw, shown)
		}
		if base := u.Scheme + "://" + u.Host; shown != base && shown != base+"/<redacted>" {
			t.Fatalf("RedactURL(%q) = %q, want %q with at most /<redacted>", raw, shown, base)
		}
	})
}
