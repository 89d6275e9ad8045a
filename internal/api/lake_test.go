package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/api"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/cli"
	"github.com/pantherlabs/panther/internal/lakequery"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// withLake gives the server the data lake of its data dir.
func withLake(t *testing.T) option {
	return func(d *api.Deps, dir string) {
		ctx := context.Background()
		reg, err := logtypes.Managed()
		if err != nil {
			t.Fatal(err)
		}
		lakeDir := filepath.Join(dir, "lake")
		sandboxed, err := sqlengine.Open(ctx, sqlengine.Options{LakeDir: lakeDir, Types: reg, Threads: 1, Sandbox: true, TempDir: filepath.Join(dir, "tmp-sql")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sandboxed.Close() })
		trusted, err := sqlengine.Open(ctx, sqlengine.Options{LakeDir: lakeDir, Types: reg, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { trusted.Close() })
		svc, err := lakequery.New(ctx, lakequery.Options{Engine: sandboxed, DB: d.Content.DB(), ResultsDir: filepath.Join(dir, "query-results")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		d.Lake, d.Engine = svc, trusted
	}
}

// ingest runs `panther ingest` on the server's data dir.
func (s *server) ingest(lines string) {
	s.t.Helper()
	f := filepath.Join(s.t.TempDir(), "events.json")
	if err := os.WriteFile(f, []byte(lines), 0o644); err != nil {
		s.t.Fatal(err)
	}
	var out bytes.Buffer
	if code := cli.Main([]string{"ingest", "--data-dir", s.dataDir, "--log-type", "AWS.CloudTrail", f},
		&cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}); code != 0 {
		s.t.Fatalf("ingest: exit %d\n%s", code, out.String())
	}
}

const cloudTrailEvents = `{"eventVersion":"1.08","eventTime":"2024-05-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userIdentity":{"type":"Root","accountId":"123456789012","arn":"arn:aws:iam::123456789012:root"},"recipientAccountId":"123456789012","eventID":"e1","eventType":"AwsConsoleSignIn"}
{"eventVersion":"1.08","eventTime":"2024-05-01T10:05:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userIdentity":{"type":"IAMUser","accountId":"123456789012","arn":"arn:aws:iam::123456789012:user/bob","userName":"bob"},"recipientAccountId":"123456789012","eventID":"e2","eventType":"AwsConsoleSignIn"}
{"eventVersion":"1.08","eventTime":"2024-05-01T10:07:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userIdentity":{"type":"IAMUser","accountId":"123456789012","arn":"arn:aws:iam::123456789012:user/bob","userName":"bob"},"recipientAccountId":"123456789012","eventID":"e3","eventType":"AwsApiCall"}
`

const (
	mcpExecute = `mutation ExecuteDataLakeQuery($input: ExecuteDataLakeQueryInput!) {
    executeDataLakeQuery(input: $input) {
        id
    }
}`
	mcpGetQuery = `query GetDataLakeQuery($id: ID!, $root: Boolean = false, $resultsInput: DataLakeQueryResultsInput) {
    dataLakeQuery(id: $id, root: $root) {
        id
        status
        message
        sql
        startedAt
        completedAt
        results(input: $resultsInput) {
            edges { node }
            pageInfo { hasNextPage endCursor }
            columnInfo { order types }
            stats { bytesScanned executionTime rowCount }
        }
    }
}`
	mcpListDatabases = `query ListDatabases {
    dataLakeDatabases {
        name
        description
    }
}`
	mcpListTables = `query ListTables($databaseName: String!, $pageSize: Int, $cursor: String) {
  dataLakeDatabaseTables(
    input: {
      databaseName: $databaseName
      pageSize: $pageSize
      cursor: $cursor
    }
  ) {
    edges { node { name description logType } }
    pageInfo { hasNextPage endCursor }
  }
}`
	mcpColumns = `query GetColumnDetails($databaseName: String!, $tableName: String!) {
  dataLakeDatabaseTable(input: { databaseName: $databaseName, tableName: $tableName }) {
    name,
    displayName,
    description,
    logType,
    columns {
      name,
      type,
      description
    }
  }
}`
	mcpListQueries = `query ListDataLakeQueries($input: DataLakeQueriesInput) {
    dataLakeQueries(input: $input) {
        edges {
            node {
                id sql name status message startedAt completedAt isScheduled
                issuedBy {
                    ... on User { id email givenName familyName }
                    ... on APIToken { id name }
                }
            }
        }
        pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
    }
}`
	mcpCancel = `mutation CancelDataLakeQuery($input: CancelDataLakeQueryInput!) {
    cancelDataLakeQuery(input: $input) {
        id
    }
}`
)

type lakeQueryData struct {
	DataLakeQuery struct {
		ID, Status, Message, SQL string
		Results                  *struct {
			Edges    []struct{ Node map[string]any }
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
			ColumnInfo struct {
				Order []string
				Types map[string]string
			}
			Stats struct{ BytesScanned, ExecutionTime, RowCount float64 }
		}
	}
}

// runQuery submits SQL with mcp-panther's document and waits for it.
func (s *server) runQuery(key, sql, db string) lakeQueryData {
	s.t.Helper()
	r := s.gql(key, mcpExecute, map[string]any{"input": map[string]any{"sql": sql, "databaseName": db}})
	var started struct{ ExecuteDataLakeQuery struct{ ID string } }
	if err := json.Unmarshal(r.Data, &started); err != nil || len(r.Errors) > 0 {
		s.t.Fatalf("execute %q: %s %s", sql, r.Data, r.messages())
	}
	id := started.ExecuteDataLakeQuery.ID
	// mcp-panther polls until the status is not running; Wait stands in for its sleeps.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.deps.Lake.Wait(ctx, id); err != nil {
		s.t.Fatal(err)
	}
	r = s.gql(key, mcpGetQuery, map[string]any{"id": id, "root": false, "resultsInput": map[string]any{"pageSize": 100, "cursor": nil}})
	var data lakeQueryData
	if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
		s.t.Fatalf("dataLakeQuery: %s %s", r.Data, r.messages())
	}
	return data
}

