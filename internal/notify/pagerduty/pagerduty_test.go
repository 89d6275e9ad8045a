package pagerduty

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const key = "0123456789abcdef0123456789abcdef"

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{IntegrationKey: key, APIURL: baseURL + "/v2/enqueue"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotify(t *testing.T) {
	srv := notifytest.NewServer(t)
	srv.Respond(202, `{"status":"success","message":"Event processed","dedup_key":"x"}`)
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	notifytest.CheckJSONRequest(t, r, "POST", "/v2/enqueue")
	if got := r.Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q; the routing key belongs in the body", got)
	}
	var ev Event
	if err := json.Unmarshal(r.Body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.RoutingKey != key || ev.DedupKey != notifytest.Alert().ID || ev.EventAction != "trigger" {
		t.Errorf("routing_key %q, dedup_key %q, event_action %q", ev.RoutingKey, ev.DedupKey, ev.EventAction)
	}
	notifytest.GoldenJSON(t, "pagerduty.json", r.Body)
}

func TestSeverities(t *testing.T) {
	want := map[string]string{"INFO": "info", "LOW": "info", "MEDIUM": "warning", "HIGH": "error", "CRITICAL": "critical"}
	for sev, pd := range want {
		a := notifytest.Alert()
		a.Severity = sev
		ev, err := NewEvent(key, a)
		if err != nil || ev.Payload.Severity != pd {
			t.Errorf("%s: got %v, %v; want %s", sev, ev, err, pd)
		}
	}
}

func TestUnknownSeverityIsPermanent(t *testing.T) {
	srv := notifytest.NewServer(t)
	a := notifytest.Alert()
	a.Severity = "URGENT"
	retryable, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), a)
	if err == nil || retryable || !strings.Contains(err.Error(), `pagerduty: unknown severity "URGENT"`) {
		t.Errorf("got (%v, %v), want a permanent unknown severity error", retryable, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("sent %d requests", n)
	}
}

func TestLimits(t *testing.T) {
	a := notifytest.Alert()
	a.Title = strings.Repeat("é", 2000)
	a.ID = strings.Repeat("k", 300)
	ev, err := NewEvent(key, a)
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(ev.Payload.Summary)); n != maxSummary {
		t.Errorf("summary has %d runes", n)
	}
	if n := len(ev.DedupKey); n != maxDedupKey {
		t.Errorf("dedup key has %d bytes", n)
	}
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) { notifytest.AssertNoSecretLeak(t, []string{key}, build) }

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "pagerduty: integrationKey: required"},
		{`{"integrationKey":"abc"}`, "pagerduty: integrationKey: must be 32 hex characters"},
		{`{"integrationKey":"0123456789abcdef0123456789abcdeg"}`, "pagerduty: integrationKey: must be 32 hex characters"},
		{`{"integrationKey":"0123456789abcdef0123456789abcdef","apiURL":"ftp://x"}`, "pagerduty: apiURL: must be an http or https URL"},
		{`{"integrationKey":"abc","apiURL":"/relative"}`, "pagerduty: integrationKey: must be 32 hex characters\npagerduty: apiURL: must be an http or https URL"},
		{`{"integrationKey":"0123456789abcdef0123456789abcdef"}`, ""},
	}, "0123456789abcdef0123456789abcde")
}
