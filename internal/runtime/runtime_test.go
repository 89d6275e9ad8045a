package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/config"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// testConfig is a configuration for a server in a test: its own data dir, short intervals.
func testConfig(t *testing.T, dataDir string) config.Config {
	t.Helper()
	c := config.Default()
	c.DataDir = dataDir
	c.Listen = "127.0.0.1:0"
	c.Lake.FlushInterval = config.Duration(200 * time.Millisecond)
	c.Reload.Interval = config.Duration(50 * time.Millisecond)
	c.Python.Workers = 1
	return c
}

// testServer starts a server and stops it when the test ends.
type testServer struct {
	*Server
	t      *testing.T
	url    string
	logs   *syncBuffer
	stdout *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServer(t *testing.T, c config.Config, mod ...func(*Options)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs, stdout := &syncBuffer{}, &syncBuffer{}
	o := Options{Config: c, Listener: ln, Stdout: stdout, Stderr: logs}
	c.Log.Level = "debug"
	o.Config = c
	for _, m := range mod {
		m(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: s, t: t, url: "http://" + s.Addr(), logs: logs, stdout: stdout}
	t.Cleanup(func() { ts.stop() })
	return ts
}

func (ts *testServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		ts.t.Errorf("shutdown: %v", err)
	}
}

// eventually polls cond until it holds or the deadline passes (the NATS tests' checkFor).
func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		<-tick.C
	}
}