func TestMCPDataLakeTools(t *testing.T) {
	s := newServer(t, withLake(t))
	s.admin(patBulkUpload, map[string]any{"input": map[string]any{"data": patZip(t, patContent)}}, nil)
	s.ingest(cloudTrailEvents)
	key := s.tokens[auth.RoleReadOnly]

	// query_data_lake: Snowflake-style names, a p_event_time filter, the rows it returns.
	q := s.runQuery(key, "SELECT eventname, sourceipaddress FROM panther_logs.public.aws_cloudtrail WHERE p_event_time >= '2024-05-01' AND eventname = 'ConsoleLogin' ORDER BY p_event_time", "panther_logs.public")
	res := q.DataLakeQuery.Results
	if q.DataLakeQuery.Status != "succeeded" || res == nil || len(res.Edges) != 2 || res.Edges[0].Node["sourceIPAddress"] != "203.0.113.9" && res.Edges[0].Node["sourceipaddress"] != "203.0.113.9" {
		b, _ := json.Marshal(q)
		t.Fatalf("query: %s", b)
	}
	if len(res.ColumnInfo.Order) != 2 || res.Stats.RowCount != 2 || res.PageInfo.HasNextPage {
		t.Errorf("columns %v, stats %+v, page %+v", res.ColumnInfo, res.Stats, res.PageInfo)
	}

	// list_databases, list_database_tables (paged by 100), get_table_schema.
	r := s.gql(key, mcpListDatabases, nil)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"panther_logs"`) {
		t.Errorf("databases: %s %s", r.Data, r.messages())
	}
	r = s.gql(key, mcpListTables, map[string]any{"databaseName": "panther_logs.public", "pageSize": 100, "cursor": nil})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"aws_cloudtrail"`) {
		t.Errorf("tables: %.300s %s", r.Data, r.messages())
	}
	r = s.gql(key, mcpColumns, map[string]any{"databaseName": "panther_logs.public", "tableName": "aws_cloudtrail"})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"eventName"`) || !strings.Contains(string(r.Data), `"logType":"AWS.CloudTrail"`) {
		t.Errorf("columns: %.300s %s", r.Data, r.messages())
	}

	// list_data_lake_queries: the query, issued by the token.
	r = s.gql(key, mcpListQueries, map[string]any{"input": map[string]any{"pageSize": 10}})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"test ReadOnly"`) || !strings.Contains(string(r.Data), `"status":"succeeded"`) {
		t.Errorf("history: %.400s %s", r.Data, r.messages())
	}
	// Cancelling a finished query says why it cannot be.
	r = s.gql(key, mcpCancel, map[string]any{"input": map[string]any{"id": q.DataLakeQuery.ID}})
	if !strings.Contains(r.messages(), "cannot be cancelled") {
		t.Errorf("cancel of a finished query: %s", r.messages())
	}

	// get_alert_events: the events of the alert the uploaded rule raised, REST and GraphQL.
	page, err := s.deps.Alerts.List(context.Background(), alerts.Filter{})
	if err != nil || len(page.Alerts) != 1 {
		t.Fatalf("alerts: %v %v", page, err)
	}
	id := page.Alerts[0].ID
	status, _, ev := s.rest(s.tokens[auth.RoleReadOnly], http.MethodGet, "/alerts/"+id+"/events", url.Values{"limit": {"10"}}, nil)
	events, _ := ev["results"].([]any)
	if status != 200 || len(events) != 1 || events[0].(map[string]any)["p_alert_id"] != id {
		t.Errorf("get_alert_events: %d %v", status, ev)
	}
	r = s.gql(key, `query($id: ID!) { alert(id: $id) { events(input: {pageSize: 5}) { edges { node } pageInfo { hasNextPage } } } }`, map[string]any{"id": id})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"eventID":"e1"`) {
		t.Errorf("alert events: %.300s %s", r.Data, r.messages())
	}

	// Indicator search: one IP across every table, results by table.
	r = s.gql(key, `mutation { executeIndicatorSearchQuery(input: {indicators: ["203.0.113.9"], startTime: "2024-05-01T00:00:00Z", endTime: "2024-05-02T00:00:00Z"}) { id } }`, nil)
	var started struct{ ExecuteIndicatorSearchQuery struct{ ID string } }
	if err := json.Unmarshal(r.Data, &started); err != nil || len(r.Errors) > 0 {
		t.Fatalf("indicator search: %s", r.messages())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done, err := s.deps.Lake.Wait(ctx, started.ExecuteIndicatorSearchQuery.ID)
	if err != nil || done.Status != lakequery.StatusSucceeded {
		t.Fatalf("indicator search: %+v %v", done, err)
	}
	r = s.gql(key, mcpGetQuery, map[string]any{"id": done.ID})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), "aws_cloudtrail") {
		t.Errorf("indicator search results: %.400s %s", r.Data, r.messages())
	}
}

// TestSQLSandboxThroughTheAPI submits each escape through executeDataLakeQuery: every one is
// refused with a message that says why.
func TestSQLSandboxThroughTheAPI(t *testing.T) {
	s := newServer(t, withLake(t))
	s.ingest(cloudTrailEvents)
	key := s.tokens[auth.RoleAnalyst]
	secret := filepath.Join(s.dataDir, "secretbox.key")
	for _, sql := range []string{
		"COPY (SELECT 1) TO '/tmp/panther-escape.csv'",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('" + secret + "')",
		"SELECT * FROM glob('/etc/*')",
		"ATTACH '/tmp/other.db' AS other",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET memory_limit = '100GB'",
		"PRAGMA threads = 64",
		"CREATE TABLE x AS SELECT 1",
		"SELECT 1; DROP TABLE panther_logs.aws_cloudtrail",
	} {
		r := s.gql(key, mcpExecute, map[string]any{"input": map[string]any{"sql": sql}})
		msg := r.messages()
		if len(r.Errors) == 0 {
			var started struct{ ExecuteDataLakeQuery struct{ ID string } }
			json.Unmarshal(r.Data, &started)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			q, err := s.deps.Lake.Wait(ctx, started.ExecuteDataLakeQuery.ID)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if q.Status != lakequery.StatusFailed {
				t.Errorf("%q ran: %s", sql, q.Status)
				continue
			}
			msg = q.Message
		}
		if msg == "" || strings.Contains(msg, "internal error") {
			t.Errorf("%q: refused without a reason: %q", sql, msg)
		}
		t.Logf("%-60s -> %s", sql, msg)
	}
	if _, err := os.Stat("/tmp/panther-escape.csv"); err == nil {
		t.Error("COPY wrote a file")
	}
}
