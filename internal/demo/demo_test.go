package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
)

func TestFeed(t *testing.T) {
	var f Feed
	now := time.Date(2026, 3, 1, 12, 30, 5, 0, time.UTC)
	http, syslog, err := f.Next(now)
	if err != nil {
		t.Fatal(err)
	}
	if len(http) != 3 || len(syslog) != 4 {
		t.Fatalf("%d bodies, %d syslog messages", len(http), len(syslog))
	}
	ct := string(http[0].Body)
	if !strings.Contains(ct, `"eventTime":"2026-03-01T12:30:05Z"`) || !strings.Contains(ct, `"eventID":"evt-1-2"`) || strings.Contains(ct, "{{") {
		t.Errorf("cloudtrail: %s", ct)
	}
	if !strings.Contains(string(http[1].Body), "[01/Mar/2026:12:30:05 +0000]") {
		t.Errorf("nginx: %s", http[1].Body)
	}
	if !strings.HasPrefix(string(syslog[0]), "<38>1 2026-03-01T12:30:05Z bastion-1 sshd") {
		t.Errorf("syslog: %s", syslog[0])
	}
	http2, _, _ := f.Next(now)
	if !strings.Contains(string(http2[0].Body), `"eventID":"evt-2-2"`) {
		t.Error("rounds do not differ")
	}
}

// TestDetections: the demo detections load without problems (panther test runs their tests
// in the runtime's demo test).
func TestDetections(t *testing.T) {
	col, err := analysis.LoadFS(Detections(), "demo", analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Invalid) > 0 {
		t.Fatalf("invalid: %v", col.Problems())
	}
	n := 0
	for _, d := range col.Detections {
		if d.Enabled {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("%d enabled detections", n)
	}
}
