package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/runtime"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/sourcetest"
)

// The detections of TestSourcesTogether, one per source: a simple detection on syslog, a
// simple detection on CloudTrail pushed over HTTP, and a Python rule on CloudTrail dropped
// in the watched directory.
var togetherDetections = map[string]string{
	"rules/syslog_failed_password.yml": `AnalysisType: rule
RuleID: E2E.Syslog.FailedPassword
Enabled: true
LogTypes: [Syslog.RFC5424, Syslog.RFC3164]
Severity: High
Detection:
  - KeyPath: message
    Condition: Contains
    Value: Failed password
AlertTitle: "failed ssh passwords"
`,
	"rules/http_create_user.yml": `AnalysisType: rule
RuleID: E2E.HTTP.CreateUser
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: High
Detection:
  - KeyPath: eventName
    Condition: Equals
    Value: CreateUser
AlertTitle: "users created"
`,
	"rules/dir_stop_logging.yml": `AnalysisType: rule
Filename: dir_stop_logging.py
RuleID: E2E.Dir.StopLogging
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: High
`,
	"rules/dir_stop_logging.py": `def rule(event):
    return event.get("eventName") == "StopLogging"


def title(event):
    return "CloudTrail logging stopped"
`,
}

// togetherRuns numbers the runs of TestSourcesTogether in this process (go test -count=N):
// the kinds' metrics live in the default registry, labelled by source label, so each run
// labels its sources afresh.
var togetherRuns atomic.Int32

// hook is a webhook destination that records the alerts posted to it.
type hook struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []map[string]any
}

func newHook(t *testing.T) *hook {
	h := &hook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a map[string]any
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.alerts = append(h.alerts, a)
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

// ids returns the sorted "id" (detection id) of the alerts received.
func (h *hook) ids() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, a := range h.alerts {
		out = append(out, fmt.Sprint(a["id"]))
	}
	slices.Sort(out)
	return out
}

