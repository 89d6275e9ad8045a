package cli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pantherlabs/panther/internal/cli"
)

// run runs the panther command in-process.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Main(args, &cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }})
	return out.String(), errb.String(), code
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errs, code := run(t, stdin, args...)
	if code != 0 {
		t.Fatalf("panther %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var detectionFiles = map[string]string{
	"rules/root_login.yml": `AnalysisType: rule
Filename: root_login.py
RuleID: AWS.Console.RootLogin
DisplayName: Root console login
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: High
Tags: [AWS]
`,
	"rules/root_login.py": `def rule(event):
    return event.get("eventName") == "ConsoleLogin" and event.deep_get("userIdentity", "type") == "Root"


def title(event):
    return f"Root login from {event.get('sourceIPAddress')}"
`,
	"rules/bucket_policy.yml": `AnalysisType: rule
RuleID: AWS.S3.BucketPolicy
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: Medium
Detection:
  - Key: eventName
    Condition: Equals
    Value: PutBucketPolicy
AlertTitle: "Bucket policy of {requestParameters.bucketName} changed"
`,
	"rules/noisy.yml": `AnalysisType: rule
Filename: noisy.py
RuleID: AWS.Any.Api
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: Low
Threshold: 100
`,
	"rules/noisy.py": "def rule(event):\n    return True\n",
}

func hasPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
}

// TestIngestDetectionsAlertsWebhook: panther ingest --detections on sample logs yields the
// expected alerts in panther alerts list, and a configured webhook receives them.
func TestIngestDetectionsAlertsWebhook(t *testing.T) {
	hasPython(t)
	var mu sync.Mutex
	var received []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("bad webhook request: %s %s %v", r.Method, body, err)
		}
		mu.Lock()
		received = append(received, doc)
		mu.Unlock()
	}))
	defer srv.Close()

	data := t.TempDir()
	dets := t.TempDir()
	writeFiles(t, dets, detectionFiles)
	mustRun(t, `{"webhookURL":"`+srv.URL+`/hook"}`, "destinations", "add", "--data-dir", data,
		"--type", "customwebhook", "--name", "hook", "--config", "-", "--severity", "HIGH,MEDIUM")
	out := mustRun(t, "", "ingest", "--data-dir", data, "--detections", dets, "../demo/samples/123456789012_CloudTrail_us-east-1_20241015T1200Z_demo.json")
	if !strings.Contains(out, "3 rules ran: 6 matches, 0 rule errors, 2 alerts raised") {
		t.Errorf("ingest output:\n%s", out)
	}

	var alerts []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(mustRun(t, "", "alerts", "list", "--data-dir", data, "--format", "json")), "\n") {
		var a map[string]any
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatal(err)
		}
		alerts = append(alerts, a)
	}
	var titles []string
	for _, a := range alerts {
		titles = append(titles, a["detectionId"].(string)+": "+a["title"].(string)+" ["+a["severity"].(string)+"]")
	}
	sort.Strings(titles)
	want := []string{
		"AWS.Console.RootLogin: Root login from 198.51.100.23 [HIGH]",
		"AWS.S3.BucketPolicy: Bucket policy of finance-reports changed [MEDIUM]",
	}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Errorf("alerts:\n%s", strings.Join(titles, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 2 {
		t.Fatalf("webhook received %d notifications: %v", len(received), received)
	}
	for _, doc := range received {
		if doc["alertId"] == "" || !strings.HasPrefix(doc["title"].(string), "New Alert: ") {
			t.Errorf("notification = %v", doc)
		}
	}
	// The matched events are in the lake under their alert.
	q := mustRun(t, "", "query", "--data-dir", data, "--format", "csv",
		"SELECT p_rule_id, count(*) FROM panther_views.all_rule_matches GROUP BY 1 ORDER BY 1")
	if q != "p_rule_id,count_star()\nAWS.Any.Api,4\nAWS.Console.RootLogin,1\nAWS.S3.BucketPolicy,1\n" {
		t.Errorf("rule matches:\n%s", q)
	}
}

func TestQueryFormatsAndErrors(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "", "ingest", "--data-dir", data, "--no-detections", "../demo/samples/mixed-with-garbage.log")
	out := mustRun(t, "", "query", "--data-dir", data, "--format", "json", "SELECT eventName, userIdentity.userName AS u FROM panther_logs.aws_cloudtrail")
	if out != `{"eventName":"CreateAccessKey","u":"carol"}`+"\n" {
		t.Errorf("json: %q", out)
	}
	out = mustRun(t, "", "query", "--data-dir", data, "SELECT line, reason FROM panther_system.quarantine ORDER BY line")
	if !strings.Contains(out, "(2 rows)") || !strings.Contains(out, "line | reason") {
		t.Errorf("table:\n%s", out)
	}
	_, errs, code := run(t, "", "query", "--data-dir", data, "SELECT * FORM x")
	if code != 1 || !strings.Contains(errs, "SQL error") || !strings.Contains(errs, "LINE 1") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
	_, errs, code = run(t, "", "query", "--data-dir", data, "--format", "xml", "SELECT 1")
	if code != 2 || !strings.Contains(errs, "unknown --format") {
		t.Errorf("exit %d, stderr %s", code, errs)
	}
}

func TestIngestExitCodes(t *testing.T) {
	data := t.TempDir()
	// Quarantined lines are not an error.
	if _, _, code := run(t, "", "ingest", "--data-dir", data, "--no-detections", "../demo/samples/mixed-with-garbage.log"); code != 0 {
		t.Errorf("quarantine: exit %d", code)
	}
	// An unreadable file is.
	_, errs, code := run(t, "", "ingest", "--data-dir", data, "--no-detections", "../demo/samples/mixed-with-garbage.log", "does-not-exist.log")
	if code != 1 || !strings.Contains(errs, "does-not-exist.log") {
		t.Errorf("missing file: exit %d, stderr %s", code, errs)
	}
	_, errs, code = run(t, "", "ingest", "--data-dir", data, "--log-type", "AWS.CloudTrial", "x")
	if code != 1 || !strings.Contains(errs, `unknown log type "AWS.CloudTrial"`) || !strings.Contains(errs, "AWS.CloudTrail") {
		t.Errorf("bad log type: exit %d, stderr %s", code, errs)
	}
}
