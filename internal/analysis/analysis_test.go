package analysis

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestInvalidFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		want    []string
	}{
		{"yaml_syntax.yml", []string{"yaml_syntax.yml:3: invalid YAML: mapping values are not allowed in this context"}},
		{"multi_document.yml", []string{"multi_document.yml:4: invalid YAML: expected a single YAML document, found another one"}},
		{"duplicate_key.yml", []string{`duplicate_key.yml:3: invalid YAML: duplicate key "GlobalID" (first at line 2)`}},
		{"unknown_tag.yml", []string{"unknown_tag.yml:2: invalid YAML: unsupported tag !Ref (the safe loader knows only the standard YAML tags)"}},
		{"unknown_type.yml", []string{`unknown_type.yml:1: AnalysisType: expected one of rule, scheduled_rule, correlation_rule, policy, global, datamodel, pack, saved_query, scheduled_query, lookup_table, scheduled_prompt, got the string "rules"`}},
		{"type_not_string.yml", []string{`type_not_string.yml:1: AnalysisType: expected one of rule, scheduled_rule, correlation_rule, policy, global, datamodel, pack, saved_query, scheduled_query, lookup_table, scheduled_prompt, got a list`}},
		{"missing_required.yml", []string{"missing_required.yml:1: Severity: required key is missing"}},
		{"unknown_key.yml", []string{"unknown_key.yml:7: Sevrity: unknown key for a rule (did you mean Severity?)"}},
		{"wrong_type.yml", []string{`wrong_type.yml:3: Enabled: expected a bool (true or false), got the string "yes"`}},
		{"filename_and_detection.yml", []string{"filename_and_detection.yml:7: Detection: exactly one of Filename or Detection is allowed, found Filename and Detection"}},
		{"neither_logtypes.yml", []string{"neither_logtypes.yml:1: exactly one of LogTypes or ScheduledQueries is required, found none"}},
		{"bad_id.yml", []string{`bad_id.yml:2: RuleID: "a<b>" must be non-empty and must not contain any of < > & " %`}},
		{"bad_severity.yml", []string{`bad_severity.yml:6: Severity: expected one of Info, Low, Medium, High, Critical, got the string "high"`}},
		{"duplicate_tags.yml", []string{`duplicate_tags.yml:10: Tags[2]: duplicate value "a" (also at Tags[0])`}},
		{"lower_tags.yml", []string{`lower_tags.yml:7: Tags[1]: LowerTags: "aws" duplicates "AWS" (Tags[0]) when case is ignored`}},
		{"bad_mock.yml", []string{"bad_mock.yml:13: Tests[0].Mocks[0].returnValue: expected a string or bool, got a list"}},
		{"mock_missing_key.yml", []string{"mock_missing_key.yml:12: Tests[0].Mocks[0].returnValue: required key is missing"}},
		{"test_unknown_key.yml", []string{"test_unknown_key.yml:10: Tests[0].ExpectedTitle: unknown key for a rule test"}},
		{"test_missing_log.yml", []string{
			"test_missing_log.yml:8: Tests[0].Log: required key is missing",
			`test_missing_log.yml:9: Tests[0].ExpectedResult: expected a bool (true or false), got the string "true"`,
		}},
		{"missing_python.yml", []string{`missing_python.yml:4: Filename: file "nope.py" does not exist next to missing_python.yml`}},
		{"rate_minutes.yml", []string{"rate_minutes.yml:6: Schedule.RateMinutes: RateMinutes must be > 1, got 1"}},
		{"rate_vs_timeout.yml", []string{"rate_vs_timeout.yml:6: Schedule.RateMinutes: RateMinutes must be >= TimeoutMinutes (10), got 5"}},
		{"schedule_both.yml", []string{"schedule_both.yml:7: Schedule.RateMinutes: exactly one of CronExpression or RateMinutes is allowed, found CronExpression and RateMinutes"}},
		{"simple_bad_condition.yml", []string{`simple_bad_condition.yml:9: Detection[0].Any[0].Condition: unknown condition "Equal"`}},
		{"inline_filter_key.yml", []string{"inline_filter_key.yml:8: InlineFilters[0].Key: InlineFilters identify fields with KeyPath, not Key"}},
		{"derived_extra.yml", []string{"derived_extra.yml:4: LogTypes: unknown key for a derived rule"}},
		{"policy_resource_type.yml", []string{`policy_resource_type.yml:6: ResourceTypes[0]: "AWS.S3.Buckets" is not a known resource type (AWS.S3.Bucket, AWS.IAM.Role, ...)`}},
		{"datamodel_mapping.yml", []string{"datamodel_mapping.yml:8: Mappings[0].Method: exactly one of Path or Method is allowed, found Path and Method"}},
		{"prompt.yml", []string{
			`prompt.yml:2: PromptName: "Daily" must match ^[a-z][a-z0-9_]*$ (lower case letters, digits and _, starting with a letter)`,
			`prompt.yml:5: RunAsUser: expected a non-empty string, got the string ""`,
			"prompt.yml:6: Private: may only be false, got the bool true",
		}},
		{"saved_query_no_query.yml", []string{"saved_query_no_query.yml:1: one of Query, AthenaQuery, SnowflakeQuery, DatabricksQuery or PantherFlowQuery is required, found none"}},
		{"reports.yml", []string{"reports.yml:8: Reports.MITRE: expected a list of control IDs, got a string"}},
		{"lookup_source.yml", []string{"lookup_source.yml:1: one of Filename or Refresh is required, found none"}},
		{"correlation_tests.yml", []string{"correlation_tests.yml:9: Tests[0].RuleOutputs: required key is missing"}},
		{"correlation_group.yml", []string{
			"correlation_group.yml:9: Detection[0].Group[0].MinMatchCount: expected an integer of at least 1, got 0",
			`correlation_group.yml:10: Detection[0].Group[1].ID: duplicate member ID "login" (also Detection[0].Group[0])`,
			"correlation_group.yml:13: Detection[0].Group[1].MaxMatchCount: an Absence member cannot have a MaxMatchCount",
			`correlation_group.yml:18: Detection[0].MatchCriteria.user[1].GroupID: "nobody" is not the ID of a member of the Group`,
			"correlation_group.yml:20: Detection[0].MinMatchCount: MinMatchCount is 3 but only 1 members can match (the others are Absence)",
			`correlation_group.yml:22: Detection[0].EventEvaluationOrder: expected one of Chronological, ReverseChronological, got the string "Sideways"`,
			`correlation_group.yml:24: Detection[0].Schedule.CronExpression: cron expression "61 * * * *": minute field "61": 61 is outside 0-59`,
		}},
		{"correlation_sequence.yml", []string{
			"correlation_sequence.yml:11: Detection[0].Sequence[1].Absence: only the first or the last step of a Sequence can be Absence",
			`correlation_sequence.yml:16: Detection[0].Transitions[0].To: a transition goes from a step to the next one: after "a" comes "b", not "c"`,
			"correlation_sequence.yml:19: Detection[0].Transitions[1].WithinTimeFrameMinutes: expected an integer of at least 1, got 0",
			"correlation_sequence.yml:21: Detection[0].Transitions[1].Match[0]: expected On, or From and To, not both",
			`correlation_sequence.yml:23: Detection[0].Transitions[2].From: "zz" is not the ID of a step of the Sequence`,
		}},
		{"correlation_shape.yml", []string{"correlation_shape.yml:7: Detection[0].Sequence: expected Group or Sequence, not both"}},
		{"everything_wrong.yml", []string{
			`everything_wrong.yml:2: RuleID: "" must be non-empty and must not contain any of < > & " %`,
			"everything_wrong.yml:3: Enabled: expected a bool (true or false), got the integer 1",
			"everything_wrong.yml:5: LogTypes: expected a list of strings, got a string",
			`everything_wrong.yml:6: Severity: expected one of Info, Low, Medium, High, Critical, got the string "Severe"`,
			`everything_wrong.yml:7: DedupPeriodMinutes: expected an integer, got the string "60"`,
			`everything_wrong.yml:9: Tests[0].ExpectedResult: expected a bool (true or false), got the string "maybe"`,
			"everything_wrong.yml:9: Tests[0].Name: required key is missing",
		}},
		{"dup_id", []string{"b.yml:3: RuleID: Conflicting AnalysisID: [shared] is already used by a.yml:2"}},
		{"pack_missing", []string{`pack.yml:6: PackDefinition.IDs[1]: "Nope.Rule" is not the ID of any loaded analysis item`}},
		{"datamodel_conflict", []string{"b.yml:5: LogTypes[0]: Conflicting Enabled LogType [AWS.VPCFlow]: data model DM.a (a.yml) already handles it"}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.fixture] = true
		t.Run(c.fixture, func(t *testing.T) {
			coll := loadFixture(t, c.fixture, Options{})
			got := problemStrings(coll.Problems())
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, c.want)
			}
			if len(coll.Invalid) != 1 {
				t.Errorf("%d invalid specs, want 1", len(coll.Invalid))
			}
		})
	}
	entries, err := os.ReadDir("testdata/bad")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("fixture testdata/bad/%s has no expected error in the table", e.Name())
		}
	}
}

