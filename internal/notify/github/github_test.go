package github

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const token = "ghp_s3cr3tGitHubT0kenAbCdEf0123456789"

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{RepoName: "acme/security-alerts", Token: token, APIURL: baseURL + "/api/v3/"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotify(t *testing.T) {
	srv := notifytest.NewServer(t)
	srv.Respond(201, `{"number":7}`)
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	notifytest.CheckJSONRequest(t, r, "POST", "/api/v3/repos/acme/security-alerts/issues")
	if got := r.Header.Get("Authorization"); got != "token "+token {
		t.Errorf("Authorization = %q, want the token scheme", got)
	}
	notifytest.GoldenJSON(t, "github.json", r.Body)
}

func TestDefaultURL(t *testing.T) {
	n, err := New(&Config{RepoName: "acme/x", Token: token}, notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n.url != "https://api.github.com/repos/acme/x/issues" {
		t.Errorf("url = %s", n.url)
	}
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) { notifytest.AssertNoSecretLeak(t, []string{token}, build) }

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "github: repoName: required\ngithub: token: required"},
		{`{"repoName":"acme","token":"t"}`, `github: repoName: must be owner/repo, got "acme"`},
		{`{"repoName":"acme/x/y","token":"t"}`, `github: repoName: must be owner/repo, got "acme/x/y"`},
		{`{"repoName":"acme/x","token":"t"}`, ""},
	})
}
