package webhook

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const token = "s3cr3tHookTokenInTheQuery"

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{WebhookURL: notify.Secret(baseURL + "/hooks/panther?token=" + token)}, opts)
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
	notifytest.CheckJSONRequest(t, r, "POST", "/hooks/panther")
	if r.RawQuery != "token="+token {
		t.Errorf("query = %q", r.RawQuery)
	}
	notifytest.GoldenJSON(t, "customwebhook.json", r.Body)
}

func TestEmptyAlertHasEveryKey(t *testing.T) {
	srv := notifytest.NewServer(t)
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), &notify.Alert{Type: notify.TypePolicy, DetectionID: "P"}); err != nil {
		t.Fatal(err)
	}
	notifytest.GoldenJSON(t, "customwebhook-empty.json", srv.Only(t).Body)
}

func TestUnencodableContextIsPermanent(t *testing.T) {
	srv := notifytest.NewServer(t)
	a := notifytest.Alert()
	a.AlertContext = map[string]any{"f": func() {}}
	retryable, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), a)
	if err == nil || retryable {
		t.Errorf("got (%v, %v), want a permanent error", retryable, err)
	}
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) { notifytest.AssertNoSecretLeak(t, []string{token}, build) }

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "customwebhook: webhookURL: required"},
		{`{"webhookURL":"ftp://x/y"}`, "customwebhook: webhookURL: must be an http or https URL"},
		{`{"webhookURL":"https://x/y"}`, ""},
	})
}
