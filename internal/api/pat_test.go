package api_test

// Replays of what panther_analysis_tool sends (its backend/public_api_client.py and
// backend/graphql/*.graphql), written out here: the same operations, variables and selected
// fields, checked the way PAT reads the answers.

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/auth"
)

const (
	patGetVersion = `query GetVersion {
  generalSettings {
    pantherVersion
  }
}`

	patUploadStats = `fragment UploadStatisticDetails on UploadStatistics {
    modified
    new
    total
}`

	patBulkUpload = `mutation UploadDetections($input: UploadDetectionEntitiesInput!) {
    uploadDetectionEntities(input: $input) {
        dataModels { ...UploadStatisticDetails }
        globalHelpers { ...UploadStatisticDetails }
        lookupTables { ...UploadStatisticDetails }
        policies { ...UploadStatisticDetails }
        rules { ...UploadStatisticDetails }
        queries { ...UploadStatisticDetails }
        correlationRules { ...UploadStatisticDetails }
        scheduledPrompts { ...UploadStatisticDetails }
    }
}
` + patUploadStats

	patAsyncUpload = `mutation uploadDetectionEntitiesAsync($input: UploadDetectionEntitiesAsyncInput!) {
    uploadDetectionEntitiesAsync(input: $input) {
        receiptId
    }
}`

	patAsyncStatus = `query status($input: ID!) {
    detectionEntitiesUploadStatus(receiptId: $input) {
        status
        error
        result {
            dataModels { ...UploadStatisticDetails }
            globalHelpers { ...UploadStatisticDetails }
            lookupTables { ...UploadStatisticDetails }
            policies { ...UploadStatisticDetails }
            rules { ...UploadStatisticDetails }
            queries { ...UploadStatisticDetails }
            correlationRules { ...UploadStatisticDetails }
            scheduledPrompts { ...UploadStatisticDetails }
        }
    }
}
` + patUploadStats

	patValidate = `mutation ValidateBulkUpload($input: ValidateBulkUploadInput!) {
    validateBulkUpload(input: $input) {
        receiptId
    }
}`

	patValidateStatus = `query ValidateBulkUploadStatus($input: ID!) {
    validateBulkUploadStatus(receiptId: $input) {
        status
        error
        result {
            issues {
                path
                errorMessage
            }
        }
    }
}`

	patDeleteDetections = `mutation DeleteDetections($input: DeleteDetectionsInput!) {
  deleteDetections(input: $input) {
    ids
    savedQueryNames
  }
}`

	patDeleteSavedQueries = `mutation DeleteSavedQueries($input: DeleteSavedQueriesByNameInput!) {
  deleteSavedQueriesByName(input: $input) {
    detectionIDs
    names
  }
}`

	patListSchemas = `query Schemas($input: SchemasInput!) {
    schemas(input: $input) {
        edges {
            node {
                createdAt
                description
                isManaged
                name
                referenceURL
                revision
                spec
                updatedAt
            }
        }
    }
}`

	patUpdateSchema = `mutation CreateOrUpdateSchema($input: CreateOrUpdateSchemaInput!) {
  createOrUpdateSchema(input: $input) {
    schema {
        createdAt
        description
        isManaged
        name
        referenceURL
        revision
        spec
        updatedAt
    }
  }
}`

	patFeatureFlags = `query GetFeatureFlags($input: GetFeatureFlagsInput!) {
    featureFlags(input: $input) {
        flags {
            flag
            treatment
        }
    }
}`

	patRuleBody = `query GetRuleBody($input: ID!) {
    rulePythonBody(input: $input) {
        pythonBody
        tests {
            expectedResult
            name
            resource
            mocks {
                objectName
                returnValue
            }
        }
    }
}`
)

