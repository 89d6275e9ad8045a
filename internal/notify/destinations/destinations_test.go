package destinations

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

func TestTypes(t *testing.T) {
	spec, err := json.MarshalIndent(Types(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// The golden file is the field spec the CLI and UI show.
	notifytest.Golden(t, "types.json", append(spec, '\n'))
	for _, typ := range Types() {
		if len(typ.Fields) == 0 || typ.Description == "" {
			t.Errorf("%s: no fields or description", typ.Name)
		}
		required := 0
		for _, f := range typ.Fields {
			if f.Description == "" {
				t.Errorf("%s.%s has no description", typ.Name, f.Name)
			}
			if f.Required {
				required++
			}
		}
		if required == 0 {
			t.Errorf("%s has no required field", typ.Name)
		}
	}
}

func TestBuild(t *testing.T) {
	for _, tc := range []struct{ typ, raw, wantErr string }{
		{"slack", `{"webhookURL":"https://hooks.slack.com/services/T/B/x"}`, ""},
		{"pagerduty", `{"integrationKey":"short"}`, "pagerduty: integrationKey: must be 32 hex characters"},
		{"customwebhook", `{"webhookURL":"https://example.com/hook"}`, ""},
		{"sqs", `{"queueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","accessKeyId":"AKIA","secretAccessKey":"x"}`, ""},
		{"carrier-pigeon", `{}`, `unknown destination type "carrier-pigeon", expected one of asana, customwebhook, email, github, jira, msteams, opsgenie, pagerduty, slack, sns, sqs, templatewebhook`},
	} {
		n, err := Build(tc.typ, json.RawMessage(tc.raw))
		switch {
		case tc.wantErr == "" && (err != nil || n == nil):
			t.Errorf("Build(%s): %v", tc.typ, err)
		case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
			t.Errorf("Build(%s) error %v, want %q", tc.typ, err, tc.wantErr)
		case tc.wantErr != "" && n != nil:
			t.Errorf("Build(%s) returned a notifier with an error", tc.typ)
		}
	}
}

func TestSecretsAreMarked(t *testing.T) {
	want := map[string]string{
		"asana": "personalAccessToken", "customwebhook": "webhookURL", "email": "password", "github": "token",
		"jira": "apiKey", "msteams": "webhookURL", "opsgenie": "apiKey", "pagerduty": "integrationKey",
		"slack": "webhookURL", "sns": "secretAccessKey,sessionToken", "sqs": "secretAccessKey,sessionToken",
		"templatewebhook": "webhookURL,headers",
	}
	for _, typ := range Types() {
		if got := strings.Join(typ.SecretFields(), ","); got != want[typ.Name] {
			t.Errorf("%s secret fields %q, want %q", typ.Name, got, want[typ.Name])
		}
	}
	if len(Types()) != len(want) {
		t.Errorf("%d types, want %d", len(Types()), len(want))
	}
}

func TestRegistryOptions(t *testing.T) {
	r := NewRegistry(notify.Options{})
	if err := r.Validate("opsgenie", json.RawMessage(`{"apiKey":"k","serviceRegion":"EU"}`)); err != nil {
		t.Error(err)
	}
	if _, err := notify.NewRegistry(notify.Options{}, append(All(), All()[0])...); err == nil {
		t.Error("a duplicate type was accepted")
	}
}
