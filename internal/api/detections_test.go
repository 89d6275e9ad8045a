package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/auth"
)

const createDetection = `mutation($input: DetectionInput!) {
  createDetection(input: $input) {
    detection { id type kind enabled severity version body tests { name resource } problems }
    testResults { name passed functions { name passed output } }
  }
}`

func ruleInput(body string, expect bool) map[string]any {
	return map[string]any{
		"id": "Okta.Admin.Login", "type": "RULE", "severity": "MEDIUM", "logTypes": []string{"Okta.SystemLog"},
		"displayName": "Okta admin login", "body": body, "tags": []string{"okta"},
		"tests": []any{map[string]any{"name": "admin", "expectedResult": expect, "resource": `{"actor": {"alternateId": "admin@example.com"}}`}},
	}
}

const adminRule = "def rule(event):\n    return event.deep_get('actor', 'alternateId', default='').startswith('admin')\n"

func TestDetectionLifecycleThroughGraphQL(t *testing.T) {
	s := newServer(t)
	key := s.tokens[auth.RoleAnalyst]
	// A failing unit test refuses the save and says which test, with the results.
	r := s.gql(key, createDetection, map[string]any{"input": ruleInput(adminRule, false)})
	if r.code() != "INVALID_INPUT" || !strings.Contains(r.messages(), "admin") || r.Errors[0].Extensions["testResults"] == nil {
		t.Fatalf("failing test: %s (%s) %v", r.messages(), r.code(), r.Errors)
	}
	// Passing tests: saved, version 1, the test results in the answer.
	r = s.gql(key, createDetection, map[string]any{"input": ruleInput(adminRule, true)})
	var out struct {
		CreateDetection struct {
			Detection struct {
				ID, Type, Kind, Severity string
				Enabled                  bool
				Version                  int
				Problems                 []string
			}
			TestResults []struct {
				Name   string
				Passed bool
			}
		}
	}
	if err := json.Unmarshal(r.Data, &out); err != nil || len(r.Errors) > 0 {
		t.Fatalf("%s %s", r.Data, r.messages())
	}
	d := out.CreateDetection
	if d.Detection.Version != 1 || d.Detection.Kind != "PYTHON" || d.Detection.Severity != "MEDIUM" || !d.Detection.Enabled ||
		len(d.TestResults) != 1 || !d.TestResults[0].Passed {
		t.Errorf("created = %+v", d)
	}
	// A stale version is a conflict; the current one saves version 2.
	up := ruleInput(adminRule, true)
	up["severity"] = "HIGH"
	up["expectedVersion"] = 5
	r = s.gql(key, `mutation($input: DetectionInput!) { updateDetection(input: $input) { detection { version severity } } }`, map[string]any{"input": up})
	if r.code() != "CONFLICT" {
		t.Errorf("stale update: %s (%s)", r.messages(), r.code())
	}
	up["expectedVersion"] = 1
	r = s.gql(key, `mutation($input: DetectionInput!) { updateDetection(input: $input) { detection { version severity } } }`, map[string]any{"input": up})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"version":2`) || !strings.Contains(string(r.Data), `"severity":"HIGH"`) {
		t.Errorf("update: %s %s", r.Data, r.messages())
	}
	// Disable it, then find it with the filters.
	r = s.gql(key, `mutation { setDetectionsEnabled(input: {ids: ["Okta.Admin.Login"], enabled: false}) { detections { enabled } } }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"enabled":false`) {
		t.Errorf("disable: %s %s", r.Data, r.messages())
	}
	r = s.gql(key, `query { detections(input: {enabled: false, logTypes: ["Okta.SystemLog"], tags: ["OKTA"]}) { edges { node { id } } } }`, nil)
	if !strings.Contains(string(r.Data), "Okta.Admin.Login") {
		t.Errorf("filtered list: %s %s", r.Data, r.messages())
	}
	// Run the saved detection's tests.
	r = s.gql(s.tokens[auth.RoleReadOnly], `mutation { testDetection(input: {id: "Okta.Admin.Login"}) { passed results { name passed } } }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"passed":true`) {
		t.Errorf("testDetection: %s %s", r.Data, r.messages())
	}
	// A read-only token may test but not save.
	r = s.gql(s.tokens[auth.RoleReadOnly], createDetection, map[string]any{"input": ruleInput(adminRule, true)})
	if r.code() != "FORBIDDEN" {
		t.Errorf("read-only create: %s", r.code())
	}
}

func TestRESTRuleWithFailingTestIsRefused(t *testing.T) {
	s := newServer(t)
	body := map[string]any{"id": "Okta.Admin.Login", "severity": "MEDIUM", "logTypes": []string{"Okta.SystemLog"}, "body": adminRule,
		"tests": []any{map[string]any{"name": "admin", "expectedResult": false, "resource": `{"actor": {"alternateId": "admin@example.com"}}`}}}
	status, _, out := s.rest(s.tokens[auth.RoleAnalyst], http.MethodPost, "/rules", nil, body)
	tr, _ := out["testResults"].([]any)
	if status != 400 || len(tr) != 1 || tr[0].(map[string]any)["passed"] != false {
		t.Fatalf("POST /rules with a failing test: %d %v", status, out)
	}
	// run-tests-first=false saves it anyway; PUT on an unknown ID creates (201).
	if status, _, out := s.rest(s.tokens[auth.RoleAnalyst], http.MethodPost, "/rules", map[string][]string{"run-tests-first": {"false"}}, body); status != 200 || out["id"] != "Okta.Admin.Login" {
		t.Errorf("POST /rules without tests first: %d %v", status, out)
	}
	body["id"] = "Okta.Other"
	body["tests"] = []any{}
	if status, _, out := s.rest(s.tokens[auth.RoleAnalyst], http.MethodPut, "/rules/Okta.Other", nil, body); status != 201 {
		t.Errorf("PUT of a new rule: %d %v", status, out)
	}
}