// patZip builds the archive as PAT's zip_analysis does: zipfile.ZipFile(..., ZIP_DEFLATED)
// with each file written under its path relative to the working directory.
func patZip(t testing.TB, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedNames(files) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[name]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func sortedNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// patContent is a small panther-analysis checkout.
var patContent = map[string]string{
	"rules/aws_cloudtrail_rules/aws_console_root_login.yml": `AnalysisType: rule
Filename: aws_console_root_login.py
RuleID: AWS.Console.RootLogin
DisplayName: Root console login
Enabled: true
LogTypes:
  - AWS.CloudTrail
Severity: High
Tests:
  - Name: Root login
    ExpectedResult: true
    Log:
      eventName: ConsoleLogin
      userIdentity:
        type: Root
  - Name: User login
    ExpectedResult: false
    Log:
      eventName: ConsoleLogin
      userIdentity:
        type: IAMUser
`,
	"rules/aws_cloudtrail_rules/aws_console_root_login.py": `from panther_base_helpers import deep_get


def rule(event):
    return event.get("eventName") == "ConsoleLogin" and deep_get(event, "userIdentity", "type") == "Root"


def title(event):
    return "Root logged in from " + str(event.get("sourceIPAddress"))
`,
	"global_helpers/panther_base_helpers.yml": "AnalysisType: global\nFilename: panther_base_helpers.py\nGlobalID: panther_base_helpers\n",
	"global_helpers/panther_base_helpers.py": `from collections.abc import Mapping


def deep_get(d, *keys, default=None):
    for k in keys:
        if not isinstance(d, Mapping):
            return default
        d = d.get(k, default)
    return d
`,
	"queries/root_logins.yml": "AnalysisType: saved_query\nQueryName: Root logins\nQuery: SELECT * FROM panther_logs.aws_cloudtrail WHERE useridentity.type = 'Root'\n",
}

type uploadStats struct {
	Modified, New, Total int
}

type uploadResult struct {
	DataModels, GlobalHelpers, LookupTables, Policies, Rules, Queries, CorrelationRules, ScheduledPrompts uploadStats
}

func TestPATCheckConnection(t *testing.T) {
	s := newServer(t)
	for _, role := range auth.Roles() {
		r := s.gql(s.tokens[role], patGetVersion, nil)
		var data struct {
			GeneralSettings struct{ PantherVersion *string }
		}
		if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %s %s", role, r.Data, r.messages())
		}
		if data.GeneralSettings.PantherVersion == nil || *data.GeneralSettings.PantherVersion != "1.2.3-test" {
			t.Errorf("%s: pantherVersion = %v", role, data.GeneralSettings.PantherVersion)
		}
	}
	// A wrong key is refused, as PAT's check-connection reports it.
	r := s.gql("pat_nope", patGetVersion, nil)
	if r.status != 401 || r.code() != "UNAUTHENTICATED" || len(r.Data) > 0 && string(r.Data) != "null" {
		t.Errorf("bad key: status %d code %q data %s", r.status, r.code(), r.Data)
	}
}

func TestPATIntrospectionFindsAsyncUploads(t *testing.T) {
	s := newServer(t)
	r := s.gql(s.tokens[auth.RoleAnalyst], introspectionQuery, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.messages())
	}
	var data struct {
		Schema struct {
			Types []struct {
				Kind, Name string
				Fields     []struct{ Name string }
			}
		} `json:"__schema"`
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	// PAT's has_graphql_endpoints: count the wanted names among the fields of the Query and
	// Mutation object types.
	want := map[string]bool{"uploadDetectionEntitiesAsync": true, "detectionEntitiesUploadStatus": true}
	seen := 0
	for _, typ := range data.Schema.Types {
		if (typ.Name == "Query" || typ.Name == "Mutation") && typ.Kind == "OBJECT" {
			for _, f := range typ.Fields {
				if want[f.Name] {
					seen++
				}
			}
		}
	}
	if seen != 2 {
		t.Errorf("introspection shows %d of the 2 async upload operations", seen)
	}
}

