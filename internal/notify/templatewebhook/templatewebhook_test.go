package templatewebhook

import (
	"context"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const (
	token  = "s3cr3tTemplateHookToken0001"
	apiKey = "Bearer s3cr3tHeaderValue42"
)

const jsonTemplate = `{"text": {{json (title .)}}, "severity": {{json (lower .Severity)}}, "tags": {{json .Tags}},
 "details": {{json (standard .)}}, "short": {{json (truncate 9 .Name)}}, "runbook": {{json (default "none" .Reference)}}}`

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{
		WebhookURL:  notify.Secret(baseURL + "/in/" + token),
		Template:    jsonTemplate,
		ContentType: "application/vnd.example+json",
		Headers:     map[string]notify.Secret{"Authorization": apiKey, "X-Source": "panther"},
	}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotify(t *testing.T) {
	srv := notifytest.NewServer(t)
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	if r.Method != "POST" || r.Path != "/in/"+token {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	for k, want := range map[string]string{"Content-Type": "application/vnd.example+json", "Authorization": apiKey, "X-Source": "panther"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	notifytest.GoldenJSON(t, "templatewebhook.json", r.Body)
}

func TestPlainText(t *testing.T) {
	srv := notifytest.NewServer(t)
	n, err := New(&Config{
		WebhookURL:  notify.Secret(srv.URL + "/text"),
		Template:    "{{oneline (title .)}} [{{join .Tags \", \"}}]\n{{text .}}\n",
		ContentType: "text/plain; charset=utf-8",
	}, notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	if got := r.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	notifytest.Golden(t, "templatewebhook.txt", r.Body)
}

func TestRenderFailureIsPermanent(t *testing.T) {
	srv := notifytest.NewServer(t)
	for _, tc := range []struct {
		name, template, want string
		alert                func(*notify.Alert)
	}{
		{"unencodable context", `{{json .AlertContext}}`, "unsupported type", func(a *notify.Alert) { a.AlertContext = map[string]any{"f": func() {}} }},
		{"too large", `{{range .Tags}}{{printf "%0600000d" 0}}{{end}}`, "larger than", func(a *notify.Alert) { a.Tags = []string{"a", "b"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New(&Config{WebhookURL: notify.Secret(srv.URL), Template: tc.template, ContentType: "text/plain"}, notify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			a := notifytest.Alert()
			tc.alert(a)
			retryable, err := n.Notify(context.Background(), a)
			if err == nil || retryable || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got (%v, %v), want a permanent error containing %q", retryable, err, tc.want)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("sent %d requests", n)
	}
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) {
	notifytest.AssertNoSecretLeak(t, []string{token, "s3cr3tHeaderValue42"}, build)
}

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "templatewebhook: webhookURL: required\ntemplatewebhook: template: required"},
		{`{"webhookURL":"https://x/y","template":"{{.Titel}}","contentType":"text/plain"}`,
			`templatewebhook: template: rendering a sample alert: 1:2: executing "body" at <.Titel>: can't evaluate field Titel in type *notify.Alert`},
		{`{"webhookURL":"https://x/y","template":"{{if}}"}`, `templatewebhook: template: 1: missing value for if`},
		{`{"webhookURL":"https://x/y","template":"{\"t\": {{.Title}}}"}`,
			`templatewebhook: template: content type is application/json but the body rendered for a sample alert is not valid JSON: invalid character 'S' looking for beginning of value at byte 7`},
		{`{"webhookURL":"https://x/y","template":"a\n{{range 100000000000}}x{{end}}","contentType":"text/plain"}`,
			`templatewebhook: template: body: line 2: range over a number is not allowed`},
		{`{"webhookURL":"https://x/y","template":"{{define \"t\"}}{{if 1}}{{range 5}}{{end}}{{end}}{{end}}{{template \"t\"}}","contentType":"text/plain"}`,
			`templatewebhook: template: t: line 1: range over a number is not allowed`},
		{`{"webhookURL":"https://x/y","template":"x","contentType":"text/"}`, `templatewebhook: contentType: must be a media type like application/json, got "text/"`},
		{`{"webhookURL":"https://x/y","template":"{}","headers":{"Content-Type":"text/plain"}}`,
			`templatewebhook: headers.Content-Type: is set by Panther and cannot be overridden (use contentType for the content type)`},
		{`{"webhookURL":"https://x/y","template":"{}","headers":{"X-Key":"s3cr3t\r\nInjected: 1"}}`,
			`templatewebhook: headers.X-Key: value must not contain line breaks or control characters`},
		{`{"webhookURL":"https://x/y","template":"{}","headers":{"Bad Name":"v"}}`, `templatewebhook: headers.Bad Name: invalid header name`},
		{`{"webhookURL":"https://x/y","template":"{\"t\": {{json .Title}}}","headers":{"X-Key":"v"}}`, ""},
	}, "s3cr3t")
}

func TestRender(t *testing.T) {
	got, err := Render(`{{.Severity}} {{default "no reference" .Reference}} {{default "none" .LogTypes}} {{upper .Type}}`, &notify.Alert{Severity: "LOW", Type: "rule"})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "LOW no reference none RULE" {
		t.Errorf("got %q", got)
	}
}

func FuzzRender(f *testing.F) {
	f.Add(jsonTemplate)
	f.Add("{{text .}}")
	f.Add(`{{range .Tags}}{{.}}{{end}}{{json .AlertContext}}`)
	f.Fuzz(func(t *testing.T, src string) {
		out, err := Render(src, notifytest.Alert())
		if err == nil && len(out) > MaxBody {
			t.Fatalf("rendered %d bytes, more than MaxBody", len(out))
		}
		cfg := &Config{WebhookURL: "https://example.com/x", Template: src, ContentType: "text/plain"}
		_ = cfg.Validate()
	})
}

func BenchmarkRender(b *testing.B) {
	tmpl, err := parseTemplate(jsonTemplate)
	if err != nil {
		b.Fatal(err)
	}
	a := notifytest.Alert()
	for b.Loop() {
		if _, err := render(tmpl, a); err != nil {
			b.Fatal(err)
		}
	}
}
