package notify_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

func TestTitle(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    notify.Alert
		want string
	}{
		{"rule with title", notify.Alert{Type: "RULE", Title: "Brute force from 1.2.3.4", Name: "Brute Force", DetectionID: "BF"}, "New Alert: Brute force from 1.2.3.4"},
		{"rule without title", notify.Alert{Type: "RULE", Name: "Brute Force", DetectionID: "BF"}, "New Alert: Brute Force"},
		{"rule with id only", notify.Alert{Type: "RULE", DetectionID: "BF"}, "New Alert: BF"},
		{"rule error", notify.Alert{Type: "RULE_ERROR", Title: "ZeroDivisionError", Name: "BF"}, "New rule error: ZeroDivisionError"},
		{"policy uses the name", notify.Alert{Type: "POLICY", Title: "bucket x", Name: "S3 Bucket Encryption", DetectionID: "S3.Enc"}, "Policy Failure: S3 Bucket Encryption"},
		{"policy without name", notify.Alert{Type: "POLICY", DetectionID: "S3.Enc"}, "Policy Failure: S3.Enc"},
		{"re-sent rule", notify.Alert{Type: "RULE", Title: "T", Resent: true}, "[Re-sent]: New Alert: T"},
		{"re-sent policy", notify.Alert{Type: "POLICY", Name: "P", Resent: true}, "[Re-sent]: Policy Failure: P"},
		{"unknown type reads as a rule", notify.Alert{Type: "", Title: "T"}, "New Alert: T"},
	} {
		if got := notify.Title(&tc.a); got != tc.want {
			t.Errorf("%s: Title = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMessage(t *testing.T) {
	for typ, want := range map[string]string{
		"RULE":       "Brute Force triggered",
		"RULE_ERROR": "Brute Force encountered an error",
		"POLICY":     "Brute Force failed on new resources",
	} {
		if got := notify.Message(&notify.Alert{Type: typ, Name: "Brute Force"}); got != want {
			t.Errorf("%s: %q, want %q", typ, got, want)
		}
	}
	if got := notify.Message(&notify.Alert{Type: "RULE", DetectionID: "BF"}); got != "BF triggered" {
		t.Errorf("no name: %q", got)
	}
}

func TestStandardJSON(t *testing.T) {
	got, err := notify.StandardJSON(notifytest.Alert())
	if err != nil {
		t.Fatal(err)
	}
	notifytest.GoldenJSON(t, "standard.json", got)

	// Keys are always present, in this order, with empty arrays and objects.
	empty, err := notify.StandardJSON(&notify.Alert{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"","createdAt":"0001-01-01T00:00:00Z","severity":"","type":"","link":"","title":"New Alert: ","name":"","alertId":"","alertContext":{},"description":"","runbook":"","tags":[],"version":""}`
	if string(empty) != want {
		t.Errorf("empty alert:\n got %s\nwant %s", empty, want)
	}
}

func TestStandardUsesUTC(t *testing.T) {
	a := notifytest.Alert()
	a.CreatedAt = time.Date(2026, 3, 14, 16, 9, 26, 0, time.FixedZone("CET", 3600))
	if got := notify.Standard(a).CreatedAt.Location(); got != time.UTC {
		t.Errorf("location %v", got)
	}
}

func TestDetailedText(t *testing.T) {
	got, err := notify.DetailedText(notifytest.Alert())
	if err != nil {
		t.Fatal(err)
	}
	notifytest.Golden(t, "detailed.txt", []byte(got+"\n"))
	a := notifytest.Alert()
	a.AlertContext = map[string]any{"bad": make(chan int)}
	if _, err := notify.DetailedText(a); err == nil || !strings.Contains(err.Error(), "alert context") {
		t.Errorf("unencodable context: %v", err)
	}
	a.AlertContext = nil
	if got, _ := notify.DetailedText(a); !strings.HasSuffix(got, "AlertContext: {}") {
		t.Errorf("empty context: %q", got)
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb":              "a b",
		"a\r\n\r\nb  c\t":   "a b c",
		"  plain  ":         "plain",
		"":                  "",
		"x\u2028y\u00a0z\n": "x y z",
	} {
		if got := notify.OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarshalJSONKeepsMarkup(t *testing.T) {
	got, err := notify.MarshalJSON(map[string]string{"link": "<a&b>"})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"link":"<a&b>"}` {
		t.Errorf("got %s", got)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["link"] != "<a&b>" {
		t.Errorf("round trip %v %v", back, err)
	}
}

func TestValidLists(t *testing.T) {
	if !notify.ValidSeverity("HIGH") || notify.ValidSeverity("high") || !notify.ValidAlertType("RULE_ERROR") || notify.ValidAlertType("EVENT") {
		t.Error("severity or alert type check is wrong")
	}
}

func BenchmarkStandardJSON(b *testing.B) {
	a := notifytest.Alert()
	for b.Loop() {
		if _, err := notify.StandardJSON(a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetailedText(b *testing.B) {
	a := notifytest.Alert()
	for b.Loop() {
		if _, err := notify.DetailedText(a); err != nil {
			b.Fatal(err)
		}
	}
}
