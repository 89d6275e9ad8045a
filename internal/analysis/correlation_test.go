package analysis

import (
	"reflect"
	"testing"
)

func TestCorrelationBuild(t *testing.T) {
	c, err := Load("testdata/correlation", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Invalid) != 0 {
		t.Fatalf("invalid: %q", problemStrings(c.Problems()))
	}
	got := map[string]*Correlation{}
	for _, d := range c.Detections {
		got[d.ID] = d.Correlation
	}
	want := map[string]*Correlation{
		"Okta.BruteForce.Group": {
			Kind: "Group",
			Members: []CorrelationMember{
				{ID: "failed", RuleID: "Okta.LoginFailed", MinMatchCount: 5, MaxMatchCount: 50, Line: 7},
				{ID: "Okta.LoginSuccess", RuleID: "Okta.LoginSuccess", MinMatchCount: 1, Line: 11},
				{ID: "mfa", RuleID: "Okta.MFA", MinMatchCount: 1, Absence: true, Line: 12},
			},
			MatchCriteria: []MatchCriterion{{Name: "user", Fields: []CriterionField{
				{GroupID: "failed", Match: "actor.alternateId"},
				{GroupID: "Okta.LoginSuccess", Match: "actor.alternateId"},
				{GroupID: "mfa", Match: "actor.alternateId"},
			}}},
			MinMatchCount: 2,
			Schedule:      Schedule{CronExpression: "*/30 * * * *", TimeoutMinutes: 5},
		},
		"AWS.Escalation.Sequence": {
			Kind: "Sequence",
			Members: []CorrelationMember{
				{ID: "created", RuleID: "AWS.IAM.AccessKeyCreated", MinMatchCount: 1, Line: 8},
				{ID: "used", RuleID: "AWS.Console.RootLogin", MinMatchCount: 2, Line: 10},
			},
			Transitions: []Transition{{ID: "created then used", From: "created", To: "used", WithinTimeFrameMinutes: 15,
				FromField: "requestParameters.userName", ToField: "userIdentity.userName"}},
			LookbackWindowMinutes: 90,
			EventEvaluationOrder:  "Chronological",
			Schedule:              Schedule{RateMinutes: 60, TimeoutMinutes: 5},
		},
	}
	for id, w := range want {
		if !reflect.DeepEqual(got[id], w) {
			t.Errorf("%s:\n got %+v\nwant %+v", id, got[id], w)
		}
	}
	for _, d := range c.Detections {
		if d.ID != "AWS.Escalation.Sequence" {
			continue
		}
		if len(d.Tests) != 1 || len(d.Tests[0].RuleOutputs) != 2 {
			t.Fatalf("tests: %+v", d.Tests)
		}
		m, ok := d.Tests[0].RuleOutputs[1].Matches.(map[string]any)
		if !ok || !reflect.DeepEqual(m["userIdentity.userName"], map[string]any{"bob": []any{int64(3), "2024-01-01T00:05:00Z"}}) {
			t.Errorf("RuleOutputs[1].Matches = %#v", d.Tests[0].RuleOutputs[1].Matches)
		}
	}
}
