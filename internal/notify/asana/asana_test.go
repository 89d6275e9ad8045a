package asana

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const token = "2/1204567890/1209876543:s3cr3tAsanaPAT"

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{PersonalAccessToken: token, ProjectGids: []string{"1201234567890", "1209876543210"}, APIURL: baseURL + "/api/1.0"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotify(t *testing.T) {
	srv := notifytest.NewServer(t)
	srv.Respond(201, `{"data":{"gid":"1"}}`)
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	r := srv.Only(t)
	notifytest.CheckJSONRequest(t, r, "POST", "/api/1.0/tasks")
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("Authorization = %q, want the Bearer scheme", got)
	}
	notifytest.GoldenJSON(t, "asana.json", r.Body)
}

func TestRetry(t *testing.T) { notifytest.CheckRetry(t, notifytest.HTTPRetryCases, build) }

func TestNoSecretLeak(t *testing.T) { notifytest.AssertNoSecretLeak(t, []string{token}, build) }

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "asana: personalAccessToken: required\nasana: projectGids: required: at least one project gid"},
		{`{"personalAccessToken":"t","projectGids":["12","x1"]}`, `asana: projectGids.1: must be a numeric project gid, got "x1"`},
		{`{"personalAccessToken":"t","projectGids":"12"}`, "asana: projectGids: expected an array, got string"},
		{`{"personalAccessToken":"t","projectGids":["12"]}`, ""},
	})
}