func TestDerivedBase(t *testing.T) {
	fsys := fstest.MapFS{
		"base.yml":    {Data: []byte("AnalysisType: rule\nRuleID: Base\nEnabled: true\nFilename: r.py\nLogTypes: [X]\nSeverity: Low\n")},
		"r.py":        {Data: []byte("def rule(e):\n    return True\n")},
		"derived.yml": {Data: []byte("AnalysisType: rule\nRuleID: Derived\nBaseDetection: Base\nSeverity: High\nInlineFilters:\n  - {KeyPath: a, Condition: Exists}\n")},
	}
	c, err := LoadFS(fsys, "", Options{})
	if err != nil || len(c.Invalid) != 0 {
		t.Fatal(err, c.Problems())
	}
	s, _ := c.ByID("Derived")
	d := s.(*Detection)
	if !d.IsDerived() || d.IsSimple() || d.HasTests || d.Filters == nil {
		t.Errorf("derived rule: %+v", d)
	}
	base, ok := c.Base(d)
	if !ok || base.ID != "Base" {
		t.Errorf("Base() = %v, %v", base, ok)
	}
	if _, ok := c.Base(base); ok {
		t.Error("a base rule has no base")
	}
}

func TestIgnoreExtraKeys(t *testing.T) {
	c := loadFixture(t, "unknown_key.yml", Options{IgnoreExtraKeys: true})
	if len(c.Invalid) != 0 || len(c.Detections) != 1 {
		t.Fatalf("rule with an extra key under IgnoreExtraKeys: invalid %v", c.Problems())
	}
	// The relaxation does not apply to other types.
	fsys := fstest.MapFS{"g.yml": {Data: []byte("AnalysisType: global\nGlobalID: g\nFilename: g.py\nExtra: 1\n")}, "g.py": {Data: []byte("x=1")}}
	c, err := LoadFS(fsys, "", Options{IgnoreExtraKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := problemStrings(c.Problems()); len(got) != 1 || got[0] != "g.yml:4: Extra: unknown key for a global" {
		t.Errorf("global with an extra key: %q", got)
	}
}

func TestDedupWarnings(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yml":   {Data: []byte("AnalysisType: rule\nRuleID: A\nEnabled: true\nFilename: r.py\nLogTypes: [X]\nSeverity: Low\nDedupPeriodMinutes: 0\n")},
		"b.yml":   {Data: []byte("AnalysisType: rule\nRuleID: B\nEnabled: true\nFilename: r.py\nLogTypes: [X]\nSeverity: Low\nDedupPeriodMinutes: 3\n")},
		"r.py":    {Data: []byte("def rule(e):\n    return True\n")},
		"c.yml":   {Data: []byte("AnalysisType: rule\nRuleID: C\nEnabled: true\nFilename: r.py\nLogTypes: [X]\nSeverity: Low\nDedupPeriodMinutes: 5\n")},
		"ignored": {Data: []byte("AnalysisType: rule\n")},
	}
	c, err := LoadFS(fsys, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Invalid) != 0 || len(c.Detections) != 3 {
		t.Fatalf("warnings must not invalidate: %v", c.Problems())
	}
	want := []string{
		"a.yml:7: DedupPeriodMinutes: DedupPeriodMinutes is set to 0 for A. This will be ignored by the backend. If you want to disable dedup, alter the `dedup` function to return 'p_row_id' instead.",
		"b.yml:7: DedupPeriodMinutes: DedupPeriodMinutes for B is less than 5. This is below Panther's DedupPeriodMinutes threshold, and will be treated as '5' upon upload.",
	}
	if got := problemStrings(c.Warnings); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n got %q\nwant %q", got, want)
	}
	if c.Detections[0].DedupPeriodMinutes != 60 {
		t.Errorf("DedupPeriodMinutes 0 must read as the default 60, got %d", c.Detections[0].DedupPeriodMinutes)
	}
}

