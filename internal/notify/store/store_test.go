package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/destinations"
	"github.com/pantherlabs/panther/internal/secretbox"
)

const (
	slackToken = "XXXXs3cr3tSlackWebhookT0kenABCD"
	slackURL   = "https://hooks.slack.com/services/T0001/B0001/" + slackToken
	pdKey      = "0123456789abcdef0123456789abcdef"
)

type fixture struct {
	store *Store
	db    *sql.DB
	box   *secretbox.Box
	clock time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "state.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	box, err := secretbox.New(bytes.Repeat([]byte{1}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, box: box, clock: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	ids := 0
	f.store, err = New(context.Background(), db, box, destinations.NewRegistry(notify.Options{}), Options{
		Now: func() time.Time {
			f.clock = f.clock.Add(time.Second)
			return f.clock
		},
		NewID: func() string {
			ids++
			return fmt.Sprintf("00000000-0000-4000-8000-%012d", ids)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) rawConfig(t testing.TB, id string) string {
	t.Helper()
	var cfg string
	if err := f.db.QueryRow(`SELECT config FROM notify_destinations WHERE id = ?`, id).Scan(&cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func slackDest() Destination {
	return Destination{
		DisplayName:        "SOC Slack",
		Type:               "slack",
		Config:             json.RawMessage(`{"webhookURL":"` + slackURL + `"}`),
		DefaultForSeverity: []string{"critical", "HIGH", "HIGH"},
		AlertTypes:         []string{"RULE"},
	}
}

func TestAddGetReveal(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	added, err := f.store.Add(ctx, slackDest())
	if err != nil {
		t.Fatal(err)
	}
	if added.ID != "00000000-0000-4000-8000-000000000001" || !added.CreatedAt.Equal(f.clock) || !added.UpdatedAt.Equal(f.clock) {
		t.Errorf("added %+v", added)
	}
	if got := string(added.Config); got != `{"webhookURL":"****ABCD"}` {
		t.Errorf("Add returned config %s, want it redacted", got)
	}
	if strings.Join(added.DefaultForSeverity, ",") != "HIGH,CRITICAL" {
		t.Errorf("defaultForSeverity %v, want normalised HIGH,CRITICAL", added.DefaultForSeverity)
	}

	raw := f.rawConfig(t, added.ID)
	if strings.Contains(raw, slackToken) || !strings.Contains(raw, `"webhookURL":"sb1:`) {
		t.Errorf("stored config is not sealed: %s", raw)
	}

	got, err := f.store.Get(ctx, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Config) != `{"webhookURL":"****ABCD"}` || got.DisplayName != "SOC Slack" || got.Type != "slack" {
		t.Errorf("Get = %+v", got)
	}
	revealed, err := f.store.Reveal(ctx, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(revealed.Config) != `{"webhookURL":"`+slackURL+`"}` {
		t.Errorf("Reveal config %s", revealed.Config)
	}
	// What Reveal returns builds a working notifier.
	if _, err := destinations.Build(revealed.Type, revealed.Config); err != nil {
		t.Errorf("revealed config does not build: %v", err)
	}
}

func TestPlainFieldsStayPlain(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d, err := f.store.Add(ctx, Destination{
		DisplayName: "Jira SEC",
		Type:        "jira",
		Config: json.RawMessage(`{"orgDomain":"https://example.atlassian.net","projectKey":"SEC",
			"userName":"bot@example.com","apiKey":"short","labels":["panther"]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(d.Config); got != `{"apiKey":"****","labels":["panther"],"orgDomain":"https://example.atlassian.net","projectKey":"SEC","userName":"bot@example.com"}` {
		t.Errorf("redacted config %s", got)
	}
	raw := f.rawConfig(t, d.ID)
	for _, plain := range []string{`"projectKey":"SEC"`, `"userName":"bot@example.com"`, `"labels":["panther"]`} {
		if !strings.Contains(raw, plain) {
			t.Errorf("stored config lacks plain %s: %s", plain, raw)
		}
	}
	if strings.Contains(raw, `"short"`) {
		t.Errorf("stored config has the api key: %s", raw)
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if l, err := f.store.List(ctx); err != nil || len(l) != 0 || l == nil {
		t.Fatalf("empty List = %#v, %v", l, err)
	}
	for _, d := range []Destination{
		{DisplayName: "Zeta PagerDuty", Type: "pagerduty", Config: json.RawMessage(`{"integrationKey":"` + pdKey + `"}`)},
		slackDest(),
	} {
		if _, err := f.store.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range list {
		got = append(got, d.DisplayName+"="+string(d.Config))
	}
	want := []string{`SOC Slack={"webhookURL":"****ABCD"}`, `Zeta PagerDuty={"integrationKey":"****cdef"}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("List:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	all, err := f.store.RevealAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || !strings.Contains(string(all[1].Config), pdKey) {
		t.Errorf("RevealAll = %+v", all)
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	added, err := f.store.Add(ctx, slackDest())
	if err != nil {
		t.Fatal(err)
	}

	// The UI sends back what it read: the secret is kept.
	added.DisplayName = "SOC Slack (renamed)"
	updated, err := f.store.Update(ctx, added)
	if err != nil {
		t.Fatal(err)
	}
	if !updated.UpdatedAt.After(updated.CreatedAt) || !updated.CreatedAt.Equal(added.CreatedAt) {
		t.Errorf("times %v %v", updated.CreatedAt, updated.UpdatedAt)
	}
	if r, _ := f.store.Reveal(ctx, added.ID); string(r.Config) != `{"webhookURL":"`+slackURL+`"}` || r.DisplayName != "SOC Slack (renamed)" {
		t.Errorf("after redacted update: %+v %s", r, r.Config)
	}

	// A missing secret field is kept too.
	added.Config = json.RawMessage(`{}`)
	if _, err := f.store.Update(ctx, added); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.store.Reveal(ctx, added.ID); !strings.Contains(string(r.Config), slackToken) {
		t.Errorf("missing field dropped the secret: %s", r.Config)
	}

	// A new value replaces it.
	added.Config = json.RawMessage(`{"webhookURL":"https://hooks.slack.com/services/T/B/NewTokenValue9999"}`)
	if _, err := f.store.Update(ctx, added); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.store.Reveal(ctx, added.ID); !strings.Contains(string(r.Config), "NewTokenValue9999") {
		t.Errorf("new secret not stored: %s", r.Config)
	}

	// A type change keeps nothing: the new config must be complete.
	added.Type = "pagerduty"
	added.Config = json.RawMessage(`{}`)
	_, err = f.store.Update(ctx, added)
	if err == nil || err.Error() != "pagerduty: integrationKey: required" {
		t.Errorf("type change with empty config: %v", err)
	}

	if _, err := f.store.Update(ctx, Destination{ID: "missing", Type: "slack"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update(missing) = %v", err)
	}
}

func TestUpdateSecretMap(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	added, err := f.store.Add(ctx, Destination{
		DisplayName: "Hook",
		Type:        "templatewebhook",
		Config: json.RawMessage(`{"webhookURL":"https://example.com/in","template":"{}",
			"headers":{"Authorization":"Bearer 0123456789abcdefWXYZ","X-Team":"sec"}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(added.Config), `"headers":{"Authorization":"****WXYZ","X-Team":"****"}`) {
		t.Fatalf("redacted %s", added.Config)
	}
	// Change one header, send the other back redacted, add a third.
	added.Config = json.RawMessage(`{"webhookURL":"****","template":"{}","headers":{"Authorization":"****WXYZ","X-Team":"blue","X-New":"n"}}`)
	if _, err := f.store.Update(ctx, added); err != nil {
		t.Fatal(err)
	}
	r, err := f.store.Reveal(ctx, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"headers":{"Authorization":"Bearer 0123456789abcdefWXYZ","X-New":"n","X-Team":"blue"},"template":"{}","webhookURL":"https://example.com/in"}`
	if string(r.Config) != want {
		t.Errorf("Reveal after map update:\n got %s\nwant %s", r.Config, want)
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	added, err := f.store.Add(ctx, slackDest())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Remove(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Get(ctx, added.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Remove = %v", err)
	}
	if err := f.store.Remove(ctx, added.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Remove = %v", err)
	}
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.store.Add(ctx, slackDest()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		d    Destination
		want string
	}{
		{"duplicate name", slackDest(), `displayName: a destination named "SOC Slack" already exists`},
		{"everything wrong", Destination{Type: "slack", Config: json.RawMessage(`{"webhookURL":"nope"}`), DefaultForSeverity: []string{"URGENT"}, AlertTypes: []string{"rule", "EVENT"}},
			"displayName: required\n" +
				`defaultForSeverity.0: must be one of INFO, LOW, MEDIUM, HIGH, CRITICAL, got "URGENT"` + "\n" +
				`alertTypes.1: must be one of RULE, RULE_ERROR, POLICY, got "EVENT"` + "\n" +
				"slack: webhookURL: must be an http or https URL"},
		{"unknown type", Destination{DisplayName: "x", Type: "fax"}, `type: unknown destination type "fax", expected one of asana, customwebhook, email, github, jira, msteams, opsgenie, pagerduty, slack, sns, sqs, templatewebhook`},
		{"config not an object", Destination{DisplayName: "x", Type: "slack", Config: json.RawMessage(`[1]`)}, "config: must be a JSON object"},
		{"bad key", Destination{DisplayName: "x", Type: "pagerduty", Config: json.RawMessage(`{"integrationKey":"s3cr3t-but-wrong"}`)}, "pagerduty: integrationKey: must be 32 hex characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.store.Add(ctx, tc.d)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error leaks the secret: %s", err)
			}
		})
	}
	if l, _ := f.store.List(ctx); len(l) != 1 {
		t.Errorf("%d destinations stored, want 1", len(l))
	}
}

func TestTamperedStorage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	a, err := f.store.Add(ctx, slackDest())
	if err != nil {
		t.Fatal(err)
	}
	b := slackDest()
	b.DisplayName = "Other"
	bAdded, err := f.store.Add(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	// A sealed value copied to another destination does not open there.
	if _, err := f.db.Exec(`UPDATE notify_destinations SET config = ? WHERE id = ?`, f.rawConfig(t, a.ID), bAdded.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Reveal(ctx, bAdded.ID); !errors.Is(err, secretbox.ErrOpen) {
		t.Errorf("swapped ciphertext opened: %v", err)
	}
	// A secret written in clear by hand is refused, not served.
	if _, err := f.db.Exec(`UPDATE notify_destinations SET config = ? WHERE id = ?`, `{"webhookURL":"`+slackURL+`"}`, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.store.Get(ctx, a.ID)
	if err == nil || !strings.Contains(err.Error(), "config field webhookURL is stored unencrypted") || strings.Contains(err.Error(), slackToken) {
		t.Errorf("plaintext secret in storage: %v", err)
	}
}

func TestRedactString(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "****",
		"short":                "****",
		"0123456789abcde":      "****",
		"0123456789abcdef":     "****cdef",
		"ééééééééééééééééxyzé": "****xyzé",
	} {
		if got := redactString(in); got != want {
			t.Errorf("redactString(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkReveal(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	d, err := f.store.Add(ctx, slackDest())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := f.store.Reveal(ctx, d.ID); err != nil {
			b.Fatal(err)
		}
	}
}
