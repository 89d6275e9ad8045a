package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
)

// benchServer is a server with n alerts of one rule.
func benchServer(b *testing.B, n int) *server {
	s := newServer(b)
	now := time.Now().UTC()
	var matches []alerts.Match
	for i := range n {
		matches = append(matches, alerts.Match{Type: alerts.TypeRule, DetectionID: "AWS.Console.RootLogin", EventTime: now.Add(-time.Duration(i) * time.Minute),
			LogType: "AWS.CloudTrail", Title: fmt.Sprintf("Root logged in (%d)", i), Dedup: fmt.Sprintf("dedup-%d", i), Severity: "HIGH", EventKey: fmt.Sprint(i)})
	}
	if _, raised, err := s.deps.Alerts.Record(context.Background(), matches); err != nil || len(raised) != n {
		b.Fatalf("recording alerts: %v (%d raised)", err, len(raised))
	}
	return s
}

// BenchmarkRESTListAlerts is mcp-panther's list_alerts: a page of 25 of 1000 alerts over
// HTTP, the API key checked on every call.
func BenchmarkRESTListAlerts(b *testing.B) {
	s := benchServer(b, 1000)
	key := s.tokens[auth.RoleAnalyst]
	params := url.Values{"type": {"ALERT"}, "limit": {"25"}, "sort-dir": {"desc"}, "severity": {"HIGH"}}
	b.ResetTimer()
	for range b.N {
		status, _, out := s.rest(key, http.MethodGet, "/alerts", params, nil)
		if res, _ := out["results"].([]any); status != 200 || len(res) != 25 {
			b.Fatalf("%d %v", status, out)
		}
	}
}

// BenchmarkGraphQLListAlerts is the same page through GraphQL: parsing, validation, the
// permission check and the resolvers.
func BenchmarkGraphQLListAlerts(b *testing.B) {
	s := benchServer(b, 1000)
	key := s.tokens[auth.RoleAnalyst]
	const q = `query Alerts($input: AlertsInput!) { alerts(input: $input) {
  edges { node { id title severity status createdAt type origin { ... on Detection { id name } } } }
  pageInfo { hasNextPage endCursor } } }`
	vars := map[string]any{"input": map[string]any{"pageSize": 25, "severities": []string{"HIGH"}}}
	b.ResetTimer()
	for range b.N {
		if r := s.gql(key, q, vars); len(r.Errors) > 0 || len(r.Data) < 1000 {
			b.Fatalf("%s %s", r.Data, r.messages())
		}
	}
}

// BenchmarkPATCheckConnection is the smallest authenticated call: PAT's GetVersion.
func BenchmarkPATCheckConnection(b *testing.B) {
	s := newServer(b)
	key := s.tokens[auth.RoleReadOnly]
	const q = `query GetVersion { generalSettings { pantherVersion } }`
	b.ResetTimer()
	for range b.N {
		if r := s.gql(key, q, nil); len(r.Errors) > 0 {
			b.Fatal(r.messages())
		}
	}
}
