package cli_test

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var correlationFiles = map[string]string{
	"rules/create_user.yml": `AnalysisType: rule
Filename: create_user.py
RuleID: Test.CreateUser
Enabled: true
CreateAlert: false
LogTypes: [AWS.CloudTrail]
Severity: Info
`,
	"rules/create_user.py": `def rule(event):
    return event.get("eventName") == "CreateUser"


def alert_context(event):
    return {"user": event.deep_get("requestParameters", "userName")}
`,
	"rules/attach_admin.yml": `AnalysisType: rule
RuleID: Test.AttachAdmin
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: Medium
Detection:
  - Key: eventName
    Condition: Equals
    Value: AttachUserPolicy
AlertTitle: "Policy attached to {requestParameters.userName}"
`,
	"correlation_rules/admin_user.yml": `AnalysisType: correlation_rule
RuleID: Test.AdminUserCreated
DisplayName: New user made admin
Enabled: true
Severity: High
Detection:
  - Group:
      - ID: created
        RuleID: Test.CreateUser
      - ID: attached
        RuleID: Test.AttachAdmin
    MatchCriteria:
      user:
        - GroupID: created
          Match: p_alert_context.user
        - GroupID: attached
          Match: requestParameters.userName
    LookbackWindowMinutes: 60
    Schedule: {RateMinutes: 30, TimeoutMinutes: 5}
Tests:
  - Name: created then attached
    ExpectedResult: true
    RuleOutputs:
      - ID: created
        Matches: {p_alert_context.user: {alice: [0]}}
      - ID: attached
        Matches: {requestParameters.userName: {alice: [20]}}
`,
	"logs/a.json": `{"eventVersion":"1.08","eventTime":"2024-06-01T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/admin"},"requestParameters":{"userName":"alice"},"recipientAccountId":"123456789012","eventID":"a1"}
{"eventVersion":"1.08","eventTime":"2024-06-01T10:05:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/admin"},"requestParameters":{"userName":"bob"},"recipientAccountId":"123456789012","eventID":"a2"}
`,
	"logs/b.json": `{"eventVersion":"1.08","eventTime":"2024-06-01T10:20:00Z","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/admin"},"requestParameters":{"userName":"alice","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"},"recipientAccountId":"123456789012","eventID":"b1"}
{"eventVersion":"1.08","eventTime":"2024-06-01T12:00:00Z","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/admin"},"requestParameters":{"userName":"bob","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"},"recipientAccountId":"123456789012","eventID":"b2"}
`,
}

type listedAlert struct {
	ID          string          `json:"id"`
	DetectionID string          `json:"detectionId"`
	Title       string          `json:"title"`
	Dedup       string          `json:"dedup"`
	Severity    string          `json:"severity"`
	EventCount  int             `json:"eventCount"`
	Context     json.RawMessage `json:"context"`
}

func listAlertsJSON(t *testing.T, data string) []listedAlert {
	t.Helper()
	var out []listedAlert
	text := strings.TrimSpace(mustRun(t, "", "alerts", "list", "--data-dir", data, "--format", "json"))
	if text == "" {
		return nil
	}
	for _, line := range strings.Split(text, "\n") {
		var a listedAlert
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// TestIngestCorrelation: a correlation rule over a signal-only rule (CreateAlert: false) and
// a rule that alerts, fed by two files in either order, raises the same one alert, linked to
// its member matches; panther test runs its RuleOutputs test.
func TestIngestCorrelation(t *testing.T) {
	hasPython(t)
	dets := t.TempDir()
	writeFiles(t, dets, correlationFiles)
	a, b := filepath.Join(dets, "logs", "a.json"), filepath.Join(dets, "logs", "b.json")
	content := filepath.Join(dets, "content")
	for name, text := range correlationFiles {
		if !strings.HasPrefix(name, "logs/") {
			writeFiles(t, content, map[string]string{name: text})
		}
	}
	ingest := func(data string, files ...string) string {
		out := ""
		for _, f := range files {
			out += mustRun(t, "", "ingest", "--data-dir", data, "--detections", content, f)
		}
		return out
	}
	d1, d2 := t.TempDir(), t.TempDir()
	out := ingest(d1, a, b)
	if !strings.Contains(out, "1 correlation rules ran: 2 windows evaluated, 0 matches, 0 alerts raised") || !strings.Contains(out, "1 correlation rules ran: 4 windows evaluated, 1 matches, 1 alerts raised") {
		t.Errorf("ingest output:\n%s", out)
	}
	ingest(d2, b, a)
	one, two := listAlertsJSON(t, d1), listAlertsJSON(t, d2)
	summary := func(list []listedAlert) string {
		var parts []string
		for _, x := range list {
			parts = append(parts, x.ID+" "+x.DetectionID+" "+x.Dedup+" "+x.Title+" "+x.Severity)
		}
		return strings.Join(parts, "\n")
	}
	if summary(one) != summary(two) {
		t.Errorf("the order of the files changed the alerts:\n%s\nvs\n%s", summary(one), summary(two))
	}
	var corr *listedAlert
	attach := map[string]string{}
	for i, x := range one {
		switch x.DetectionID {
		case "Test.AdminUserCreated":
			if corr != nil {
				t.Errorf("two correlation alerts")
			}
			corr = &one[i]
		case "Test.AttachAdmin":
			attach[x.Dedup] = x.ID
		case "Test.CreateUser":
			t.Errorf("a CreateAlert: false rule raised an alert: %+v", x)
		}
	}
	if corr == nil || corr.Dedup != "alice" || corr.Title != "New user made admin" || corr.Severity != "HIGH" || len(attach) != 2 {
		t.Fatalf("alerts: %+v", one)
	}
	var ctxDoc struct {
		Correlation struct {
			Members []struct {
				ID     string   `json:"id"`
				Alerts []string `json:"alert_ids"`
				RowIDs []string `json:"p_row_ids"`
			} `json:"members"`
		} `json:"correlation"`
	}
	if err := json.Unmarshal(corr.Context, &ctxDoc); err != nil {
		t.Fatal(err)
	}
	m := ctxDoc.Correlation.Members
	if len(m) != 2 || len(m[0].RowIDs) != 1 || len(m[0].Alerts) != 0 || len(m[1].Alerts) != 1 || m[1].Alerts[0] == "" || len(m[1].RowIDs) != 1 {
		t.Errorf("member links: %s", corr.Context)
	}
	// The links lead to the member matches in the lake, the signal-only rule's included.
	q := mustRun(t, "", "query", "--data-dir", d1, "--format", "csv",
		"SELECT p_rule_id, count(*) AS n FROM panther_views.all_rule_matches WHERE p_row_id IN ('"+m[0].RowIDs[0]+"', '"+m[1].RowIDs[0]+"') GROUP BY 1 ORDER BY 1")
	if q != "p_rule_id,n\nTest.AttachAdmin,1\nTest.CreateUser,1\n" {
		t.Errorf("linked rule matches:\n%s", q)
	}

	out = mustRun(t, "", "test", content)
	if !strings.Contains(out, "Test.AdminUserCreated\n\t[PASS] created then attached\n\t\t[PASS] [rule] true\n\t\t[PASS] [dedup] alice") {
		t.Errorf("panther test:\n%s", out)
	}
}
