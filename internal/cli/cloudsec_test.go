package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const bucketPublic = `{"ResourceId":"arn:aws:s3:::web","ResourceType":"AWS.S3.Bucket","AccountId":"111122223333","Region":"us-east-1","Name":"web","Grants":[{"Grantee":{"URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}],"Versioning":{"Status":"Enabled"},"EncryptionRules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}`

// TestResourcesImportCompliance: policies uploaded to a data dir run on imported snapshots;
// the statuses, the summary, the POLICY alert delivered to a webhook and the history tables
// follow; a fixed resource passes; bad records are refused naming the record.
func TestResourcesImportCompliance(t *testing.T) {
	hasPython(t)
	var mu sync.Mutex
	var received []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Errorf("bad webhook body %s: %v", body, err)
		}
		mu.Lock()
		received = append(received, doc)
		mu.Unlock()
	}))
	defer srv.Close()
	data := t.TempDir()
	mustRun(t, `{"webhookURL":"`+srv.URL+`/hook"}`, "destinations", "add", "--data-dir", data,
		"--type", "customwebhook", "--name", "hook", "--config", "-", "--severity", "CRITICAL")
	mustRun(t, "", "detections", "upload", "--data-dir", data, "../cloudsec/compliance/testdata")

	in := filepath.Join(t.TempDir(), "inventory.ndjson")
	writeFiles(t, filepath.Dir(in), map[string]string{filepath.Base(in): bucketPublic + "\n" +
		`{"ResourceId":"arn:aws:ec2:eu-west-1:111122223333:instance/i-9","ResourceType":"AWS.EC2.Instance","AccountId":"111122223333","Region":"eu-west-1","State":{"Name":"running"}}` + "\n"})
	out := mustRun(t, "", "resources", "import", "--data-dir", data, in)
	for _, want := range []string{"2 records: 2 resources created or changed", "13 policies: 4 evaluations: 2 PASS, 1 FAIL, 1 ERROR", "1 newly failing, 1 POLICY alerts raised", "1 alert deliveries attempted"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	rows := jsonLines(t, mustRun(t, "", "compliance", "list", "--data-dir", data, "--status", "FAIL,ERROR", "--format", "json"))
	if len(rows) != 2 || rows[0]["policyId"] != "Test.EC2.Instance.IMDSv2" || rows[0]["status"] != "ERROR" ||
		!strings.Contains(rows[0]["error"].(string), "KeyError") || rows[1]["policyId"] != "Test.S3.Bucket.PublicGrants" ||
		rows[1]["resourceId"] != "arn:aws:s3:::web" || rows[1]["resourceType"] != "AWS.S3.Bucket" || rows[1]["suppressed"] != false {
		t.Errorf("compliance list: %v", rows)
	}
	var sum struct {
		Policies map[string]map[string]int `json:"appliedPolicies"`
		Top      []map[string]any          `json:"topFailingPolicies"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "", "compliance", "summary", "--data-dir", data, "--format", "json")), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Policies["CRITICAL"]["fail"] != 1 || sum.Policies["MEDIUM"]["error"] != 1 || len(sum.Top) != 1 || sum.Top[0]["policyId"] != "Test.S3.Bucket.PublicGrants" {
		t.Errorf("summary: %+v", sum)
	}
	mu.Lock()
	if len(received) != 1 || !strings.Contains(received[0]["title"].(string), "S3 Bucket PublicGrants") {
		t.Errorf("webhook: %v", received)
	}
	mu.Unlock()
	show := mustRun(t, "", "resources", "show", "--data-dir", data, "arn:aws:s3:::web")
	if !strings.Contains(show, "Compliance:     FAIL") || !strings.Contains(show, "Test.S3.Bucket.PublicGrants  CRITICAL  FAIL") {
		t.Errorf("resources show:\n%s", show)
	}

	// The bucket is fixed: it passes, and the history tells both snapshots with the diff.
	fixed := strings.Replace(bucketPublic, `"URI":"http://acs.amazonaws.com/groups/global/AllUsers"`, `"ID":"owner"`, 1)
	out = mustRun(t, fixed, "resources", "import", "--data-dir", data, "-")
	if !strings.Contains(out, "1 records: 1 resources created or changed") || !strings.Contains(out, "0 newly failing") {
		t.Errorf("second import:\n%s", out)
	}
	rows = jsonLines(t, mustRun(t, "", "compliance", "list", "--data-dir", data, "--policy", "Test.S3.Bucket.PublicGrants", "--format", "json"))
	if len(rows) != 1 || rows[0]["status"] != "PASS" {
		t.Errorf("after the fix: %v", rows)
	}
	q := mustRun(t, "", "query", "--data-dir", data, "--format", "csv",
		"SELECT changeType, json_extract_string(changes, '$.\"Grants\".to[0].Grantee.ID') FROM panther_cloudsecurity.resource_history WHERE id = 'arn:aws:s3:::web' ORDER BY lastUpdated")
	if q != "changeType,\"json_extract_string(changes, '$.\"\"Grants\"\".to[0].Grantee.ID')\"\nCREATED,\nMODIFIED,owner\n" {
		t.Errorf("resource history:\n%s", q)
	}
	q = mustRun(t, "", "query", "--data-dir", data, "--format", "csv",
		"SELECT changeType, status, previousStatus FROM panther_cloudsecurity.compliance_history WHERE policyId = 'Test.S3.Bucket.PublicGrants' ORDER BY lastUpdated")
	if q != "changeType,status,previousStatus\nCREATED,FAIL,\nMODIFIED,PASS,FAIL\n" {
		t.Errorf("compliance history:\n%s", q)
	}
	list := mustRun(t, "", "resources", "list", "--data-dir", data, "--type", "AWS.S3.Bucket")
	if !strings.Contains(list, "arn:aws:s3:::web") || strings.Contains(list, "i-9") {
		t.Errorf("resources list --type:\n%s", list)
	}

	// A record without ResourceType: nothing is imported, the error names the record.
	_, errs, code := run(t, fixed+"\n"+`{"ResourceId":"x"}`+"\n", "resources", "import", "--data-dir", data, "-")
	if code != 1 || !strings.Contains(errs, "stdin: record 2 (line 2): ResourceType is missing") {
		t.Errorf("bad record: exit %d: %s", code, errs)
	}

	// A suppression added from the CLI.
	out = mustRun(t, "", "compliance", "suppress", "--data-dir", data, "--policy", "Test.EC2.Instance.IMDSv2", "arn:aws:ec2:eu-west-1:*")
	if !strings.Contains(out, "1 statuses changed their suppression") {
		t.Errorf("suppress: %s", out)
	}
	rows = jsonLines(t, mustRun(t, "", "compliance", "list", "--data-dir", data, "--policy", "Test.EC2.Instance.IMDSv2", "--format", "json"))
	if len(rows) != 1 || rows[0]["suppressed"] != true {
		t.Errorf("suppressed: %v", rows)
	}
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		out = append(out, m)
	}
	return out
}
