package content

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/state"
)

func openStore(t testing.TB, opts Options) *Store {
	t.Helper()
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := Open(context.Background(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func rootLogin() *DetectionSpec {
	return &DetectionSpec{
		Type: analysis.TypeRule, ID: "AWS.Root.Login", Enabled: true, Severity: "HIGH",
		DisplayName: "Root login", LogTypes: []string{"AWS.CloudTrail"}, Tags: []string{"aws"},
		Body: "def rule(event):\n    return event.get('userIdentity', {}).get('type') == 'Root'\n",
		Tests: []TestSpec{
			{Name: "root", ExpectedResult: true, Data: `{"userIdentity": {"type": "Root"}}`},
			{Name: "user", ExpectedResult: false, Data: `{"userIdentity": {"type": "IAMUser"}}`,
				Mocks: []MockSpec{{ObjectName: "helper", ReturnValue: "x"}}},
		},
	}
}

func TestPutLoadAndVersion(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	v0, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	it, err := rootLogin().Item(nil)
	if err != nil {
		t.Fatal(err)
	}
	stored, _, err := s.Put(ctx, it, 0, "user:u1")
	if err != nil {
		t.Fatal(err)
	}
	if stored.Version != 1 || stored.CreatedBy != "user:u1" {
		t.Errorf("stored = version %d by %q, want 1 by user:u1", stored.Version, stored.CreatedBy)
	}
	v1, _ := s.Version(ctx)
	if v1 == v0 {
		t.Fatalf("version did not change: %s", v1)
	}
	col, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Invalid) > 0 {
		t.Fatalf("invalid: %v", col.Problems())
	}
	if len(col.Detections) != 1 {
		t.Fatalf("detections = %d, want 1", len(col.Detections))
	}
	d := col.Detections[0]
	if d.ID != "AWS.Root.Login" || !d.Enabled || d.Severity != "High" || len(d.Tests) != 2 || !strings.Contains(d.PythonSource, "def rule") {
		t.Errorf("loaded %+v", d)
	}
	if d.Tests[1].Mocks[0].ObjectName != "helper" {
		t.Errorf("mocks = %+v", d.Tests[1].Mocks)
	}

	// Putting the same content again changes nothing.
	if _, _, err := s.Put(ctx, it, -1, "user:u2"); err != nil {
		t.Fatal(err)
	}
	if v2, _ := s.Version(ctx); v2 != v1 {
		t.Errorf("an unchanged put bumped the version %s -> %s", v1, v2)
	}
	// Creating it again is refused; a stale version is a conflict.
	if _, _, err := s.Put(ctx, it, 0, "user:u2"); !errors.Is(err, ErrExists) {
		t.Errorf("second create: err = %v, want ErrExists", err)
	}
	spec := rootLogin()
	spec.Severity = "CRITICAL"
	it2, err := spec.Item(stored)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Put(ctx, it2, 7, "user:u2"); !errors.Is(err, ErrConflict) {
		t.Errorf("stale update: err = %v, want ErrConflict", err)
	}
	up, _, err := s.Put(ctx, it2, 1, "user:u2")
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.CreatedBy != "user:u1" || up.UpdatedBy != "user:u2" {
		t.Errorf("updated = %+v", up)
	}
}

func TestInvalidChangeIsRefusedWithTheLoadersMessage(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	spec := rootLogin()
	spec.Severity = "SEVERE"
	it, err := spec.Item(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Put(ctx, it, 0, "u")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	msg := ve.Issues[0].Message()
	if !strings.Contains(msg, "AWS.Root.Login.yml") || !strings.Contains(msg, "Severity") {
		t.Errorf("message %q should name the file and the key", msg)
	}
	if v, _ := s.Version(ctx); v != "0" {
		t.Errorf("a refused change bumped the version to %s", v)
	}
}

// patZip builds an archive the way panther_analysis_tool does: the files under their paths
// relative to the working directory.
func patZip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var uploadFiles = map[string]string{
	"rules/aws/root.yml":   "AnalysisType: rule\nFilename: root.py\nRuleID: Root.Login\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: High\n",
	"rules/aws/root.py":    "def rule(event):\n    return True\n",
	"global_helpers/h.yml": "AnalysisType: global\nFilename: h.py\nGlobalID: h\n",
	"global_helpers/h.py":  "X = 1\n",
	"queries/q.yml":        "AnalysisType: saved_query\nQueryName: My Query\nQuery: SELECT 1\n",
	"packs/p.yml":          "AnalysisType: pack\nPackID: P\nPackDefinition:\n  IDs: [Root.Login, h]\n",
	"README.md":            "not content",
}

func TestUploadCountsNewModifiedAndKeepsTheRest(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	items, err := ParseArchive(patZip(t, uploadFiles))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Upload(ctx, items, false, false, "token:t1")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rules.New) != 1 || len(res.GlobalHelpers.New) != 1 || len(res.Queries.New) != 1 || len(res.Packs.New) != 1 {
		t.Fatalf("first upload = %+v", res)
	}
	// A second upload with one changed rule and a new one, without the helper.
	files := map[string]string{
		"rules/aws/root.yml": strings.Replace(uploadFiles["rules/aws/root.yml"], "High", "Low", 1),
		"rules/aws/root.py":  uploadFiles["rules/aws/root.py"],
		"rules/b.yml":        "AnalysisType: rule\nRuleID: B\nEnabled: false\nLogTypes: [AWS.CloudTrail]\nSeverity: Info\nDetection:\n  - Key: eventName\n    Condition: Equals\n    Value: ConsoleLogin\n",
	}
	items, err = ParseArchive(patZip(t, files))
	if err != nil {
		t.Fatal(err)
	}
	res, err = s.Upload(ctx, items, false, false, "token:t1")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Rules; len(got.New) != 1 || got.New[0] != "B" || len(got.Modified) != 1 || got.Modified[0] != "Root.Login" || got.Total() != 2 {
		t.Errorf("second upload rules = %+v", got)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Item("h"); !ok {
		t.Error("the helper left out of the second upload was deleted")
	}
	if len(snap.Collection.Invalid) > 0 {
		t.Errorf("invalid after upload: %v", snap.Collection.Problems())
	}
}

func TestUploadOfInvalidArchiveNamesTheFiles(t *testing.T) {
	files := map[string]string{
		"rules/bad.yml": "AnalysisType: rule\nRuleID: Bad\nEnabled: true\nLogTypes: [AWS.CloudTrail]\nSeverity: High\nFilename: missing.py\n",
	}
	_, err := ParseArchive(patZip(t, files))
	issues := Issues(err)
	if len(issues) == 0 || issues[0].Path != "rules/bad.yml" || !strings.Contains(issues[0].ErrorMessage, "missing.py") {
		t.Fatalf("issues = %+v (err %v)", issues, err)
	}
}

func TestSetEnabledAndDeleteRefusedWhenItBreaksAPack(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	items, err := ParseArchive(patZip(t, uploadFiles))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload(ctx, items, false, false, "u"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnabled(ctx, []string{"Root.Login"}, false, "u"); err != nil {
		t.Fatal(err)
	}
	snap, _ := s.Snapshot(ctx)
	d, _ := snap.Detection("Root.Login")
	if d.Enabled {
		t.Error("still enabled")
	}
	it, _ := snap.Item("Root.Login")
	if !strings.Contains(string(it.Spec), "Filename: root.py") || !strings.Contains(string(it.Spec), "Enabled: false") {
		t.Errorf("spec after SetEnabled:\n%s", it.Spec)
	}
	_, _, err = s.DeleteDetections(ctx, []string{"Root.Login"}, false, false, "u")
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Error(), "Root.Login") {
		t.Fatalf("deleting a packed rule: err = %v, want the pack's problem", err)
	}
	if err := s.Delete(ctx, []string{"P"}, []analysis.AnalysisType{analysis.TypePack}, false, "u"); err != nil {
		t.Fatal(err)
	}
	del, _, err := s.DeleteDetections(ctx, []string{"Root.Login", "nope"}, false, false, "u")
	if err != nil || len(del) != 1 {
		t.Fatalf("delete = %v, %v", del, err)
	}
}

func TestDeleteQueriesWithTheirScheduledRules(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	files := map[string]string{
		"queries/q.yml": "AnalysisType: scheduled_query\nQueryName: Q\nEnabled: true\nQuery: SELECT 1\nSchedule:\n  RateMinutes: 60\n  TimeoutMinutes: 5\n",
		"rules/s.yml":   "AnalysisType: scheduled_rule\nRuleID: S\nFilename: s.py\nEnabled: true\nScheduledQueries: [Q]\nSeverity: Low\n",
		"rules/s.py":    "def rule(e):\n    return True\n",
	}
	items, err := ParseArchive(patZip(t, files))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload(ctx, items, false, false, "u"); err != nil {
		t.Fatal(err)
	}
	names, dets, err := s.DeleteQueries(ctx, []string{"Q"}, true, true, "u")
	if err != nil || len(names) != 1 || len(dets) != 1 || dets[0] != "S" {
		t.Fatalf("dry run = %v %v %v", names, dets, err)
	}
	if _, err := s.Get(ctx, "Q"); err != nil {
		t.Errorf("a dry run deleted: %v", err)
	}
	dets, queries, err := s.DeleteDetections(ctx, []string{"S"}, true, false, "u")
	if err != nil || len(dets) != 1 || len(queries) != 1 || queries[0] != "Q" {
		t.Fatalf("delete with queries = %v %v %v", dets, queries, err)
	}
}

func TestLegacyDirectoryIsImportedOnce(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "detections")
	os.MkdirAll(filepath.Join(legacy, "rules"), 0o755)
	os.WriteFile(filepath.Join(legacy, "rules", "r.yml"), []byte(uploadFiles["rules/aws/root.yml"]), 0o644)
	os.WriteFile(filepath.Join(legacy, "rules", "root.py"), []byte(uploadFiles["rules/aws/root.py"]), 0o644)
	db, err := state.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	s, err := Open(ctx, db, Options{LegacyDir: legacy})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "Root.Login"); err != nil {
		t.Fatalf("not imported: %v", err)
	}
	if _, _, err := s.DeleteDetections(ctx, []string{"Root.Login"}, false, false, "u"); err != nil {
		t.Fatal(err)
	}
	// Opening again does not bring it back.
	s2, err := Open(ctx, db, Options{LegacyDir: legacy})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get(ctx, "Root.Login"); !errors.Is(err, ErrNotFound) {
		t.Errorf("re-imported: %v", err)
	}
}

func TestJobsAndReceipts(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	release := make(chan struct{})
	id, err := s.StartJob(ctx, KindUpload, "CLASSIC_ZIP", "u", func(ctx context.Context) (*UploadResult, []UploadIssue, error) {
		<-release
		return &UploadResult{Rules: Stats{New: []string{"R"}}}, nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Receipt(ctx, id)
	if err != nil || r.Status != StatusNotProcessed {
		t.Fatalf("running receipt = %+v, %v", r, err)
	}
	close(release)
	s.Close()
	r, err = s.Receipt(ctx, id)
	if err != nil || r.Status != StatusCompleted || r.Result == nil || len(r.Result.Rules.New) != 1 {
		t.Fatalf("done receipt = %+v, %v", r, err)
	}
	failed, err := s.StartJob(ctx, KindUpload, "CLASSIC_ZIP", "u", func(ctx context.Context) (*UploadResult, []UploadIssue, error) {
		_, err := ParseArchive(patZip(t, map[string]string{"r.yml": "AnalysisType: rule\nRuleID: X\n"}))
		return nil, nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	r, _ = s.Receipt(ctx, failed)
	if r.Status != StatusFailed || !strings.Contains(r.Error, `"issues"`) || !strings.Contains(r.Error, `"path":"r.yml"`) {
		t.Errorf("failed receipt = %+v", r)
	}
	// A job another process accepted and never finished reads as failed, retryably.
	s.db.ExecContext(ctx, `UPDATE content_uploads SET status='NOT_PROCESSED', owner='gone' WHERE receipt=?`, id)
	r, _ = s.Receipt(ctx, id)
	if r.Status != StatusFailed || !strings.Contains(r.Error, "unknown error occurred") {
		t.Errorf("orphaned receipt = %+v", r)
	}
	if _, err := s.Receipt(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown receipt: %v", err)
	}
}

func TestExportIsTestable(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{Now: func() time.Time { return time.Unix(100, 0) }})
	items, err := ParseArchive(patZip(t, uploadFiles))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload(ctx, items, false, false, "u"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.Export(ctx, dir); err != nil {
		t.Fatal(err)
	}
	col, err := analysis.Load(dir, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Invalid) > 0 || len(col.Specs) != 4 {
		t.Errorf("exported tree: %d specs, problems %v", len(col.Specs), col.Problems())
	}
}
