package msteams

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const (
	guid  = "3f2504e0-4f89-11d3-9a0c-0305e82c3301@72f988bf-86f1-41af-91ab-2d7cd011db47"
	token = "9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b"
)

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{WebhookURL: notify.Secret(baseURL + "/webhookb2/" + guid + "/IncomingWebhook/" + token + "/x")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotify(t *testing.T) {
	srv := notifytest.NewServer(t)
	srv.Respond(200, "1")
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	notifytest.CheckJSONRequest(t, r, "POST", "/webhookb2/"+guid+"/IncomingWebhook/"+token+"/x")
	notifytest.GoldenJSON(t, "msteams.json", r.Body)
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) { notifytest.AssertNoSecretLeak(t, []string{guid, token}, build) }

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "msteams: webhookURL: required"},
		{`{"webhookURL":"https://"}`, "msteams: webhookURL: must be an absolute URL with a host"},
		{`{"webhookURL":"https://example.webhook.office.com/webhookb2/x"}`, ""},
	}, "example.webhook")
}