// summarize renders the loaded corpus for the golden file.
func summarize(c *Collection) string {
	var b strings.Builder
	for _, s := range c.Specs {
		h := s.Meta()
		fmt.Fprintf(&b, "%s %s %s\n", h.Type, h.ID, h.File)
		switch x := s.(type) {
		case *Detection:
			fmt.Fprintf(&b, "  enabled=%v severity=%s logtypes=%v scheduled=%v dedup=%d threshold=%d createAlert=%v simple=%v filters=%v python=%d bytes\n",
				x.Enabled, x.Severity, x.LogTypes, x.ScheduledQueries, x.DedupPeriodMinutes, x.Threshold, x.CreateAlert,
				x.IsSimple(), x.Filters != nil, len(x.PythonSource))
			fmt.Fprintf(&b, "  tags=%q reports=%v resourceTypes=%v display=%q\n", x.Tags, sortedReports(x.Reports), x.ResourceTypes, x.DisplayName)
			for _, tc := range x.Tests {
				fmt.Fprintf(&b, "  test %q expect=%v line=%d data=%s mocks=%v\n", tc.Name, tc.ExpectedResult, tc.Line, tc.DataJSON, tc.Mocks)
			}
		case *Global:
			fmt.Fprintf(&b, "  python=%d bytes tags=%v\n", len(x.PythonSource), x.Tags)
		case *DataModel:
			fmt.Fprintf(&b, "  enabled=%v logtypes=%v mappings=%+v python=%d bytes\n", x.Enabled, x.LogTypes, x.Mappings, len(x.PythonSource))
		case *Pack:
			fmt.Fprintf(&b, "  ids=%v\n", x.IDs)
		case *Query:
			fmt.Fprintf(&b, "  enabled=%v schedule=%+v query=%q\n", x.Enabled, x.Schedule, x.Query)
		case *LookupTable:
			fmt.Fprintf(&b, "  schema=%s file=%s pk=%s assoc=%+v\n", x.Schema, x.Filename, x.PrimaryKey, x.AssociatedLogTypes)
		case *ScheduledPrompt:
			fmt.Fprintf(&b, "  schedule=%+v length=%s enabled=%v\n", x.Schedule, x.OutputLength, x.Enabled)
		}
	}
	for _, inv := range c.Invalid {
		fmt.Fprintf(&b, "INVALID %s\n", inv.Error())
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(&b, "WARNING %s\n", w.Error())
	}
	return b.String()
}