func TestPATUploadSyncThenAsync(t *testing.T) {
	s := newServer(t)
	key := s.tokens[auth.RoleAnalyst]
	r := s.gql(key, patBulkUpload, map[string]any{"input": map[string]any{"data": patZip(t, patContent)}})
	if len(r.Errors) > 0 {
		t.Fatal(r.messages())
	}
	var sync struct{ UploadDetectionEntities uploadResult }
	if err := json.Unmarshal(r.Data, &sync); err != nil {
		t.Fatal(err)
	}
	got := sync.UploadDetectionEntities
	if got.Rules != (uploadStats{New: 1, Total: 1}) || got.GlobalHelpers != (uploadStats{New: 1, Total: 1}) || got.Queries != (uploadStats{New: 1, Total: 1}) {
		t.Errorf("sync upload = %+v", got)
	}
	// After an upload PAT asks whether correlation rules are on, to print their counts.
	r = s.gql(key, patFeatureFlags, map[string]any{"input": map[string]any{"flags": []any{map[string]any{"flag": "EnableCorrelationRules"}}}})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"treatment":true`) {
		t.Errorf("feature flags: %s %s", r.Data, r.messages())
	}

	// The async path: a changed rule, polled until COMPLETED.
	files := map[string]string{}
	for k, v := range patContent {
		files[k] = v
	}
	files["rules/aws_cloudtrail_rules/aws_console_root_login.yml"] = strings.Replace(patContent["rules/aws_cloudtrail_rules/aws_console_root_login.yml"], "Severity: High", "Severity: Critical", 1)
	r = s.gql(key, patAsyncUpload, map[string]any{"input": map[string]any{"data": patZip(t, files), "patVersion": "0.99.0"}})
	if len(r.Errors) > 0 {
		t.Fatal(r.messages())
	}
	var started struct{ UploadDetectionEntitiesAsync struct{ ReceiptID string } }
	json.Unmarshal(r.Data, &started)
	receipt := started.UploadDetectionEntitiesAsync.ReceiptID
	if receipt == "" {
		t.Fatalf("no receipt: %s", r.Data)
	}
	s.deps.Content.Close() // waits for the background job, where PAT would poll every 2 s
	r = s.gql(key, patAsyncStatus, map[string]any{"input": receipt})
	var status struct {
		DetectionEntitiesUploadStatus struct {
			Status string
			Error  *string
			Result *uploadResult
		}
	}
	if err := json.Unmarshal(r.Data, &status); err != nil || len(r.Errors) > 0 {
		t.Fatalf("%s %s", r.Data, r.messages())
	}
	st := status.DetectionEntitiesUploadStatus
	if st.Status != "COMPLETED" || st.Result == nil || st.Result.Rules != (uploadStats{Modified: 1, Total: 1}) || st.Result.GlobalHelpers != (uploadStats{Total: 1}) {
		t.Errorf("async status = %+v (result %+v)", st, st.Result)
	}
	// The derived-rule lookup PAT makes reads the stored body and tests back.
	r = s.gql(key, patRuleBody, map[string]any{"input": "AWS.Console.RootLogin"})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `def rule(event)`) || !strings.Contains(string(r.Data), `"name":"Root login"`) {
		t.Errorf("rulePythonBody: %s %s", r.Data, r.messages())
	}
}

func TestPATUploadOfInvalidContentFails(t *testing.T) {
	s := newServer(t)
	key := s.tokens[auth.RoleAdmin]
	bad := map[string]string{"rules/bad.yml": "AnalysisType: rule\nRuleID: Bad\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: Severe\nFilename: bad.py\n", "rules/bad.py": "def rule(e):\n    return True\n"}
	// Sync: a GraphQL error naming the file and the problem.
	r := s.gql(key, patBulkUpload, map[string]any{"input": map[string]any{"data": patZip(t, bad)}})
	if r.code() != "INVALID_INPUT" || !strings.Contains(r.messages(), "rules/bad.yml") || !strings.Contains(r.messages(), "Severity") {
		t.Errorf("sync: %s (%s)", r.messages(), r.code())
	}
	// Async: status FAILED with an error PAT parses as {"error", "issues": [{path, errorMessage}]},
	// and not one PAT retries.
	r = s.gql(key, patAsyncUpload, map[string]any{"input": map[string]any{"data": patZip(t, bad), "patVersion": "0.99.0"}})
	var started struct{ UploadDetectionEntitiesAsync struct{ ReceiptID string } }
	json.Unmarshal(r.Data, &started)
	s.deps.Content.Close()
	r = s.gql(key, patAsyncStatus, map[string]any{"input": started.UploadDetectionEntitiesAsync.ReceiptID})
	var status struct {
		DetectionEntitiesUploadStatus struct {
			Status string
			Error  string
		}
	}
	json.Unmarshal(r.Data, &status)
	var parsed struct {
		Error  string
		Issues []struct{ Path, ErrorMessage string }
	}
	if status.DetectionEntitiesUploadStatus.Status != "FAILED" || json.Unmarshal([]byte(status.DetectionEntitiesUploadStatus.Error), &parsed) != nil ||
		len(parsed.Issues) == 0 || parsed.Issues[0].Path != "rules/bad.yml" {
		t.Errorf("async failure = %+v", status.DetectionEntitiesUploadStatus)
	}
	if retryable(status.DetectionEntitiesUploadStatus.Error) {
		t.Error("PAT would retry an upload of invalid content")
	}
	// Nothing was saved.
	if v, _ := s.deps.Content.Version(t.Context()); v != "0" {
		t.Errorf("content version %s after refused uploads", v)
	}
}

// retryable is PAT's is_retryable_error_str.
func retryable(err string) bool {
	return strings.Contains(err, "another upload") || err == "upload failed" || strings.Contains(err, "unknown error occurred") ||
		strings.Contains(err, "ddb lock") || strings.Contains(err, "pload does not exist")
}

func TestPATValidate(t *testing.T) {
	s := newServer(t)
	key := s.tokens[auth.RoleReadOnly]
	for _, tc := range []struct {
		files  map[string]string
		issues int
	}{
		{patContent, 0},
		{map[string]string{"rules/r.yml": "AnalysisType: rule\nRuleID: R\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: High\n"}, 1},
	} {
		r := s.gql(key, patValidate, map[string]any{"input": map[string]any{"data": patZip(t, tc.files), "patVersion": "0.99.0"}})
		var started struct{ ValidateBulkUpload struct{ ReceiptID string } }
		if err := json.Unmarshal(r.Data, &started); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s %s", r.Data, r.messages())
		}
		s.deps.Content.Close()
		r = s.gql(key, patValidateStatus, map[string]any{"input": started.ValidateBulkUpload.ReceiptID})
		var st struct {
			ValidateBulkUploadStatus struct {
				Status string
				Error  *string
				Result *struct {
					Issues []struct{ Path, ErrorMessage string }
				}
			}
		}
		json.Unmarshal(r.Data, &st)
		v := st.ValidateBulkUploadStatus
		if v.Status != "COMPLETED" || v.Result == nil || len(v.Result.Issues) != tc.issues {
			t.Errorf("validation = %+v %+v", v, v.Result)
		}
		if tc.issues > 0 && (v.Result.Issues[0].Path != "rules/r.yml" || !strings.Contains(v.Result.Issues[0].ErrorMessage, "Filename")) {
			t.Errorf("issue = %+v", v.Result.Issues[0])
		}
	}
	if v, _ := s.deps.Content.Version(t.Context()); v != "0" {
		t.Errorf("validation saved content (version %s)", v)
	}
}

func TestPATDelete(t *testing.T) {
	s := newServer(t)
	key := s.tokens[auth.RoleAnalyst]
	s.admin(patBulkUpload, map[string]any{"input": map[string]any{"data": patZip(t, patContent)}}, nil)
	// PAT's bulk delete: a dry run of each, then the real thing.
	for _, dry := range []bool{true, false} {
		r := s.gql(key, patDeleteDetections, map[string]any{"input": map[string]any{"dryRun": dry, "includeSavedQueries": false, "ids": []string{"AWS.Console.RootLogin", "Not.There"}}})
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"ids":["AWS.Console.RootLogin"]`) {
			t.Errorf("delete detections (dry %v): %s %s", dry, r.Data, r.messages())
		}
		r = s.gql(key, patDeleteSavedQueries, map[string]any{"input": map[string]any{"dryRun": dry, "includeDetections": false, "names": []string{"Root logins"}}})
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"names":["Root logins"]`) {
			t.Errorf("delete saved queries (dry %v): %s %s", dry, r.Data, r.messages())
		}
	}
	snap, err := s.deps.Content.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Item("AWS.Console.RootLogin"); ok {
		t.Error("the rule is still there")
	}
	if _, ok := snap.Item("panther_base_helpers"); !ok {
		t.Error("the helper was deleted too")
	}
}

func TestPATCustomSchemas(t *testing.T) {
	s := newServer(t)
	key := s.tokens[auth.RoleAnalyst]
	// PAT's log type validation reads the managed schemas.
	r := s.gql(key, patListSchemas, map[string]any{"input": map[string]any{"isManaged": true}})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"AWS.CloudTrail"`) || strings.Contains(string(r.Data), `"isManaged":false`) {
		t.Fatalf("managed schemas: %.300s %s", r.Data, r.messages())
	}
	// update-custom-schemas: list the custom ones, then create (revision 0) and update
	// (the listed revision).
	spec := "schema: Custom.SampleApp\nversion: 0\nfields:\n  - name: ts\n    type: timestamp\n    timeFormat: rfc3339\n    isEventTime: true\n  - name: msg\n    type: string\n"
	r = s.gql(key, patListSchemas, map[string]any{"input": map[string]any{"isManaged": false}})
	if len(r.Errors) > 0 || strings.Contains(string(r.Data), "Custom.SampleApp") {
		t.Fatalf("custom schemas before: %s %s", r.Data, r.messages())
	}
	for i, rev := range []int{0, 1} {
		in := map[string]any{"description": "", "name": "Custom.SampleApp", "referenceURL": "", "revision": rev, "spec": spec, "isFieldDiscoveryEnabled": false}
		r = s.gql(key, patUpdateSchema, map[string]any{"input": in})
		var out struct {
			CreateOrUpdateSchema struct {
				Schema struct {
					Name      string
					Revision  int
					IsManaged bool
				}
			}
		}
		if err := json.Unmarshal(r.Data, &out); err != nil || len(r.Errors) > 0 {
			t.Fatalf("createOrUpdateSchema(rev %d): %s %s", rev, r.Data, r.messages())
		}
		if got := out.CreateOrUpdateSchema.Schema; got.Name != "Custom.SampleApp" || got.Revision != i+1 || got.IsManaged {
			t.Errorf("schema after call %d = %+v", i, got)
		}
		spec += "  - name: extra" + string(rune('a'+i)) + "\n    type: string\n"
	}
	// A stale revision is refused with a message that says to read it again.
	r = s.gql(key, patUpdateSchema, map[string]any{"input": map[string]any{"name": "Custom.SampleApp", "revision": 1, "spec": spec}})
	if r.code() != "CONFLICT" || !strings.Contains(r.messages(), "revision is 2") {
		t.Errorf("stale revision: %s (%s)", r.messages(), r.code())
	}
}

