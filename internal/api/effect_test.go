package api_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/cli"
)

// TestUploadedRuleRunsOnTheNextEvents uploads a rule the way panther_analysis_tool does, then
// ingests CloudTrail events into the same data dir: the rule runs and raises its alert.
func TestUploadedRuleRunsOnTheNextEvents(t *testing.T) {
	s := newServer(t)
	r := s.gql(s.tokens[auth.RoleAnalyst], patBulkUpload, map[string]any{"input": map[string]any{"data": patZip(t, patContent)}})
	if len(r.Errors) > 0 {
		t.Fatal(r.messages())
	}
	logs := filepath.Join(t.TempDir(), "cloudtrail.json")
	events := `{"eventVersion":"1.08","eventTime":"2024-05-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userIdentity":{"type":"Root","accountId":"123456789012","arn":"arn:aws:iam::123456789012:root"},"recipientAccountId":"123456789012","eventID":"e1","eventType":"AwsConsoleSignIn"}
{"eventVersion":"1.08","eventTime":"2024-05-01T10:05:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userIdentity":{"type":"IAMUser","accountId":"123456789012","arn":"arn:aws:iam::123456789012:user/bob","userName":"bob"},"recipientAccountId":"123456789012","eventID":"e2","eventType":"AwsConsoleSignIn"}
`
	if err := os.WriteFile(logs, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := cli.Main([]string{"ingest", "--data-dir", s.dataDir, "--log-type", "AWS.CloudTrail", logs},
		&cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if code != 0 {
		t.Fatalf("ingest: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	page, err := s.deps.Alerts.List(context.Background(), alerts.Filter{DetectionID: "AWS.Console.RootLogin"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Alerts) != 1 || page.Alerts[0].EventCount != 1 || page.Alerts[0].Title != "Root logged in from 203.0.113.9" {
		t.Fatalf("alerts after ingest: %+v\n%s\n%s", page.Alerts, stdout.String(), stderr.String())
	}
	// The API shows it, with its origin: the uploaded rule.
	var data struct {
		Alerts struct {
			Edges []struct {
				Node struct {
					Title  string
					Origin struct{ ID, Name string }
				}
			}
		}
	}
	s.admin(`query { alerts(input: {}) { edges { node { title origin { ... on Detection { id name } } } } } }`, nil, &data)
	if len(data.Alerts.Edges) != 1 || data.Alerts.Edges[0].Node.Origin.Name != "Root console login" {
		t.Errorf("alerts through the API: %+v", data)
	}
}