func sortedReports(r map[string][]string) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%v", k, r[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the load result (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestValidCorpus(t *testing.T) {
	c, err := Load("testdata/valid", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Invalid) != 0 {
		t.Fatalf("valid corpus has invalid specs:\n%v", problemStrings(c.Problems()))
	}
	golden(t, "valid.golden", summarize(c))

	counts := fmt.Sprintf("detections=%d globals=%d datamodels=%d packs=%d queries=%d luts=%d prompts=%d",
		len(c.Detections), len(c.Globals), len(c.DataModels), len(c.Packs), len(c.Queries), len(c.LookupTables), len(c.Prompts))
	if want := "detections=5 globals=1 datamodels=1 packs=1 queries=2 luts=1 prompts=1"; counts != want {
		t.Errorf("counts %s, want %s", counts, want)
	}
	s, ok := c.ByID("AWS.IAM.AccessKeyCreated")
	if !ok {
		t.Fatal("simple detection not loaded")
	}
	d := s.(*Detection)
	ev := map[string]any{
		"eventSource":       "iam.amazonaws.com",
		"eventName":         "CreateAccessKey",
		"requestParameters": map[string]any{"userName": "bob"},
		"userIdentity":      map[string]any{"type": "Root", "arn": "arn:aws:iam::123456789012:root"},
	}
	if !d.Simple.Match(ev) || !d.Filters.Match(ev) {
		t.Error("compiled simple detection does not match its example")
	}
	if title, _ := d.Simple.Title(ev); title != "Access key created for bob" {
		t.Errorf("title %q", title)
	}
	if sev := d.Simple.Severity(ev, d.Severity); sev != "High" {
		t.Errorf("severity %q", sev)
	}
	root, _ := c.ByID("AWS.Console.RootLogin")
	log := root.(*Detection).Tests[0].Log.(map[string]any)
	if log["eventTime"] != "2024-01-02T03:04:05Z" || log["zip"] != int64(1234) || log["flag"] != "yes" {
		t.Errorf("YAML 1.2 scalars in the test log: %#v", log)
	}
	if mv := root.(*Detection).Tests[0].Mocks[1].ReturnValue; mv != false {
		t.Errorf("bool mock returnValue = %#v", mv)
	}
}

