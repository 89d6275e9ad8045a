package cli_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadErrorsSaidOnce: two rules import a module that is not installed. Ingesting 100
// events reports each once, with its fix, raises one RULE_ERROR alert per rule, and writes no
// rule error row for any event; the other rules still run. A second ingest within the day
// raises nothing new.
func TestLoadErrorsSaidOnce(t *testing.T) {
	hasPython(t)
	data, dets := t.TempDir(), t.TempDir()
	files := map[string]string{
		"rules/one.yml": "AnalysisType: rule\nFilename: one.py\nRuleID: Broken.One\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: Medium\n",
		"rules/one.py":  "import not_installed_pkg.policy\n\ndef rule(event):\n    return True\n",
		"rules/two.yml": "AnalysisType: rule\nFilename: two.py\nRuleID: Broken.Two\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: High\n",
		"rules/two.py":  "from not_installed_pkg import x\n\ndef rule(event):\n    return True\n",
		"rules/syn.yml": "AnalysisType: rule\nFilename: syn.py\nRuleID: Broken.Syntax\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: Low\n",
		"rules/syn.py":  "def rule(event)\n    return True\n",
		"rules/bad.yml": "AnalysisType: rule\nRuleID: Broken.Spec\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: Severe\nDetection: [{KeyPath: a, Condition: Exists}]\n",
		"rules/ok.yml":  "AnalysisType: rule\nFilename: ok.py\nRuleID: Works\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: Low\n",
		"rules/ok.py":   "def rule(event):\n    return event.get('eventName') == 'ConsoleLogin'\n",
		"rules/off.yml": "AnalysisType: rule\nFilename: off.py\nRuleID: Broken.Disabled\nEnabled: false\nLogTypes: [AWS.CloudTrail]\nSeverity: Low\n",
		"rules/off.py":  "import not_installed_pkg\n",
	}
	var events strings.Builder
	for i := 0; i < 100; i++ {
		name := "DescribeInstances"
		if i == 7 {
			name = "ConsoleLogin"
		}
		fmt.Fprintf(&events, `{"eventVersion":"1.08","eventTime":"2024-06-01T10:%02d:00Z","eventSource":"ec2.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/u%d","accountId":"123456789012"},"recipientAccountId":"123456789012","eventID":"e%d"}`+"\n", i%60, name, i%250, i, i)
	}
	files["logs/events.json"] = events.String()
	writeFiles(t, dets, files)
	logs := filepath.Join(dets, "logs", "events.json")
	delete(files, "logs/events.json")

	out, errs, code := run(t, "", "ingest", "--data-dir", data, "--detections", filepath.Join(dets, "rules"), logs)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{
		"detection Broken.One cannot run: ModuleNotFoundError: No module named 'not_installed_pkg'; rule Broken.One imports not_installed_pkg, which is not installed in ",
		"-m pip install not-installed-pkg` (or your distribution's package)",
		"rules/one.py:1: detection Broken.One cannot run",
		"detection Broken.Two cannot run: ModuleNotFoundError",
		"rules/syn.py:1: detection Broken.Syntax cannot run: SyntaxError: expected ':'",
		"bad.yml: detection Broken.Spec cannot run: its spec is invalid: bad.yml:5: Severity: expected one of Info, Low, Medium, High, Critical",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "Broken.Disabled") {
		t.Errorf("a disabled rule was reported:\n%s", errs)
	}
	if n := strings.Count(errs, "cannot run"); n != 4 {
		t.Errorf("%d cannot-run lines, want 4 (each said once):\n%s", n, errs)
	}
	if !strings.Contains(out, "1 rules ran: 1 matches, 0 rule errors, 1 alerts raised") ||
		!strings.Contains(out, "4 detections cannot run (see above): 4 RULE_ERROR alerts raised") {
		t.Errorf("summary:\n%s", out)
	}
	type alert struct {
		DetectionID string `json:"detectionId"`
		Type        string `json:"type"`
		Title       string `json:"title"`
		Severity    string `json:"severity"`
		EventCount  int    `json:"eventCount"`
		Error       string `json:"errorMessage"`
	}
	listAlerts := func() map[string]alert {
		got := map[string]alert{}
		for _, line := range strings.Split(strings.TrimSpace(mustRun(t, "", "alerts", "list", "--data-dir", data, "--format", "json")), "\n") {
			var a alert
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if _, dup := got[a.DetectionID]; dup {
				t.Errorf("two alerts for %s", a.DetectionID)
			}
			got[a.DetectionID] = a
		}
		return got
	}
	got := listAlerts()
	if len(got) != 5 {
		t.Errorf("alerts: %+v", got)
	}
	one := got["Broken.One"]
	if one.Type != "RULE_ERROR" || one.EventCount != 1 || one.Severity != "MEDIUM" ||
		one.Title != "Detection Broken.One cannot run: ModuleNotFoundError: No module named 'not_installed_pkg'" ||
		!strings.Contains(one.Error, "pip install not-installed-pkg") {
		t.Errorf("Broken.One alert: %+v", one)
	}
	if got["Broken.Spec"].Severity != "HIGH" || got["Works"].Type != "RULE" {
		t.Errorf("alerts: %+v", got)
	}
	q := mustRun(t, "", "query", "--data-dir", data, "--format", "csv", "SELECT count(*) AS n FROM panther_views.all_rule_errors")
	if q != "n\n0\n" {
		t.Errorf("rule error rows:\n%s", q)
	}

	// Again: the same load errors join the alerts of the day; nothing new is raised.
	out, errs, code = run(t, "", "ingest", "--data-dir", data, "--detections", filepath.Join(dets, "rules"), logs)
	if code != 0 || !strings.Contains(out, "4 detections cannot run (see above): 0 RULE_ERROR alerts raised") {
		t.Errorf("second ingest: exit %d\n%s\n%s", code, out, errs)
	}
	if again := listAlerts(); len(again) != 5 || again["Broken.One"].EventCount != 1 {
		t.Errorf("after the second ingest: %+v", again)
	}

	// panther detections list shows them as not loaded, with why.
	list := mustRun(t, "", "detections", "list", "--data-dir", data, "--path", filepath.Join(dets, "rules"))
	status := map[string]string{}
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 6 && strings.HasPrefix(fields[0], "Broken.") || len(fields) >= 6 && fields[0] == "Works" {
			status[fields[0]] = strings.Join(fields[5:], " ")
		}
	}
	for id, want := range map[string]string{
		"Broken.One": "not loaded AWS.CloudTrail", "Broken.Two": "not loaded AWS.CloudTrail", "Broken.Syntax": "not loaded AWS.CloudTrail",
		"Broken.Spec": "not loaded (invalid spec)", "Broken.Disabled": "not loaded AWS.CloudTrail", "Works": "loaded AWS.CloudTrail",
	} {
		if status[id] != want {
			t.Errorf("%s: status %q, want %q\n%s", id, status[id], want, list)
		}
	}
	if !strings.Contains(list, "5 detections are not loaded and do not run:") || !strings.Contains(list, "pip install not-installed-pkg") {
		t.Errorf("detections list:\n%s", list)
	}
}
