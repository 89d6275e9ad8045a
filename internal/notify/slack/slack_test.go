package slack

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const token = "XXXXs3cr3tWebhookTokenXXXX"

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{WebhookURL: notify.Secret(baseURL + "/services/T0001/B0001/" + token)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotify(t *testing.T) {
	srv := notifytest.NewServer(t)
	srv.Respond(200, "ok")
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	notifytest.CheckJSONRequest(t, r, "POST", "/services/T0001/B0001/"+token)
	notifytest.GoldenJSON(t, "slack.json", r.Body)
}

func TestColors(t *testing.T) {
	for _, sev := range notify.Severities {
		a := notifytest.Alert()
		a.Severity = sev
		if got := Message(a).Attachments[0].Color; got == "" || got != SeverityColors[sev] {
			t.Errorf("%s: colour %q", sev, got)
		}
	}
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) { notifytest.AssertNoSecretLeak(t, []string{token}, build) }

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "slack: webhookURL: required"},
		{`{"webhookURL":"hooks.slack.com/services/x"}`, "slack: webhookURL: must be an http or https URL"},
		{`{"webhookURL":"https://hooks.slack.com/x","channel":"#a"}`, `slack: channel: unknown field`},
		{`{"webhookURL":42}`, "slack: webhookURL: expected a string, got number"},
		{`[]`, "slack: config: expected a JSON object"},
		{`{"webhookURL":"https://hooks.slack.com/x"`, "slack: config: invalid JSON: the document ends early"},
		{`{"webhookURL":"https://hooks.slack.com/x",}`, "slack: config: invalid JSON at byte 43: invalid character '}' looking for beginning of object key string"},
		{`{"webhookURL":"https://hooks.slack.com/x"} {}`, "slack: config: unexpected data after the JSON object"},
		{`{"webhookURL":"https://hooks.slack.com/x"}`, ""},
	})
}
