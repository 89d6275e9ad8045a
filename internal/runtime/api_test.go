package runtime

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"go.yaml.in/yaml/v3"

	"github.com/pantherlabs/panther/internal/auth"
)

// gql posts a GraphQL request with an API key.
func (ts *testServer) gql(path, key, query string, vars map[string]any) (int, map[string]any) {
	ts.t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", ts.url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (ts *testServer) rest(method, path, key string, body any) (int, map[string]any) {
	ts.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, ts.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

const uploadMutation = `mutation UploadDetections($input: UploadDetectionEntitiesInput!) {
    uploadDetectionEntities(input: $input) { rules { new total } }
}`

// TestServerAPI runs the API inside `panther server`: a rule uploaded like
// panther_analysis_tool uploads it runs on the next events pushed, the alert shows through
// GraphQL and REST, and a query submitted with mcp-panther's document returns the rows.
func TestServerAPI(t *testing.T) {
	ts := startServer(t, testConfig(t, t.TempDir()))
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	_, key, err := ts.auth.CreateToken(ctx, auth.NewToken{Name: "e2e", Role: auth.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	// check-connection.
	code, out := ts.gql("/public/graphql", key, `query GetVersion { generalSettings { pantherVersion } }`, nil)
	if code != 200 || out["data"].(map[string]any)["generalSettings"].(map[string]any)["pantherVersion"] == nil {
		t.Fatalf("check-connection: %d %v", code, out)
	}
	// upload a rule (a zip as panther_analysis_tool builds it).
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "rules/create_user.yml", Method: zip.Deflate})
	w.Write([]byte(testRule))
	zw.Close()
	code, out = ts.gql("/public/graphql", key, uploadMutation, map[string]any{"input": map[string]any{"data": base64.StdEncoding.EncodeToString(buf.Bytes())}})
	if code != 200 || out["errors"] != nil {
		t.Fatalf("upload: %d %v", code, out)
	}
	eventually(t, "the uploaded rule running", 10*time.Second, func() bool { return ts.Status(context.Background()).Rules == 1 })

	// An HTTP source made through the REST API, and events pushed to it.
	code, src := ts.rest("POST", "/v1/log-sources/http", key, map[string]any{"integrationLabel": "edge", "logTypes": []string{"AWS.CloudTrail"}, "authMethod": "Bearer", "logStreamType": "Auto"})
	if code != 201 {
		t.Fatalf("create source: %d %v", code, src)
	}
	eventually(t, "the source serving", 10*time.Second, func() bool {
		c, _ := ts.push(src["integrationId"].(string), src["authBearerToken"].(string), []byte(cloudTrail(1, "CreateUser")+"\n"+cloudTrail(2, "DescribeInstances")+"\n"))
		return c == 200
	})
	var alertID string
	eventually(t, "the alert", 20*time.Second, func() bool {
		_, out := ts.gql("/graphql", key, `{ alerts(input: {}) { edges { node { id title origin { ... on Detection { id } } } } } }`, nil)
		edges, _ := out["data"].(map[string]any)["alerts"].(map[string]any)["edges"].([]any)
		if len(edges) == 0 {
			return false
		}
		alertID = edges[0].(map[string]any)["node"].(map[string]any)["id"].(string)
		return true
	})
	code, a := ts.rest("GET", "/v1/alerts/"+alertID, key, nil)
	if code != 200 || a["title"] != "user created" {
		t.Errorf("GET /v1/alerts/%s: %d %v", alertID, code, a)
	}

	// A query with mcp-panther's documents, through the REST base's GraphQL path.
	var rows []any
	eventually(t, "the events in the lake", 30*time.Second, func() bool {
		_, out := ts.gql("/v1/public/graphql", key, `mutation ExecuteDataLakeQuery($input: ExecuteDataLakeQueryInput!) { executeDataLakeQuery(input: $input) { id } }`,
			map[string]any{"input": map[string]any{"sql": "SELECT eventName FROM panther_logs.public.aws_cloudtrail WHERE p_event_time >= '2026-01-01' ORDER BY eventName", "databaseName": "panther_logs.public"}})
		id := out["data"].(map[string]any)["executeDataLakeQuery"].(map[string]any)["id"].(string)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for ; ; <-tick.C {
			_, q := ts.gql("/v1/public/graphql", key, `query GetDataLakeQuery($id: ID!, $root: Boolean = false, $resultsInput: DataLakeQueryResultsInput) {
    dataLakeQuery(id: $id, root: $root) { status message results(input: $resultsInput) { edges { node } } } }`,
				map[string]any{"id": id, "resultsInput": map[string]any{"pageSize": 100}})
			d := q["data"].(map[string]any)["dataLakeQuery"].(map[string]any)
			if d["status"] == "running" {
				continue
			}
			if d["status"] != "succeeded" {
				t.Fatalf("query: %v", d)
			}
			rows = d["results"].(map[string]any)["edges"].([]any)
			return len(rows) == 2
		}
	})
	if first := rows[0].(map[string]any)["node"].(map[string]any)["eventName"]; first != "CreateUser" {
		t.Errorf("rows: %v", rows)
	}

	// The ingestion charts: mcp-panther's get_bytes_processed_metrics and PAT's metrics query
	// (benchmark's choice of an hour) see the bytes the source received, under its label.
	now := time.Now().UTC()
	for _, c := range []struct {
		who, doc string
		in       map[string]any
	}{
		{"mcp-panther", mcpBytesProcessed, map[string]any{"fromDate": now.Add(-time.Hour).Format("2006-01-02T15:04:05.000Z"), "toDate": now.Add(time.Minute).Format("2006-01-02T15:04:05.000Z"), "intervalInMinutes": 1440}},
		{"panther_analysis_tool", patMetrics, map[string]any{"fromDate": now.Add(-time.Hour).Format("2006-01-02T15:04:05.999999-07:00"), "toDate": now.Add(time.Minute).Format("2006-01-02T15:04:05.999999-07:00"), "intervalInMinutes": 60}},
	} {
		_, out := ts.gql("/public/graphql", key, c.doc, map[string]any{"input": c.in})
		var got struct {
			Data struct {
				Metrics struct {
					BytesProcessedPerSource []struct {
						Label     string
						Value     float64
						Breakdown map[string]float64
					}
				}
			}
			Errors []any
		}
		b, _ := json.Marshal(out)
		if err := json.Unmarshal(b, &got); err != nil || got.Errors != nil {
			t.Fatalf("%s metrics: %s", c.who, b)
		}
		series := got.Data.Metrics.BytesProcessedPerSource
		if len(series) != 1 || series[0].Label != "edge" || series[0].Value <= 0 {
			t.Errorf("%s bytesProcessedPerSource = %+v", c.who, series)
			continue
		}
		var sum float64
		for _, v := range series[0].Breakdown {
			sum += v
		}
		if sum != series[0].Value {
			t.Errorf("%s: the breakdown adds up to %v, the value is %v", c.who, sum, series[0].Value)
		}
	}
}

const (
	mcpBytesProcessed = `query GetBytesProcessedMetrics($input: MetricsInput!) {
    metrics(input: $input) {
        bytesProcessedPerSource {
            label
            value
            breakdown
        }
    }
}`
	patMetrics = `query Metrics($input: MetricsInput!) {
    metrics(input: $input) {
        bytesProcessedPerSource {
            breakdown
            label
            value
        }
    }
}`
)

// TestServerRoutesAreDocumented walks the server's whole router: every route is in
// api/openapi.yaml, and every documented path is served.
func TestServerRoutesAreDocumented(t *testing.T) {
	ts := startServer(t, testConfig(t, t.TempDir()))
	data, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	err = chi.Walk(ts.httpSrv.Handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	prefixes := []string{}
	for r := range served {
		method, path, _ := strings.Cut(r, " ")
		if strings.HasSuffix(path, "/*") {
			prefixes = append(prefixes, strings.TrimSuffix(path, "*")) // the API's paths, checked by internal/api
			continue
		}
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok && !(path == "/graphql" || path == "/public/graphql") {
			t.Errorf("%s %s is served but not documented", method, path)
		}
	}
	for path, ops := range doc.Paths {
		for m := range ops {
			if served[strings.ToUpper(m)+" "+path] || served["*"+" "+path] || hasPrefix(path, prefixes) || path == "/graphql" || path == "/public/graphql" {
				continue
			}
			t.Errorf("%s %s is documented but not served", strings.ToUpper(m), path)
		}
	}
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