// TestSourcesTogether is the "must show": a syslog sender (TCP and UDP) and an HTTP
// sender at the same time, and a file dropped in a watched directory meanwhile. Every event
// lands in the lake once, each source's detection fires, one alert per detection reaches a
// webhook, and /metrics counts it all per source.
func TestSourcesTogether(t *testing.T) {
	data, watched, rules := t.TempDir(), t.TempDir(), t.TempDir()
	for name, text := range togetherDetections {
		p := filepath.Join(rules, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wh := newHook(t)
	run := togetherRuns.Add(1)
	label := func(name string) string { return fmt.Sprintf("together-%s-%d", name, run) }
	udp, tcp := freePort(t, "udp"), freePort(t, "tcp")
	syslogSrc := addSource(t, data, sources.Config{Label: label("syslog"), Type: "syslog", LogTypes: []string{"Syslog.RFC5424", "Syslog.RFC3164"},
		Settings: json.RawMessage(fmt.Sprintf(`{"udp":%q,"tcp":%q}`, udp, tcp))})
	httpSrc, creds := addSourceCreds(t, data, sources.Config{Label: label("http"), Type: "http", LogTypes: []string{"AWS.CloudTrail"}})
	dirSrc := addSource(t, data, sources.Config{Label: label("dir"), Type: "dir", LogTypes: []string{"AWS.CloudTrail"},
		Settings: json.RawMessage(fmt.Sprintf(`{"path":%q,"poll_interval":"50ms","stable_for":"100ms"}`, watched))})
	addDestination(t, data, store.Destination{DisplayName: "together-hook", Type: "customwebhook",
		Config: json.RawMessage(`{"webhookURL":"` + wh.URL + `"}`), DefaultForSeverity: []string{"HIGH"}})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, data, func(o *runtime.Options) {
		o.Listener = ln
		o.Content = runtime.DirContent{Dir: rules}
	})
	base := "http://" + srv.Addr()

	const (
		tcpMessages  = 200 // every 10th a failed password
		udpMessages  = 30  // RFC 3164, every 10th a failed password
		httpRequests = 10
		httpEvents   = 30 // per request, every 10th a CreateUser
		dirEvents    = 100
	)
	tcpConn := dialRetry(t, "tcp", tcp)
	udpConn, err := net.Dial("udp", udp) // up once TCP answers: the listeners open together
	if err != nil {
		t.Fatal(err)
	}
	defer udpConn.Close()

	// The senders run at the same time; each reports its first error.
	errs := make(chan error, 3+httpRequests)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range tcpMessages {
			msg := fmt.Sprintf("Accepted publickey for user%d from 198.51.100.%d port 22 ssh2", i, i%200)
			if i%10 == 0 {
				msg = fmt.Sprintf("Failed password for root from 203.0.113.%d port 22 ssh2", i%200)
			}
			if _, err := fmt.Fprintf(tcpConn, "<38>1 2026-03-01T12:%02d:%02dZ bastion-%d sshd %d - - %s\n", i/60, i%60, i%3, 1000+i, msg); err != nil {
				errs <- fmt.Errorf("syslog tcp: %w", err)
				return
			}
		}
	})
	wg.Go(func() {
		for i := range udpMessages {
			msg := "session opened for user alice"
			if i%10 == 0 {
				msg = "Failed password for invalid user admin from 192.0.2.9 port 4022 ssh2"
			}
			if _, err := fmt.Fprintf(udpConn, "<38>Mar  1 12:00:%02d fw-%d sshd[77]: %s", i, i%2, msg); err != nil {
				errs <- fmt.Errorf("syslog udp: %w", err)
				return
			}
		}
	})
	for r := range httpRequests {
		wg.Go(func() {
			var b bytes.Buffer
			for i := range httpEvents {
				n := r*httpEvents + i
				name := "DescribeInstances"
				if n%10 == 0 {
					name = "CreateUser"
				}
				fmt.Fprintf(&b, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"u%d"},"eventTime":"2026-03-01T12:%02d:00Z","eventSource":"iam.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"192.0.2.%d","eventID":"http-%d"}`+"\n", n%7, n%60, name, n%250, n)
			}
			if err := push(base, httpSrc.ID, creds.Token, b.Bytes()); err != nil {
				errs <- fmt.Errorf("http request %d: %w", r, err)
			}
		})
	}
	wg.Go(func() {
		var b strings.Builder
		b.WriteString(`{"Records":[`)
		for i := range dirEvents {
			if i > 0 {
				b.WriteString(",")
			}
			name := "GetObject"
			if i%25 == 0 {
				name = "StopLogging"
			}
			fmt.Fprintf(&b, `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROA:%d"},"eventTime":"2026-03-01T13:%02d:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":%q,"awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.%d","eventID":"dir-%d"}`, i, i%60, name, i, i)
		}
		b.WriteString("]}")
		tmp := filepath.Join(watched, "trail.json.tmp")
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			errs <- err
			return
		}
		if err := os.Rename(tmp, filepath.Join(watched, "trail.json")); err != nil {
			errs <- err
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Every event in the lake once, from its own source.
	lakeCount(t, data, "SELECT count(*) FROM panther_logs.syslog_rfc5424", tcpMessages)
	lakeCount(t, data, "SELECT count(*) FROM panther_logs.syslog_rfc3164", udpMessages)
	lakeCount(t, data, "SELECT count(*) FROM panther_logs.aws_cloudtrail", httpRequests*httpEvents+dirEvents)
	for _, c := range []struct {
		sql  string
		want []any
	}{
		{"SELECT count(DISTINCT p_row_id), min(p_source_id), min(p_source_label), min(p_source_address) FROM panther_logs.syslog_rfc5424",
			[]any{int64(tcpMessages), syslogSrc.ID, label("syslog"), tcpConn.LocalAddr().String()}},
		{"SELECT count(DISTINCT p_row_id), min(p_source_id), min(p_source_address) FROM panther_logs.syslog_rfc3164",
			[]any{int64(udpMessages), syslogSrc.ID, udpConn.LocalAddr().String()}},
		{"SELECT count(DISTINCT eventID), min(p_source_label) FROM panther_logs.aws_cloudtrail WHERE p_source_id = '" + httpSrc.ID + "'",
			[]any{int64(httpRequests * httpEvents), label("http")}},
		{"SELECT count(DISTINCT eventID), min(p_source_label) FROM panther_logs.aws_cloudtrail WHERE p_source_id = '" + dirSrc.ID + "'",
			[]any{int64(dirEvents), label("dir")}},
		{"SELECT count(*) FROM panther_system.quarantine", []any{int64(0)}},
	} {
		if got := query(t, data, c.sql); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.sql, got, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(watched, "done", "trail.json")); err != nil {
		t.Errorf("the dropped file is not in done/: %v", err)
	}

	// Each detection fired on its source's events, and raised one alert at the webhook.
	wantMatches := map[string]int64{
		"E2E.Syslog.FailedPassword": tcpMessages/10 + udpMessages/10,
		"E2E.HTTP.CreateUser":       httpRequests * httpEvents / 10,
		"E2E.Dir.StopLogging":       dirEvents / 25,
	}
	for id, want := range wantMatches {
		lakeCount(t, data, fmt.Sprintf("SELECT (SELECT count(*) FROM panther_rule_matches.syslog_rfc5424 WHERE p_rule_id = '%[1]s') + (SELECT count(*) FROM panther_rule_matches.syslog_rfc3164 WHERE p_rule_id = '%[1]s') + (SELECT count(*) FROM panther_rule_matches.aws_cloudtrail WHERE p_rule_id = '%[1]s')", id), want)
	}
	wantAlerts := []string{"E2E.Dir.StopLogging", "E2E.HTTP.CreateUser", "E2E.Syslog.FailedPassword"}
	sourcetest.Eventually(t, "an alert of each detection at the webhook", func() bool { return len(wh.ids()) >= len(wantAlerts) })
	if got := wh.ids(); !slices.Equal(got, wantAlerts) {
		t.Errorf("alerts at the webhook: %v, want %v", got, wantAlerts)
	}

	// /metrics counts them per source.
	metrics := get(t, base+"/metrics")
	for _, want := range []string{
		fmt.Sprintf(`panther_events_total{log_type="Syslog.RFC5424",source=%q} %d`, label("syslog"), tcpMessages),
		fmt.Sprintf(`panther_events_total{log_type="Syslog.RFC3164",source=%q} %d`, label("syslog"), udpMessages),
		fmt.Sprintf(`panther_events_total{log_type="AWS.CloudTrail",source=%q} %d`, label("http"), httpRequests*httpEvents),
		fmt.Sprintf(`panther_events_total{log_type="AWS.CloudTrail",source=%q} %d`, label("dir"), dirEvents),
		fmt.Sprintf(`panther_syslog_messages_total{source=%q,transport="tcp"} %d`, label("syslog"), tcpMessages),
		fmt.Sprintf(`panther_syslog_messages_total{source=%q,transport="udp"} %d`, label("syslog"), udpMessages),
		fmt.Sprintf(`panther_syslog_dropped_messages_total{source=%q} 0`, label("syslog")),
		fmt.Sprintf(`panther_http_push_requests_total{code="200",source=%q} %d`, label("http"), httpRequests),
		fmt.Sprintf(`panther_dir_files_total{outcome="done",source=%q} 1`, label("dir")),
		fmt.Sprintf(`panther_rule_matches_total{detection="E2E.Syslog.FailedPassword"} %d`, wantMatches["E2E.Syslog.FailedPassword"]),
		fmt.Sprintf(`panther_rule_matches_total{detection="E2E.HTTP.CreateUser"} %d`, wantMatches["E2E.HTTP.CreateUser"]),
		fmt.Sprintf(`panther_rule_matches_total{detection="E2E.Dir.StopLogging"} %d`, wantMatches["E2E.Dir.StopLogging"]),
		`panther_alerts_raised_total{severity="HIGH",type="RULE"} 3`,
		`panther_deliveries_total{destination="together-hook",outcome="succeeded"} 3`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", metrics)
	}
	for _, id := range []string{syslogSrc.ID, httpSrc.ID, dirSrc.ID} {
		if st := status(t, data, id); st.LastError != "" || st.LastEventAt.IsZero() {
			t.Errorf("status of %s: %+v", id, st)
		}
	}
}

// addDestination stores a destination in dataDir with the store the CLI uses.
func addDestination(t *testing.T, dataDir string, d store.Destination) {
	t.Helper()
	ctx := context.Background()
	st, err := runtime.OpenState(ctx, dataDir, runtime.StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Destinations.Add(ctx, d); err != nil {
		t.Fatal(err)
	}
}

// push posts NDJSON to an http source and checks the answer.
func push(base, id, token string, body []byte) error {
	req, err := http.NewRequest("POST", base+"/http/"+id, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status + ": " + string(b))
	}
	return nil
}

// get returns the body of a GET.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}