func (ts *testServer) push(id, token string, body []byte, headers ...string) (int, map[string]any) {
	ts.t.Helper()
	req, _ := http.NewRequest("POST", ts.url+"/http/"+id, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (ts *testServer) get(path string) (int, string) {
	ts.t.Helper()
	resp, err := http.Get(ts.url + path)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// query runs SQL over the data dir's lake.
func query(t *testing.T, dataDir, sql string) [][]any {
	t.Helper()
	reg, err := LogTypes(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: filepath.Join(dataDir, "lake"), Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	_, rows, err := eng.QueryAll(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func cloudTrail(i int, name string) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/u%d","userName":"u%d"},"eventTime":"2026-03-01T12:%02d:00Z","eventSource":"iam.amazonaws.com","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.%d","eventID":"e-%d"}`, i%7, i%7, i%60, name, i%250, i)
}

const testRule = `AnalysisType: rule
RuleID: Test.CreateUser
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: High
Detection:
  - KeyPath: eventName
    Condition: Equals
    Value: CreateUser
AlertTitle: "user created"
`

func writeRule(t *testing.T, dataDir, name, text string) {
	t.Helper()
	dir := filepath.Join(DetectionsDir(dataDir), "rules")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// webhook records the alerts posted to it.
type webhook struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []map[string]any
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var a map[string]any
		json.NewDecoder(r.Body).Decode(&a)
		w.mu.Lock()
		w.alerts = append(w.alerts, a)
		w.mu.Unlock()
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *webhook) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.alerts)
}

// TestServerEndToEnd: HTTP push -> queue -> lake, detections -> alert -> webhook; status,
// metrics and health; a restart on the same data dir keeps every event once.
func TestServerEndToEnd(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	writeRule(t, data, "create_user.yml", testRule)
	hook := newWebhook(t)
	// Sources and destinations are set up with the stores the CLI uses, before the start.
	st, err := OpenState(ctx, data, StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	src, creds, err := st.Sources.Add(ctx, sources.Config{Label: "edge", Type: "http", Enabled: true, LogTypes: []string{"AWS.CloudTrail"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Destinations.Add(ctx, store.Destination{DisplayName: "hook", Type: "customwebhook",
		Config: json.RawMessage(`{"webhookURL":"` + hook.URL + `"}`), DefaultForSeverity: []string{"HIGH"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	ts := startServer(t, testConfig(t, data))
	first := ts.stdout.String()
	if !strings.HasPrefix(first, "Panther listening on http://"+ts.Addr()+"\n") || !strings.Contains(first, "admin admin@panther.local, one-time password ") {
		t.Fatalf("stdout of the first start: %q", first)
	}
	if code, body := ts.get("/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz %d %s", code, body)
	}
	if code, body := ts.get("/readyz"); code != 200 {
		t.Fatalf("readyz %d %s", code, body)
	}
	var body strings.Builder
	for i := 0; i < 50; i++ {
		name := "DescribeInstances"
		if i%10 == 0 {
			name = "CreateUser"
		}
		body.WriteString(cloudTrail(i, name) + "\n")
	}
	body.WriteString("not cloudtrail at all\n")
	code, out := ts.push(src.ID, creds.Token, []byte(body.String()))
	if code != 200 || out["accepted"] != float64(51) {
		t.Fatalf("push: %d %v", code, out)
	}
	eventually(t, "the checkpoint", 20*time.Second, func() bool { return ts.Status(ctx).Checkpoint >= 1 })
	eventually(t, "the alert at the webhook", 20*time.Second, func() bool { return hook.count() >= 1 })

	rows := query(t, data, "SELECT count(*), count(DISTINCT p_row_id), min(p_source_label), min(p_source_address), min(p_source_id) FROM panther_logs.aws_cloudtrail")
	if rows[0][0] != int64(50) || rows[0][1] != int64(50) || rows[0][2] != "edge" || !strings.HasPrefix(rows[0][3].(string), "127.0.0.1:") || rows[0][4] != src.ID {
		t.Fatalf("lake: %v", rows)
	}
	rows = query(t, data, "SELECT count(*), min(source_label), min(file) FROM panther_system.quarantine")
	if rows[0][0] != int64(1) || rows[0][1] != "edge" || rows[0][2] != "http" {
		t.Fatalf("quarantine: %v", rows)
	}
	rows = query(t, data, "SELECT count(*) FROM panther_rule_matches.aws_cloudtrail WHERE p_rule_id = 'Test.CreateUser'")
	if rows[0][0] != int64(5) {
		t.Fatalf("rule matches: %v", rows)
	}
	st2, err := OpenState(ctx, data, StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	status, err := st2.Sources.Status(ctx, src.ID)
	if err != nil || status.Events != 50 || status.Quarantined != 1 || status.LastEventAt.IsZero() {
		t.Fatalf("source status %+v %v", status, err)
	}
	_, metrics := ts.get("/metrics")
	for _, want := range []string{
		`panther_events_total{log_type="AWS.CloudTrail",source="edge"} 50`,
		`panther_quarantined_total{source="edge"} 1`,
		`panther_http_push_requests_total{code="200",source="edge"} 1`,
		`panther_rule_matches_total{detection="Test.CreateUser"} 5`,
		`panther_alerts_raised_total{severity="HIGH",type="RULE"} 1`,
		`panther_deliveries_total{destination="hook",outcome="succeeded"} 1`,
		`panther_lake_files_total{kind="logs"}`,
		`panther_queue_unprocessed 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", metrics)
	}

	// A restart replays nothing that was checkpointed, and takes new pushes.
	ts.stop()
	ts = startServer(t, testConfig(t, data))
	if out := ts.stdout.String(); strings.Contains(out, "admin") {
		t.Errorf("second start printed %q", out)
	}
	code, _ = ts.push(src.ID, creds.Token, []byte(cloudTrail(1000, "CreateUser")+"\n"))
	if code != 200 {
		t.Fatalf("push after restart: %d", code)
	}
	eventually(t, "the second checkpoint", 20*time.Second, func() bool { return ts.Status(ctx).Checkpoint >= 2 })
	rows = query(t, data, "SELECT count(*), count(DISTINCT eventID) FROM panther_logs.aws_cloudtrail")
	if rows[0][0] != int64(51) || rows[0][1] != int64(51) {
		t.Fatalf("after restart: %v", rows)
	}
	if strings.Contains(ts.logs.String(), creds.Token) {
		t.Error("a source token reached the server's logs")
	}
}
