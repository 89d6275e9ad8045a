package jira

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const apiKey = "ATATT3xFfGF0s3cr3tJiraT0ken"

func config(baseURL string) *Config {
	return &Config{
		OrgDomain:  baseURL + "/",
		ProjectKey: "SEC",
		UserName:   "alerts@example.com",
		APIKey:     apiKey,
		AssigneeID: "5b10a2844c20165700ede21g",
		IssueType:  "Bug",
		Labels:     []string{"panther", "security"},
	}
}

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(config(baseURL), opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotify(t *testing.T) {
	srv := notifytest.NewServer(t)
	srv.Respond(201, `{"id":"10000","key":"SEC-24"}`)
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	notifytest.CheckJSONRequest(t, r, "POST", "/rest/api/latest/issue/")
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alerts@example.com:"+apiKey))
	if got := r.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	notifytest.GoldenJSON(t, "jira.json", r.Body)
}

func TestMinimalIssue(t *testing.T) {
	srv := notifytest.NewServer(t)
	cfg := config(srv.URL)
	cfg.AssigneeID, cfg.IssueType, cfg.Labels = "", "", nil
	n, err := New(cfg, notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	notifytest.GoldenJSON(t, "jira-minimal.json", srv.Only(t).Body)
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("alerts@example.com:" + apiKey))
	notifytest.AssertNoSecretLeak(t, []string{apiKey, basic}, build)
}

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "jira: orgDomain: required\njira: projectKey: required\njira: userName: required\njira: apiKey: required"},
		{`{"orgDomain":"example.atlassian.net","projectKey":"sec","userName":"u","apiKey":"k","labels":["ok","two words"]}`,
			"jira: orgDomain: must be an http or https URL\n" +
				`jira: projectKey: must be upper-case letters, digits and underscores starting with a letter, got "sec"` + "\n" +
				`jira: labels.1: must be a non-empty label without spaces, got "two words"`},
		{`{"orgDomain":"https://example.atlassian.net","projectKey":"SEC","userName":"u","apiKey":"k","labels":[1]}`, "jira: labels: expected a string, got number"},
		{`{"orgDomain":"https://example.atlassian.net","projectKey":"SEC","userName":"u","apiKey":"k"}`, ""},
	})
}