func TestWalkLikePAT(t *testing.T) {
	abs, err := filepath.Abs("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("dot", func(t *testing.T) {
		t.Chdir(abs)
		c, err := Load(".", Options{WalkLikePAT: true})
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for _, s := range c.Specs {
			files = append(files, s.Meta().File)
		}
		want := []string{
			"data_models/aws_cloudtrail_data_model.yml",
			"global_helpers/panther_base_helpers.yml",
			"lookup_tables/ip_owners.yml",
			"packs/core.yml",
			"policies/s3_bucket_encryption.yml",
			"queries/okta_brute_force.yml",
			"queries/top_talkers.yml",
			"rules/aws_cloudtrail_rules/aws_console_root_login.yml",
			"rules/simple_rules/iam_access_key_created.yml",
			"scheduled_prompts/daily_summary.yml",
			"scheduled_rules/brute_force.yml",
		}
		if !reflect.DeepEqual(files, want) {
			t.Errorf("PAT walk of . loaded\n%q\nwant\n%q", files, want)
		}
		if got := c.Specs[1].Meta().WalkDir; got != "./global_helpers" {
			t.Errorf("WalkDir = %q", got)
		}
	})
	t.Run("subdirectory finds helpers", func(t *testing.T) {
		c, err := Load(filepath.Join(abs, "rules"), Options{WalkLikePAT: true, Cwd: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for _, s := range c.Specs {
			files = append(files, s.Meta().File)
		}
		want := []string{
			"aws_cloudtrail_rules/aws_console_root_login.yml",
			"simple_rules/iam_access_key_created.yml",
			"../global_helpers/panther_base_helpers.yml",
			"../data_models/aws_cloudtrail_data_model.yml",
		}
		if !reflect.DeepEqual(files, want) {
			t.Errorf("PAT walk of rules/ loaded\n%q\nwant\n%q", files, want)
		}
	})
	t.Run("unmatched directories are still descended", func(t *testing.T) {
		spec := []byte("AnalysisType: global\nGlobalID: XX\nFilename: g.py\n")
		fsys := fstest.MapFS{
			"top.yml":                  {Data: []byte("AnalysisType: global\nGlobalID: top\nFilename: g.py\n")},
			"g.py":                     {Data: []byte("x = 1")},
			"other/skipped.yml":        {Data: []byte("AnalysisType: nonsense\n")},
			"other/rules/kept.yml":     {Data: []byte(strings.Replace(string(spec), "XX", "kept", 1))},
			"other/rules/g.py":         {Data: []byte("x = 1")},
			"templates/skipped.yml":    {Data: []byte("AnalysisType: nonsense\n")},
			"packs/sub/skipped.yml":    {Data: []byte("AnalysisType: nonsense\n")},
			"global_helpers/other.yml": {Data: []byte(strings.Replace(string(spec), "XX", "helper", 1))},
			"global_helpers/g.py":      {Data: []byte("x = 1")},
		}
		c, err := LoadFS(fsys, "", Options{WalkLikePAT: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range c.Specs {
			ids = append(ids, s.Meta().ID)
		}
		if want := []string{"top", "helper", "kept"}; !reflect.DeepEqual(ids, want) || len(c.Invalid) != 0 {
			t.Errorf("loaded %v (invalid %v), want %v", ids, problemStrings(c.Problems()), want)
		}
	})
	t.Run("ignore files and default mode", func(t *testing.T) {
		t.Chdir(abs)
		c, err := Load(".", Options{WalkLikePAT: true, IgnoreFiles: []string{"./packs/core.yml"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.ByID("PantherManaged.Core"); ok {
			t.Error("ignored file was loaded")
		}
		all, err := Load(".", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := all.ByID("Template.Example"); !ok {
			t.Error("default mode must load templates/ too")
		}
	})
}

func TestFnmatch(t *testing.T) {
	cases := []struct {
		name, pattern string
		want          bool
	}{
		{"./rules/aws", "*rules*", true},
		{"./correlation_rules", "*rules*", true},
		{"./global_helpers", "*/global_helpers", true},
		{"./global_helpers/sub", "*/global_helpers", false},
		{"global_helpers", "*/global_helpers", false},
		{"./packs", "*/packs", true},
		{"./templates", "*rules*", false},
		{"x.yml", "*.y*ml", true},
		{"x.yaml", "*.y*ml", true},
		{"x.json", "*.y*ml", false},
		{"ab", "a?", true},
	}
	for _, c := range cases {
		if got := fnmatch(c.name, c.pattern); got != c.want {
			t.Errorf("fnmatch(%q, %q) = %v", c.name, c.pattern, got)
		}
	}
}

// zipDir packs a directory into a zip archive in memory.
func zipDir(t *testing.T, dir, prefix string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		w, err := zw.Create(prefix + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadZip(t *testing.T) {
	dirColl, err := Load("testdata/valid", Options{})
	if err != nil {
		t.Fatal(err)
	}
	data := zipDir(t, "testdata/valid", "panther-analysis-1.0/")
	c, err := LoadZip(bytes.NewReader(data), int64(len(data)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Invalid) != 0 {
		t.Fatalf("zip corpus invalid: %v", problemStrings(c.Problems()))
	}
	var fromDir, fromZip []string
	for _, s := range dirColl.Specs {
		fromDir = append(fromDir, s.Meta().ID)
	}
	for _, s := range c.Specs {
		fromZip = append(fromZip, s.Meta().ID)
		if !strings.HasPrefix(s.Meta().File, "panther-analysis-1.0/") || s.Meta().AbsFile != "" {
			t.Errorf("zip item file %q abs %q", s.Meta().File, s.Meta().AbsFile)
		}
	}
	if !reflect.DeepEqual(fromDir, fromZip) {
		t.Errorf("zip load order %v differs from directory %v", fromZip, fromDir)
	}
	rule, _ := c.ByID("AWS.Console.RootLogin")
	if rule.(*Detection).PythonSource == "" {
		t.Error("python source not read from the zip")
	}

	path := filepath.Join(t.TempDir(), "content.zip")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fromFile.Specs) != len(c.Specs) {
		t.Errorf("Load(.zip) loaded %d specs, LoadZip %d", len(fromFile.Specs), len(c.Specs))
	}
	if _, err := LoadZip(bytes.NewReader([]byte("not a zip")), 9, Options{}); err == nil {
		t.Error("LoadZip accepted garbage")
	}
	if _, err := Load(filepath.Join("testdata", "valid", "packs", "core.yml"), Options{}); err == nil {
		t.Error("Load accepted a plain file")
	}
}

func TestFilters(t *testing.T) {
	c, err := Load("testdata/valid", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(args ...string) []string {
		t.Helper()
		fs, err := ParseFilters(args)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range fs.Apply(c) {
			out = append(out, s.Meta().ID)
		}
		return out
	}
	always := []string{"Standard.AWS.CloudTrail", "panther_base_helpers"}
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"Severity=high"}, []string{"AWS.Console.RootLogin"}},
		{[]string{"Severity=High,Medium"}, []string{"AWS.IAM.AccessKeyCreated", "AWS.Console.RootLogin", "AWS.S3.BucketEncryption"}},
		// Items without a Severity count as "" and so pass a negative filter.
		{[]string{"Severity!=Info,Low,Medium"}, []string{"AWS.Console.RootLogin", "Okta Brute Force Query", "PantherManaged.Core", "Top Talkers", "daily_summary", "ip_owners"}},
		{[]string{"Enabled=false"}, []string{"Okta.BruteForce", "Template.Example"}},
		{[]string{"Enabled=TRUE", "Tags=aws"}, []string{"AWS.Console.RootLogin"}},
		{[]string{"LogTypes=AWS.CloudTrail", "Severity!=High"}, []string{"AWS.IAM.AccessKeyCreated", "Template.Example"}},
		{[]string{"ResourceTypes=AWS.S3.Bucket"}, []string{"AWS.S3.BucketEncryption"}},
		{[]string{"Threshold=2"}, []string{"AWS.Console.RootLogin"}},
	}
	for _, tc := range cases {
		got := ids(tc.args...)
		want := append(append([]string{}, tc.want...), always...)
		sort.Strings(got)
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("filters %v kept %v, want %v", tc.args, got, want)
		}
	}
	for _, bad := range []string{"Sev=High", "Severity", "=x", "Enabled=yes"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("ParseFilter(%q) accepted", bad)
		}
	}
	f, err := ParseFilter("Tags!=a,b")
	if err != nil || !f.Negate || f.Key != "Tags" || !reflect.DeepEqual(f.Values, []string{"a", "b"}) {
		t.Errorf("ParseFilter(Tags!=a,b) = %+v, %v", f, err)
	}
}

func TestResolveScalar(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"", nil}, {"~", nil}, {"null", nil}, {"NULL", nil}, {"nUll", "nUll"},
		{"true", true}, {"True", true}, {"TRUE", true}, {"false", false}, {"tRue", "tRue"},
		{"yes", "yes"}, {"no", "no"}, {"on", "on"}, {"off", "off"}, {"y", "y"},
		{"0", int64(0)}, {"012", int64(12)}, {"-012", int64(-12)}, {"+7", int64(7)},
		{"1_000", int64(1000)}, {"0x1F", int64(31)}, {"0x_ff", int64(255)}, {"0b101", int64(5)},
		{"0o17", int64(15)}, {"0o19", "0o19"}, {"0b102", "0b102"}, {"0xg", "0xg"},
		{"1:30:00", "1:30:00"}, {"190:20:30.15", "190:20:30.15"},
		{"2024-01-02", "2024-01-02"}, {"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
		{"1.5", 1.5}, {"-1.5e3", -1500.0}, {"1e5", 100000.0}, {"1.", 1.0}, {".5", 0.5},
		{"1_0.5", 10.5}, {".inf", posInf}, {"-.Inf", negInf},
		{"9223372036854775807", int64(9223372036854775807)}, {"-9223372036854775808", int64(-9223372036854775808)},
		{"9223372036854775808", 9223372036854775808.0}, {"_", "_"}, {"-", "-"}, {"+", "+"},
		{"1.2.3", "1.2.3"}, {"10.0.0.1", "10.0.0.1"}, {"0777", int64(777)}, {"123abc", "123abc"},
		{"AWS.CloudTrail", "AWS.CloudTrail"},
	}
	for _, c := range cases {
		if got := ResolveScalar(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ResolveScalar(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
	if f, ok := ResolveScalar(".NaN").(float64); !ok || f == f {
		t.Errorf(".NaN did not resolve to NaN")
	}
}

var (
	posInf = func() float64 { f := 1e308; return f * 10 }()
	negInf = -posInf
)

func TestYAMLTree(t *testing.T) {
	src := `
base: &base
  a: 1
  b: [x, y]
m:
  <<: *base
  b: own
  "q": 'single'
  lit: |
    line
  1: int key
  true: bool key
  ~: null key
  t: !!str 123
  f: !!float 2
list: [*base, *base]
`
	n, err := parseYAML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := n.get("m")
	got := string(m.json())
	want := `{"b":"own","q":"single","lit":"line\n","1":"int key","true":"bool key","null":"null key","t":"123","f":2,"a":1}`
	if got != want {
		t.Errorf("json\n got %s\nwant %s", got, want)
	}
	if n.keyLine("m") != 5 {
		t.Errorf("keyLine(m) = %d", n.keyLine("m"))
	}
	l, _ := n.get("list")
	if len(l.items) != 2 || l.items[1].kind != mapNode {
		t.Errorf("aliases in a list not expanded: %s", l.json())
	}

	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 8; i++ {
		name := fmt.Sprintf("b%d", i)
		bomb += fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	if _, err := parseYAML([]byte(bomb)); err == nil || !strings.Contains(err.Error(), "nodes after alias expansion") {
		t.Errorf("alias bomb: %v", err)
	}
	if n, err := parseYAML([]byte("# only a comment\n")); err != nil || n != nil {
		t.Errorf("empty document: %v %v", n, err)
	}
	if _, err := parseYAML([]byte("a: !!int x\n")); err == nil {
		t.Error("!!int x accepted")
	}
	if _, err := parseYAML([]byte("? [a]\n: b\n")); err == nil {
		t.Error("collection key accepted")
	}
}

func TestSkippedFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/r.yml":              {Data: []byte("AnalysisType: global\nGlobalID: g\nFilename: g.py\n")},
		"rules/g.py":               {Data: []byte("x = 1")},
		"rules/notes.yml":          {Data: []byte("just: config\n")},
		"rules/list.yml":           {Data: []byte("- a\n- b\n")},
		"rules/empty.yml":          {Data: []byte("")},
		"rules/.hidden.yml":        {Data: []byte("AnalysisType: nonsense\n")},
		"rules/__pycache__/x.yml":  {Data: []byte("AnalysisType: nonsense\n")},
		"rules/package.json":       {Data: []byte(`{"AnalysisType": "nonsense"}`)},
		"rules/tsconfig.json":      {Data: []byte("{ // comments are not JSON\n}")},
		"rules/spec.json":          {Data: []byte(`{"AnalysisType": "global", "GlobalID": "j", "Filename": "g.py"}`)},
		"rules/readme.md":          {Data: []byte("AnalysisType: rule")},
		"rules/dependabot.yml":     {Data: []byte("AnalysisType: nonsense\n")},
		"rules/sub/deep/other.yml": {Data: []byte("AnalysisType: global\nGlobalID: h\nFilename: ../../g.py\n")},
	}
	c, err := LoadFS(fsys, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range c.Specs {
		ids = append(ids, s.Meta().ID)
	}
	if !reflect.DeepEqual(ids, []string{"g", "j", "h"}) || len(c.Invalid) != 0 {
		t.Errorf("loaded %v, invalid %v", ids, problemStrings(c.Problems()))
	}
	pat, err := LoadFS(fsys, "", Options{WalkLikePAT: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(pat.Specs) != 2 {
		t.Errorf("PAT mode must skip .json specs, loaded %d", len(pat.Specs))
	}
}

func TestFilenameOutsideZip(t *testing.T) {
	fsys := fstest.MapFS{"g.yml": {Data: []byte("AnalysisType: global\nGlobalID: g\nFilename: ../g.py\n")}}
	c, err := LoadFS(fsys, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := problemStrings(c.Problems())
	if len(got) != 1 || got[0] != `g.yml:3: Filename: cannot read "../g.py": the path leaves the archive` {
		t.Errorf("problems %q", got)
	}
}
