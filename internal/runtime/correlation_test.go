package runtime

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/sources"
)

const signalRule = `AnalysisType: rule
RuleID: Test.CreateUserSignal
Enabled: true
CreateAlert: false
LogTypes: [AWS.CloudTrail]
Severity: Info
Detection:
  - KeyPath: eventName
    Condition: Equals
    Value: CreateUser
`

const attachRule = `AnalysisType: rule
RuleID: Test.AttachPolicy
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: Low
Detection:
  - KeyPath: eventName
    Condition: Equals
    Value: AttachUserPolicy
`

const createdAndAttached = `AnalysisType: correlation_rule
RuleID: Test.CreatedAndAttached
DisplayName: User created and given a policy
Enabled: true
Severity: High
Detection:
  - Group:
      - ID: created
        RuleID: Test.CreateUserSignal
      - ID: attached
        RuleID: Test.AttachPolicy
    MatchCriteria:
      user:
        - GroupID: created
          Match: userIdentity.userName
        - GroupID: attached
          Match: userIdentity.userName
    LookbackWindowMinutes: 120
    Schedule: {RateMinutes: 60, TimeoutMinutes: 1}
`

// TestServerCorrelation: the server records the matches of a correlation rule's members (a
// signal-only rule included) and its correlation loop raises the rule's alert once, joined on
// the user, while the signal-only rule raises none.
func TestServerCorrelation(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	writeRule(t, data, "signal.yml", signalRule)
	writeRule(t, data, "attach.yml", attachRule)
	writeRule(t, data, "correlation.yml", createdAndAttached)
	st, err := OpenState(ctx, data, StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	src, creds, err := st.Sources.Add(ctx, sources.Config{Label: "edge", Type: "http", Enabled: true, LogTypes: []string{"AWS.CloudTrail"}})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	ts := startServer(t, testConfig(t, data))
	// u1 is created at 12:01 and given a policy at 12:08; u2 only gets a policy.
	body := cloudTrail(1, "CreateUser") + "\n" + cloudTrail(8, "AttachUserPolicy") + "\n" + cloudTrail(9, "AttachUserPolicy") + "\n"
	if code, out := ts.push(src.ID, creds.Token, []byte(body)); code != 200 {
		t.Fatalf("push: %d %v", code, out)
	}
	st2, err := OpenState(ctx, data, StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	list := func() []*alerts.Alert {
		page, err := st2.Alerts.List(ctx, alerts.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return page.Alerts
	}
	eventually(t, "the correlation alert", 40*time.Second, func() bool {
		for _, a := range list() {
			if a.DetectionID == "Test.CreatedAndAttached" {
				return true
			}
		}
		return false
	})
	var got []string
	for _, a := range list() {
		got = append(got, a.DetectionID+" "+a.Dedup+" "+a.Severity+" "+a.Title)
	}
	joined := strings.Join(got, "\n")
	if !strings.Contains(joined, "Test.CreatedAndAttached u1 HIGH User created and given a policy") ||
		strings.Contains(joined, "Test.CreateUserSignal") || strings.Count(joined, "Test.CreatedAndAttached") != 1 {
		t.Errorf("alerts:\n%s", joined)
	}
}