const patTestCorrelationRule = `mutation TestCorrelationRule($input: TestCorrelationRuleYAMLInput!) {
    testCorrelationRuleYAML(input: $input) {
        results {
            error
            name
            passed
        }
    }
}`

// TestPATTestCorrelationRuleYAML replays `panther_analysis_tool test` on a correlation rule:
// the spec dumped as YAML, run by the server.
func TestPATTestCorrelationRuleYAML(t *testing.T) {
	s := newServer(t)
	spec := `AnalysisType: correlation_rule
RuleID: Brute.Force.Then.Login
Enabled: true
Severity: High
Detection:
  - Sequence:
      - ID: Failures
        RuleID: Login.Failed
        MinMatchCount: 3
      - ID: Success
        RuleID: Login.Succeeded
    Transitions:
      - ID: same user
        From: Failures
        To: Success
        WithinTimeFrameMinutes: 10
        Match:
          - On: p_actor
    LookbackWindowMinutes: 30
    Schedule:
      RateMinutes: 10
      TimeoutMinutes: 5
Tests:
  - Name: three failures then a success
    ExpectedResult: true
    RuleOutputs:
      - ID: Failures
        Matches:
          p_actor:
            alice: [1, 2, 3]
      - ID: Success
        Matches:
          p_actor:
            alice: [5]
  - Name: the success is someone else
    ExpectedResult: true
    RuleOutputs:
      - ID: Failures
        Matches:
          p_actor:
            alice: [1, 2, 3]
      - ID: Success
        Matches:
          p_actor:
            bob: [5]
`
	r := s.gql(s.tokens[auth.RoleReadOnly], patTestCorrelationRule, map[string]any{"input": map[string]any{"yaml": spec}})
	var data struct {
		TestCorrelationRuleYAML struct {
			Results []struct {
				Error  *string
				Name   string
				Passed bool
			}
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
		t.Fatalf("%s %s", r.Data, r.messages())
	}
	res := data.TestCorrelationRuleYAML.Results
	if len(res) != 2 || !res[0].Passed || res[1].Passed {
		t.Errorf("results = %+v", res)
	}
	// A spec that does not load is refused with the loader's message.
	r = s.gql(s.tokens[auth.RoleReadOnly], patTestCorrelationRule, map[string]any{"input": map[string]any{"yaml": "AnalysisType: correlation_rule\nRuleID: X\n"}})
	if r.code() != "INVALID_INPUT" || !strings.Contains(r.messages(), "Severity") {
		t.Errorf("invalid spec: %s (%s)", r.messages(), r.code())
	}
}

// patCreatePerfTest is the start of `panther_analysis_tool benchmark`: a replay this server
// does not have. PAT tells "not supported" from any other failure by the code
// GRAPHQL_VALIDATION_FAILED, so the answer must carry it (and no data).
const patCreatePerfTest = `mutation CreatePerfTest ($input: CreatePerfTestInput!){
    createPerfTest(input: $input) {
        replay {
            id
            state
            summary { totalAlerts readTimeNanos processingTimeNanos }
        }
    }
}`

func TestPATUnsupportedOperationsSayValidationFailed(t *testing.T) {
	s := newServer(t)
	for name, doc := range map[string]string{
		"createPerfTest": patCreatePerfTest,
		"transpileSimpleDetectionsToPython": `mutation TranspileSimpleDetectionsToPython($input: TranspileSimpleDetectionsToPythonInput!) {
    transpileSimpleDetectionsToPython(input: $input) {
        transpiledPython
    }
}`,
	} {
		r := s.gql(s.tokens[auth.RoleAdmin], doc, map[string]any{"input": map[string]any{"data": []string{"{}"}}})
		if r.code() != "GRAPHQL_VALIDATION_FAILED" || string(r.Data) != "" && string(r.Data) != "null" {
			t.Errorf("%s: code %q, data %s, errors %s", name, r.code(), r.Data, r.messages())
		}
	}
	// Without credentials the same document is refused before validation.
	r := s.gqlAt("/public/graphql", nil, patCreatePerfTest, nil)
	if r.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous: %q %s", r.code(), r.messages())
	}
}
