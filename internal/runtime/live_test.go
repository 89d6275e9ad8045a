package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/sources"
)

// uploadRules stores detection files in the data dir's content store, as `panther
// detections upload` and the API do, replacing what is there.
func uploadRules(t *testing.T, st *State, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	col, err := analysis.Load(dir, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	items, err := content.ItemsFromCollection(col, os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := content.Open(context.Background(), st.DB, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Upload(context.Background(), items, true, false, "test"); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a loopback address free for network ("tcp" or "udp") a moment ago.
func freePort(t *testing.T, network string) string {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().String()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// metricValue reads one sample of the /metrics text.
func metricValue(metrics, series string) float64 {
	re := regexp.MustCompile("(?m)^" + regexp.QuoteMeta(series) + ` ([0-9.e+-]+)$`)
	m := re.FindStringSubmatch(metrics)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

const customSchema = `version: 0
schema: Custom.AppLog
parser:
  fastmatch:
    match: ['app=%{app} user=%{user} action=%{action}']
fields:
  - {name: app, type: string, required: true}
  - {name: user, type: string, required: true, indicators: [username]}
  - {name: action, type: string, required: true}
`

// TestHotReload: detections, custom schemas and sources changed while the server runs take
// effect without a restart, each within a couple of seconds, and nothing in flight is lost.
func TestHotReload(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	ts := startServer(t, testConfig(t, data))
	st, err := OpenState(ctx, data, StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, creds, err := st.Sources.Add(ctx, sources.Config{Label: "edge", Type: "http", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	// The new source works at once; its label is stamped once the reload saw it.
	if code, _ := ts.push(src.ID, creds.Token, []byte(cloudTrail(1, "CreateUser")+"\n")); code != 200 {
		t.Fatalf("push: %d", code)
	}
	if got := ts.Status(ctx).Rules; got != 0 {
		t.Fatalf("%d rules before the upload", got)
	}

	// Detections.
	start := time.Now()
	uploadRules(t, st, map[string]string{"create_user.yml": testRule})
	eventually(t, "the uploaded rule to run", 10*time.Second, func() bool { return ts.Status(ctx).Rules == 1 })
	t.Logf("detections reloaded in %s", time.Since(start).Round(time.Millisecond))
	if code, _ := ts.push(src.ID, creds.Token, []byte(cloudTrail(2, "CreateUser")+"\n")); code != 200 {
		t.Fatalf("push: %d", code)
	}
	eventually(t, "the alert of the new rule", 10*time.Second, func() bool {
		page, err := st.Alerts.List(ctx, alerts.Filter{DetectionID: "Test.CreateUser"})
		return err == nil && len(page.Alerts) == 1
	})

	// A custom schema.
	start = time.Now()
	if err := os.MkdirAll(filepath.Join(data, "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "schemas", "applog.yml"), []byte(customSchema), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the custom schema", 10*time.Second, func() bool { return ts.registry().Get("Custom.AppLog") != nil })
	t.Logf("schemas reloaded in %s", time.Since(start).Round(time.Millisecond))
	if code, _ := ts.push(src.ID, creds.Token, []byte("app=web user=ana action=login\n")); code != 200 {
		t.Fatalf("push: %d", code)
	}

	// A source disabled is refused within the reload interval.
	if err := st.Sources.SetEnabled(ctx, src.ID, false); err != nil {
		t.Fatal(err)
	}
	accepted := 0 // pushes accepted before the reload saw the change
	eventually(t, "the disabled source to be refused", 10*time.Second, func() bool {
		code, _ := ts.push(src.ID, creds.Token, []byte(cloudTrail(3+accepted, "Nope")+"\n"))
		if code == 200 {
			accepted++
		}
		return code == 403
	})

	eventually(t, "everything checkpointed", 20*time.Second, func() bool {
		s := ts.Status(ctx)
		return s.Checkpoint == s.Processed && s.Processed >= 3
	})
	rows := query(t, data, "SELECT count(*) FROM panther_logs.aws_cloudtrail")
	if rows[0][0] != int64(2+accepted) {
		t.Fatalf("cloudtrail rows: %v, want %d", rows, 2+accepted)
	}
	rows = query(t, data, "SELECT user, p_source_label FROM panther_logs.custom_applog")
	if len(rows) != 1 || rows[0][0] != "ana" || rows[0][1] != "edge" {
		t.Fatalf("custom rows: %v", rows)
	}
	_, metrics := ts.get("/metrics")
	for _, what := range []string{"detections", "schemas", "sources"} {
		if v := metricValue(metrics, fmt.Sprintf(`panther_reloads_total{result="ok",what="%s"}`, what)); v < 1 {
			t.Errorf("reloads of %s: %v", what, v)
		}
	}
}

// TestMultipleSources: a syslog sender (UDP and TCP), an HTTP sender and a watched directory
// at once; events land, detections fire, alerts reach a webhook, /metrics counts them.
func TestMultipleSources(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	hook := newWebhook(t)
	st, err := OpenState(ctx, data, StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	uploadRules(t, st, map[string]string{
		"create_user.yml": testRule,
		"ssh.yml": `AnalysisType: rule
RuleID: Test.SSH
Enabled: true
LogTypes: [Syslog.RFC5424]
Severity: High
Detection:
  - KeyPath: message
    Condition: StartsWith
    Value: Failed password
`,
	})
	if _, err := st.Destinations.Add(ctx, store.Destination{DisplayName: "hook", Type: "customwebhook",
		Config: json.RawMessage(`{"webhookURL":"` + hook.URL + `"}`), DefaultForSeverity: []string{"HIGH"}}); err != nil {
		t.Fatal(err)
	}
	httpSrc, creds, err := st.Sources.Add(ctx, sources.Config{Label: "edge", Type: "http", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	udp, tcp := freePort(t, "udp"), freePort(t, "tcp")
	settings, _ := json.Marshal(map[string]string{"udp": udp, "tcp": tcp})
	if _, _, err := st.Sources.Add(ctx, sources.Config{Label: "fw", Type: "syslog", Enabled: true, Settings: settings,
		LogTypes: []string{"Syslog.RFC5424"}}); err != nil {
		t.Fatal(err)
	}
	drop := filepath.Join(t.TempDir(), "drop")
	if err := os.MkdirAll(drop, 0o755); err != nil {
		t.Fatal(err)
	}
	dirSettings, _ := json.Marshal(map[string]string{"path": drop, "poll_interval": "100ms", "stable_for": "100ms"})
	if _, _, err := st.Sources.Add(ctx, sources.Config{Label: "drop", Type: "dir", Enabled: true, Settings: dirSettings}); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, testConfig(t, data))

	// HTTP: 20 events, 2 of them CreateUser.
	var body strings.Builder
	for i := 0; i < 20; i++ {
		name := "ListUsers"
		if i%10 == 0 {
			name = "CreateUser"
		}
		body.WriteString(cloudTrail(i, name) + "\n")
	}
	if code, _ := ts.push(httpSrc.ID, creds.Token, []byte(body.String())); code != 200 {
		t.Fatalf("push: %d", code)
	}
	// Syslog: 3 over UDP, 2 over TCP (LF framing), all failed passwords on one host.
	msg := func(i int) string {
		return fmt.Sprintf("<38>1 2026-03-01T12:00:%02dZ bastion sshd %d - - Failed password for root from 203.0.113.9 port %d ssh2", i, i, 4000+i)
	}
	eventually(t, "the syslog listeners", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", tcp)
		if err != nil {
			return false
		}
		defer c.Close()
		for i := 0; i < 2; i++ {
			fmt.Fprintf(c, "%s\n", msg(i))
		}
		return true
	})
	uc, err := net.Dial("udp", udp)
	if err != nil {
		t.Fatal(err)
	}
	for i := 10; i < 13; i++ {
		fmt.Fprint(uc, msg(i))
	}
	uc.Close()
	// A watched file: 5 events.
	var file strings.Builder
	for i := 100; i < 105; i++ {
		file.WriteString(cloudTrail(i, "GetUser") + "\n")
	}
	if err := os.WriteFile(filepath.Join(drop, "trail.json"), []byte(file.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	eventually(t, "every event counted", 30*time.Second, func() bool {
		_, m := ts.get("/metrics")
		return metricValue(m, `panther_events_total{log_type="AWS.CloudTrail",source="edge"}`) == 20 &&
			metricValue(m, `panther_events_total{log_type="AWS.CloudTrail",source="drop"}`) == 5 &&
			metricValue(m, `panther_events_total{log_type="Syslog.RFC5424",source="fw"}`) >= 4
	})
	eventually(t, "alerts at the webhook", 20*time.Second, func() bool { return hook.count() >= 2 })
	eventually(t, "the file moved to done/", 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(drop, "done", "trail.json"))
		return err == nil
	})
	eventually(t, "the checkpoint", 20*time.Second, func() bool {
		s := ts.Status(ctx)
		return s.Checkpoint == s.Processed && s.Processed > 0
	})
	rows := query(t, data, "SELECT p_source_label, count(*), min(p_source_address) FROM panther_views.all_logs GROUP BY 1 ORDER BY 1")
	got := map[string]int64{}
	for _, r := range rows {
		got[r[0].(string)] = r[1].(int64)
	}
	if got["edge"] != 20 || got["drop"] != 5 || got["fw"] < 4 {
		t.Fatalf("rows by source: %v", rows)
	}
	for _, r := range rows {
		if r[0] == "fw" && !strings.HasPrefix(fmt.Sprint(r[2]), "127.0.0.1:") {
			t.Errorf("syslog events without their sender address: %v", r)
		}
	}
	_, metrics := ts.get("/metrics")
	for _, want := range []string{
		`panther_rule_matches_total{detection="Test.CreateUser"} 2`,
		`panther_deliveries_total{destination="hook",outcome="succeeded"}`,
		`panther_alerts_raised_total{severity="HIGH",type="RULE"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if v := metricValue(metrics, `panther_rule_matches_total{detection="Test.SSH"}`); v < 4 {
		t.Errorf("ssh matches %v", v)
	}
}
