package opsgenie

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const key = "7f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{APIKey: key, APIURL: baseURL + "/v2/alerts"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotify(t *testing.T) {
	srv := notifytest.NewServer(t)
	srv.Respond(202, `{"result":"Request will be processed","took":0.1,"requestId":"x"}`)
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	notifytest.CheckJSONRequest(t, r, "POST", "/v2/alerts")
	if got := r.Header.Get("Authorization"); got != "GenieKey "+key {
		t.Errorf("Authorization = %q, want GenieKey scheme", got)
	}
	notifytest.GoldenJSON(t, "opsgenie.json", r.Body)
}

func TestRegions(t *testing.T) {
	for region, want := range map[string]string{"": USURL, "US": USURL, "EU": EUURL} {
		n, err := New(&Config{APIKey: key, ServiceRegion: region}, notify.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n.url != want {
			t.Errorf("region %q: url %s, want %s", region, n.url, want)
		}
	}
}

func TestPriorities(t *testing.T) {
	for sev, want := range map[string]string{"CRITICAL": "P1", "HIGH": "P2", "MEDIUM": "P3", "LOW": "P4", "INFO": "P5", "ODD": "P3"} {
		a := notifytest.Alert()
		a.Severity = sev
		req, err := NewRequest(a)
		if err != nil || req.Priority != want {
			t.Errorf("%s: got %+v, %v; want %s", sev, req, err, want)
		}
	}
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) { notifytest.AssertNoSecretLeak(t, []string{key}, build) }

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "opsgenie: apiKey: required"},
		{`{"apiKey":"k","serviceRegion":"APAC"}`, `opsgenie: serviceRegion: must be one of US, EU, got "APAC"`},
		{`{"apiKey":"k","serviceRegion":"EU"}`, ""},
	})
}
