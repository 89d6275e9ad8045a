package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/auth"
)

// FuzzRESTListQuery sends any query string to the REST lists mcp-panther calls: each answers
// 200 with results, or 400 with a message saying what was wrong; never a 5xx.
func FuzzRESTListQuery(f *testing.F) {
	s, _ := mcpServer(f)
	key := s.tokens[auth.RoleAdmin]
	paths := []string{"/alerts", "/alert-comments", "/rules", "/simple-rules", "/scheduled-rules", "/policies",
		"/globals", "/data-models", "/queries", "/users", "/roles"}
	for i, q := range []string{"", "limit=1", "limit=0", "cursor=abc", "cursor=%00%ff", "type=ALERT&severity=high,LOW&status=OPEN",
		"created-after=2025-01&created-before=1700000000", "event-count-min=-1", "sort-dir=sideways", "state=enabled&severity=Critical",
		"alert-id=nope", "ids=a,b&name-contains=x", "limit=99999999999999999999"} {
		f.Add(uint8(i), q)
	}
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		s.t = t
		path := "/v1" + paths[int(which)%len(paths)] + "?" + query
		if _, err := url.Parse("http://h" + path); err != nil || strings.IndexFunc(query, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' }) >= 0 {
			t.Skip("not a request line an HTTP client sends")
		}
		status, body := s.do(http.MethodGet, path, map[string]string{"X-API-Key": key}, nil)
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("GET %s: %d with a body that is not a JSON object: %q", path, status, body)
		}
		switch status {
		case http.StatusOK:
			if _, ok := out["results"].([]any); !ok {
				t.Errorf("GET %s: 200 without results: %s", path, body)
			}
		case http.StatusBadRequest, http.StatusNotFound:
			if msg, _ := out["message"].(string); msg == "" {
				t.Errorf("GET %s: %d without a message: %s", path, status, body)
			}
		default:
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	})
}

// FuzzGraphQLVariables sends any variables to the paged and filtered queries the clients
// send: the answer is data, or errors each with a code and a message; never an internal error.
func FuzzGraphQLVariables(f *testing.F) {
	s, _ := mcpServer(f)
	key := s.tokens[auth.RoleAdmin]
	docs := []string{
		`query ($input: AlertsInput!) { alerts(input: $input) { edges { node { id title severity } } pageInfo { hasNextPage endCursor } } }`,
		`query ($input: DetectionsInput) { detections(input: $input) { edges { node { ... on Rule { id enabled } } } pageInfo { hasNextPage endCursor } } }`,
		`query ($input: SchemasInput!) { schemas(input: $input) { edges { node { name revision } } } }`,
		`query ($input: MetricsInput!) { metrics(input: $input) { totalAlerts alertsPerSeverity { label value } } }`,
		`query ($input: SourcesInput) { sources(input: $input) { edges { node { integrationId } } pageInfo { hasNextPage } } }`,
		`query ($id: ID!, $resultsInput: DataLakeQueryResultsInput) { dataLakeQuery(id: $id) { status results(input: $resultsInput) { edges { node } } } }`,
	}
	for i, v := range []string{`{"input": {}}`, `{"input": {"pageSize": -1}}`, `{"input": {"cursor": "%%%"}}`, `{"input": {"pageSize": 100000, "severities": ["HIGH"]}}`,
		`{"input": {"fromDate": "2025-01-01T00:00:00Z", "toDate": "2024-01-01T00:00:00Z", "intervalInMinutes": 0}}`, `{"id": "nope", "resultsInput": {"pageSize": 0}}`,
		`{"input": {"createdAtAfter": "yesterday"}}`, `{"input": null}`, `[]`} {
		f.Add(uint8(i), v)
	}
	f.Fuzz(func(t *testing.T, which uint8, vars string) {
		var v map[string]any
		if json.Unmarshal([]byte(vars), &v) != nil {
			t.Skip("variables are a JSON object")
		}
		s.t = t
		doc := docs[int(which)%len(docs)]
		status, body := s.post("/public/graphql", map[string]string{"X-API-Key": key}, map[string]any{"query": doc, "variables": v})
		var r gqlResponse
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("%s with %s: %d, not JSON: %q", doc, vars, status, body)
		}
		if status >= 500 {
			t.Errorf("%s with %s: %d %s", doc, vars, status, body)
		}
		for _, e := range r.Errors {
			if code, _ := e.Extensions["code"].(string); code == "" || code == "INTERNAL_SERVER_ERROR" || e.Message == "" {
				t.Errorf("%s with %s: error %+v", doc, vars, e)
			}
		}
	})
}
