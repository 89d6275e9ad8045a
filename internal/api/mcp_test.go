package api_test

// Replays of what mcp-panther sends (its panther_mcp_core/queries.py and tools/*.py): the
// REST calls with their exact paths, query parameters and bodies, and the GraphQL documents,
// each checked on the fields the tool reads.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/api"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/sources"
	_ "github.com/pantherlabs/panther/internal/sources/syslog"
)

func init() {
	// The http kind is served by the runtime; a stand-in validates its settings here.
	if _, ok := sources.Lookup("http"); !ok {
		sources.Register(sources.Kind{Name: "http", Validate: func(raw json.RawMessage) (json.RawMessage, error) {
			var s struct {
				Auth       string `json:"auth"`
				HMACHeader string `json:"hmac_header"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, err
			}
			if s.Auth != "" && s.Auth != "bearer" && s.Auth != "hmac" {
				return nil, fmt.Errorf("auth: expected bearer or hmac, got %q", s.Auth)
			}
			return raw, nil
		}})
	}
}

// mcpServer is a server with alerts, content and sources to query.
func mcpServer(t testing.TB) (*server, []*alerts.Alert) {
	t.Helper()
	var srcStore *sources.Store
	s := newServer(t, func(d *api.Deps, _ string) {
		box, err := secretbox.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		srcStore, err = sources.OpenStore(context.Background(), d.Content.DB(), box, sources.StoreOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d.Sources = srcStore
	})
	s.admin(patBulkUpload, map[string]any{"input": map[string]any{"data": patZip(t, patContent)}}, nil)
	now := time.Now().UTC()
	var matches []alerts.Match
	for i, sev := range []string{"HIGH", "LOW", "HIGH"} {
		matches = append(matches, alerts.Match{Type: alerts.TypeRule, DetectionID: "AWS.Console.RootLogin", EventTime: now.Add(-time.Duration(i) * time.Hour),
			LogType: "AWS.CloudTrail", Title: fmt.Sprintf("Root logged in (%d)", i), Dedup: fmt.Sprintf("dedup-%d", i), Severity: sev, EventKey: fmt.Sprint(i)})
	}
	_, raised, err := s.deps.Alerts.Record(context.Background(), matches)
	if err != nil || len(raised) != 3 {
		t.Fatalf("recording alerts: %v (%d raised)", err, len(raised))
	}
	return s, raised
}

// rest calls the REST API as mcp-panther's PantherRestClient does: X-API-Key and
// Content-Type: application/json, the path under the REST base, params as a query string
// (lists repeated).
func (s *server) rest(key, method, path string, params url.Values, body any) (int, http.Header, map[string]any) {
	s.t.Helper()
	p := "/v1" + path
	if len(params) > 0 {
		p += "?" + params.Encode()
	}
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, s.url+p, rd)
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mcp-panther/2.3.1 (Python)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

func TestMCPAlertTools(t *testing.T) {
	s, raised := mcpServer(t)
	key := s.tokens[auth.RoleAnalyst]
	week := time.Now().UTC().Add(-7 * 24 * time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04:05.000Z")
	end := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05.000Z")

	// list_alerts with its defaults (last week, event-count-min 1) and a severity filter.
	params := url.Values{"type": {"ALERT"}, "limit": {"25"}, "sort-dir": {"desc"}, "created-after": {week}, "created-before": {end},
		"event-count-min": {"1"}, "severity": {"HIGH"}}
	status, _, out := s.rest(key, http.MethodGet, "/alerts", params, nil)
	results, _ := out["results"].([]any)
	if status != 200 || len(results) != 2 || out["next"] != nil {
		t.Fatalf("list_alerts: %d %v", status, out)
	}
	first := results[0].(map[string]any)
	for _, k := range []string{"id", "type", "status", "title", "severity", "createdAt", "eventCount", "detection"} {
		if _, ok := first[k]; !ok {
			t.Errorf("an alert has no %q: %v", k, first)
		}
	}
	// Paging with the cursor from next.
	params.Set("limit", "1")
	params.Del("severity")
	_, _, out = s.rest(key, http.MethodGet, "/alerts", params, nil)
	next, _ := out["next"].(string)
	if next == "" {
		t.Fatalf("no next cursor: %v", out)
	}
	params.Set("cursor", next)
	_, _, out2 := s.rest(key, http.MethodGet, "/alerts", params, nil)
	if fmt.Sprint(out2["results"]) == fmt.Sprint(out["results"]) {
		t.Error("the second page repeats the first")
	}

	id := raised[0].ID
	// get_alert: 200, and 404 for an unknown ID.
	if status, _, a := s.rest(key, http.MethodGet, "/alerts/"+id, nil, nil); status != 200 || a["id"] != id {
		t.Errorf("get_alert: %d %v", status, a)
	}
	if status, _, _ := s.rest(key, http.MethodGet, "/alerts/nope", nil, nil); status != 404 {
		t.Errorf("get_alert of an unknown id: %d", status)
	}
	// update_alert_status: PATCH /alerts, 204 that aiohttp's response.json() decodes.
	status, hdr, _ := s.rest(key, http.MethodPatch, "/alerts", nil, map[string]any{"ids": []string{id}, "status": "TRIAGED"})
	if status != 204 || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("update_alert_status: %d, Content-Type %q", status, hdr.Get("Content-Type"))
	}
	// update_alert_assignee: to a user by ID.
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	u, _, err := s.deps.Auth.CreateUser(ctx, auth.NewUser{Email: "tri@example.com", Role: auth.RoleAnalyst})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := s.rest(key, http.MethodPatch, "/alerts", nil, map[string]any{"ids": []string{id}, "assignee": u.ID}); status != 204 {
		t.Errorf("update_alert_assignee: %d", status)
	}
	if status, _, _ := s.rest(key, http.MethodPatch, "/alerts", nil, map[string]any{"ids": []string{"nope"}, "status": "CLOSED"}); status != 404 {
		t.Errorf("bulk update of an unknown alert: %d", status)
	}
	// add_alert_comment, then list_alert_comments.
	status, _, c := s.rest(key, http.MethodPost, "/alert-comments", nil, map[string]any{"alertId": id, "body": "Looks pretty bad", "format": "PLAIN_TEXT"})
	if status != 200 || c["body"] != "Looks pretty bad" || c["id"] == "" {
		t.Errorf("add_alert_comment: %d %v", status, c)
	}
	_, _, out = s.rest(key, http.MethodGet, "/alert-comments", url.Values{"alert-id": {id}, "limit": {"25"}}, nil)
	if cs, _ := out["results"].([]any); len(cs) != 1 {
		t.Errorf("list_alert_comments: %v", out)
	}
	_, _, a := s.rest(key, http.MethodGet, "/alerts/"+id, nil, nil)
	if a["status"] != "TRIAGED" || a["assignee"].(map[string]any)["id"] != u.ID {
		t.Errorf("the alert after the updates: %v", a)
	}
	// A read-only token cannot change alerts.
	if status, _, m := s.rest(s.tokens[auth.RoleReadOnly], http.MethodPatch, "/alerts", nil, map[string]any{"ids": []string{id}, "status": "CLOSED"}); status != 403 {
		t.Errorf("read-only PATCH: %d %v", status, m)
	}
}

func TestMCPDetectionTools(t *testing.T) {
	s, _ := mcpServer(t)
	key := s.tokens[auth.RoleAnalyst]
	// list_detections: every collection with mcp's parameters.
	for path, want := range map[string]int{"/rules": 1, "/simple-rules": 0, "/scheduled-rules": 0, "/policies": 0} {
		status, _, out := s.rest(key, http.MethodGet, path, url.Values{"limit": {"100"}, "state": {"enabled"}, "severity": {"HIGH"}}, nil)
		if rs, _ := out["results"].([]any); status != 200 || len(rs) != want {
			t.Errorf("GET %s: %d %v", path, status, out)
		}
	}
	// get_detection, 404 in another collection.
	status, _, rule := s.rest(key, http.MethodGet, "/rules/AWS.Console.RootLogin", nil, nil)
	if status != 200 || rule["enabled"] != true || !strings.Contains(rule["body"].(string), "def rule") {
		t.Fatalf("get_detection: %d %v", status, rule)
	}
	if status, _, _ := s.rest(key, http.MethodGet, "/policies/AWS.Console.RootLogin", nil, nil); status != 404 {
		t.Errorf("a rule under /policies: %d", status)
	}
	// disable_detection: the GET body with enabled false, PUT with run-tests-first=false.
	rule["enabled"] = false
	status, _, put := s.rest(key, http.MethodPut, "/rules/AWS.Console.RootLogin", url.Values{"run-tests-first": {"false"}}, rule)
	if status != 200 || put["enabled"] != false {
		t.Fatalf("disable_detection: %d %v", status, put)
	}
	d, err := s.deps.Content.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if det, _ := d.Detection("AWS.Console.RootLogin"); det.Enabled || len(det.Tests) != 2 {
		t.Errorf("stored after disabling: enabled %v, %d tests", det.Enabled, len(det.Tests))
	}
	// list/get global helpers and data models, saved queries by UUID.
	_, _, out := s.rest(key, http.MethodGet, "/globals", url.Values{"limit": {"100"}}, nil)
	if gs, _ := out["results"].([]any); len(gs) != 1 || gs[0].(map[string]any)["id"] != "panther_base_helpers" {
		t.Errorf("list_global_helpers: %v", out)
	}
	if status, _, g := s.rest(key, http.MethodGet, "/globals/panther_base_helpers", nil, nil); status != 200 || !strings.Contains(g["body"].(string), "def deep_get") {
		t.Errorf("get_global_helper: %d %v", status, g)
	}
	if status, _, out := s.rest(key, http.MethodGet, "/data-models", url.Values{"limit": {"100"}}, nil); status != 200 || out["results"] == nil {
		t.Errorf("list_data_models: %d %v", status, out)
	}
	_, _, out = s.rest(key, http.MethodGet, "/queries", url.Values{"limit": {"100"}}, nil)
	qs, _ := out["results"].([]any)
	if len(qs) != 1 {
		t.Fatalf("list_scheduled_queries: %v", out)
	}
	qid := qs[0].(map[string]any)["id"].(string)
	if status, _, q := s.rest(key, http.MethodGet, "/queries/"+qid, nil, nil); status != 200 || q["name"] != "Root logins" || !strings.Contains(q["sql"].(string), "SELECT") {
		t.Errorf("get_scheduled_query(%s): %d %v", qid, status, q)
	}
}

func TestMCPIdentityTools(t *testing.T) {
	s, _ := mcpServer(t)
	// get_permissions: the token's permissions under Panther's names.
	status, _, self := s.rest(s.tokens[auth.RoleReadOnly], http.MethodGet, "/api-tokens/self", nil, nil)
	perms := fmt.Sprint(self["permissions"])
	if status != 200 || !strings.Contains(perms, "AlertRead") || strings.Contains(perms, "AlertModify") {
		t.Errorf("get_permissions: %d %v", status, self)
	}
	key := s.tokens[auth.RoleAdmin]
	// list_roles and get_role.
	_, _, out := s.rest(key, http.MethodGet, "/roles", url.Values{"name-contains": {"a"}, "sort-dir": {"asc"}}, nil)
	if rs, _ := out["results"].([]any); len(rs) != 3 {
		t.Errorf("list_roles: %v", out)
	}
	if status, _, r := s.rest(key, http.MethodGet, "/roles/Admin", nil, nil); status != 200 || r["name"] != "Admin" {
		t.Errorf("get_role: %d %v", status, r)
	}
	// list_users and get_user (by ID and by e-mail).
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	u, _, err := s.deps.Auth.CreateUser(ctx, auth.NewUser{Email: "john.doe@company.com", GivenName: "John", FamilyName: "Doe", Role: auth.RoleReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	_, _, out = s.rest(key, http.MethodGet, "/users", url.Values{"limit": {"60"}}, nil)
	if us, _ := out["results"].([]any); len(us) != 1 {
		t.Errorf("list_users: %v", out)
	}
	for _, id := range []string{u.ID, "john.doe@company.com"} {
		if status, _, got := s.rest(key, http.MethodGet, "/users/"+id, nil, nil); status != 200 || got["email"] != "john.doe@company.com" {
			t.Errorf("get_user(%s): %d %v", id, status, got)
		}
	}
}

func TestMCPSourceTools(t *testing.T) {
	s, _ := mcpServer(t)
	key := s.tokens[auth.RoleAdmin]
	status, _, created := s.rest(key, http.MethodPost, "/log-sources/http", nil, map[string]any{
		"integrationLabel": "webhook-collector", "logTypes": []string{"AWS.CloudTrail"}, "logStreamType": "Auto", "authMethod": "Bearer"})
	if status != 201 || created["authBearerToken"] == "" || created["integrationId"] == "" {
		t.Fatalf("create http source: %d %v", status, created)
	}
	id := created["integrationId"].(string)
	// get_http_log_source: no secret in the answer.
	status, _, got := s.rest(s.tokens[auth.RoleReadOnly], http.MethodGet, "/log-sources/http/"+id, nil, nil)
	if status != 200 || got["integrationLabel"] != "webhook-collector" || got["authBearerToken"] != nil {
		t.Errorf("get_http_log_source: %d %v", status, got)
	}
	// list_log_sources: mcp's Sources document.
	r := s.gql(s.tokens[auth.RoleReadOnly], mcpSources, map[string]any{"input": map[string]any{}})
	var data struct {
		Sources struct {
			Edges []struct {
				Node struct {
					IntegrationID, IntegrationLabel, IntegrationType string
					IsHealthy                                        bool
					LogTypes                                         []string
				}
			}
			PageInfo struct{ HasNextPage bool }
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
		t.Fatalf("sources: %s %s", r.Data, r.messages())
	}
	if len(data.Sources.Edges) != 1 || data.Sources.Edges[0].Node.IntegrationID != id || !data.Sources.Edges[0].Node.IsHealthy {
		t.Errorf("sources = %+v", data.Sources)
	}
}

func TestMCPSchemaTools(t *testing.T) {
	s, _ := mcpServer(t)
	key := s.tokens[auth.RoleReadOnly]
	r := s.gql(key, mcpListSchemas, map[string]any{"input": map[string]any{"isManaged": true}})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"Okta.SystemLog"`) {
		t.Fatalf("list_log_type_schemas: %.200s %s", r.Data, r.messages())
	}
	r = s.gql(key, mcpSchemaDetails, map[string]any{"name": "AWS.CloudTrail"})
	var data struct {
		Schemas struct {
			Edges []struct{ Node struct{ Name, Spec string } }
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
		t.Fatalf("get_log_type_schema_details: %s", r.messages())
	}
	found := false
	for _, e := range data.Schemas.Edges {
		if e.Node.Name == "AWS.CloudTrail" && strings.Contains(e.Node.Spec, "eventTime") {
			found = true
		}
	}
	if !found {
		t.Errorf("no AWS.CloudTrail spec among %d schemas", len(data.Schemas.Edges))
	}
}

const (
	mcpSources = `query Sources($input: SourcesInput) {
    sources(input: $input) {
        edges {
            node {
                integrationId
                integrationLabel
                integrationType
                isEditable
                isHealthy
                lastEventProcessedAtTime
                lastEventReceivedAtTime
                lastModified
                logTypes
                ... on S3LogIntegration {
                    awsAccountId
                    kmsKey
                    logProcessingRole
                    logStreamType
                    logStreamTypeOptions { jsonArrayEnvelopeField }
                    managedBucketNotifications
                    s3Bucket
                    s3Prefix
                    s3PrefixLogTypes { prefix logTypes excludedPrefixes }
                    stackName
                }
            }
        }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}`

	mcpListSchemas = `query ListSchemas($input: SchemasInput!) {
    schemas(input: $input) {
        edges {
            node { name description revision isArchived isManaged referenceURL createdAt updatedAt }
        }
    }
}`

	mcpSchemaDetails = `query GetSchemaDetails($name: String!) {
    schemas(input: { contains: $name }) {
        edges {
            node {
                name description spec version revision isArchived isManaged isFieldDiscoveryEnabled
                referenceURL discoveredSpec createdAt updatedAt
            }
        }
    }
}`
)

const (
	mcpAlertsPerSeverity = `query Metrics($input: MetricsInput!) {
    metrics(input: $input) {
        alertsPerSeverity { label value breakdown }
        totalAlerts
    }
}`
	mcpAlertsPerRule = `query Metrics($input: MetricsInput!) {
    metrics(input: $input) {
        alertsPerRule { entityId label value }
        totalAlerts
    }
}`
)

func TestMCPMetricsTools(t *testing.T) {
	s, _ := mcpServer(t)
	key := s.tokens[auth.RoleReadOnly]
	now := time.Now().UTC()
	in := map[string]any{"fromDate": now.Add(-24 * time.Hour).Format("2006-01-02T15:04:05.000Z"), "toDate": now.Add(time.Minute).Format("2006-01-02T15:04:05.000Z"), "intervalInMinutes": 60}
	r := s.gql(key, mcpAlertsPerSeverity, map[string]any{"input": in})
	var sev struct {
		Metrics struct {
			AlertsPerSeverity []struct {
				Label     string
				Value     float64
				Breakdown map[string]float64
			}
			TotalAlerts float64
		}
	}
	if err := json.Unmarshal(r.Data, &sev); err != nil || len(r.Errors) > 0 {
		t.Fatalf("alertsPerSeverity: %s %s", r.Data, r.messages())
	}
	got := map[string]float64{}
	for _, sr := range sev.Metrics.AlertsPerSeverity {
		got[sr.Label] = sr.Value
		if len(sr.Breakdown) < 24 {
			t.Errorf("%s has %d buckets", sr.Label, len(sr.Breakdown))
		}
	}
	if got["HIGH"] != 2 || got["LOW"] != 1 || sev.Metrics.TotalAlerts != 3 {
		t.Errorf("per severity = %v, total %v", got, sev.Metrics.TotalAlerts)
	}
	r = s.gql(key, mcpAlertsPerRule, map[string]any{"input": in})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"entityId":"AWS.Console.RootLogin","label":"Root console login","value":3`) {
		t.Errorf("alertsPerRule: %s %s", r.Data, r.messages())
	}
}
