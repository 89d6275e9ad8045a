package compliance_test

import (
	"context"
	"database/sql"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/compliance"
	"github.com/pantherlabs/panther/internal/cloudsec/resources"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/state"
)

func requirePython(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

type env struct {
	svc    *compliance.Service
	res    *resources.Store
	alerts *alerts.Store
	clock  *clock
	lake   string
	raised []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	requirePython(t)
	ctx := context.Background()
	dir := t.TempDir()
	db, err := state.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{clock: &clock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}, lake: filepath.Join(dir, "lake")}
	if e.res, err = resources.Open(ctx, db, resources.Options{Now: e.clock.Now}); err != nil {
		t.Fatal(err)
	}
	if e.alerts, err = alerts.Open(ctx, db, alerts.Options{Now: e.clock.Now, OnRaise: func(_ context.Context, _ *sql.Tx, a *alerts.Alert) error {
		e.raised = append(e.raised, a.DetectionID+" "+a.Dedup)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	hist, err := resources.NewHistory(resources.HistoryOptions{LakeDir: e.lake, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = compliance.New(ctx, compliance.Options{DB: db, Resources: e.res, History: hist, Alerts: e.alerts, Now: e.clock.Now,
		KVPath: filepath.Join(dir, "kv.db"), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.svc.Close() })
	return e
}

func loadCorpus(t *testing.T, edit func(*analysis.Collection)) *analysis.Collection {
	t.Helper()
	col, err := analysis.Load("testdata", analysis.Options{WalkLikePAT: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Invalid) > 0 {
		t.Fatalf("invalid corpus: %v", col.Problems())
	}
	if edit != nil {
		edit(col)
	}
	return col
}

func s3(name string, versioning string, grants ...string) cloudsec.Change {
	id := "arn:aws:s3:::" + name
	var gs []any
	for _, g := range grants {
		gs = append(gs, map[string]any{"Grantee": map[string]any{"Type": "Group", "URI": g}, "Permission": "READ"})
	}
	return cloudsec.Change{AccountID: "111122223333", Region: "us-east-1", ResourceType: "AWS.S3.Bucket", ResourceID: id,
		Snapshot: cloudsec.Snapshot{"Arn": id, "Name": name, "Versioning": map[string]any{"Status": versioning},
			"EncryptionRules": []any{map[string]any{"ApplyServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}},
			"Grants":          gs}}
}

const allUsers = "http://acs.amazonaws.com/groups/global/AllUsers"

func status(t *testing.T, e *env, policy, resource string) *compliance.Row {
	t.Helper()
	p, err := e.svc.List(context.Background(), compliance.Filter{PolicyIDs: []string{policy}, ResourceIDs: []string{resource}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 1 {
		return nil
	}
	return p.Rows[0]
}

func TestEvaluateTransitionsAndAlerts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.svc.SetContent(ctx, loadCorpus(t, nil)); err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.Import(ctx, "acct", []cloudsec.Change{s3("good", "Enabled"), s3("public", "Enabled", allUsers)})
	if err != nil {
		t.Fatal(err)
	}
	// Three S3 policies apply to each of the two buckets.
	if out.Evaluated != 6 || out.Fail != 1 || out.NewlyFailing != 1 || len(out.Raised) != 1 {
		t.Fatalf("first import: %+v", out)
	}
	if r := status(t, e, "Test.S3.Bucket.PublicGrants", "arn:aws:s3:::public"); r == nil || r.Status != compliance.Fail || r.Severity != "CRITICAL" {
		t.Fatalf("public bucket: %+v", r)
	}
	a := out.Raised[0]
	if a.Type != alerts.TypePolicy || a.DetectionID != "Test.S3.Bucket.PublicGrants" || a.Dedup != "arn:aws:s3:::public" || a.Severity != "CRITICAL" ||
		!strings.Contains(string(a.Context), `"grants": 1`) && !strings.Contains(string(a.Context), `"grants":1`) {
		t.Fatalf("alert: %+v context %s", a, a.Context)
	}
	// Still failing on a rescan that changes something else: no new alert.
	e.clock.now = e.clock.now.Add(10 * time.Minute)
	out, err = e.svc.Import(ctx, "acct", []cloudsec.Change{s3("public", "Suspended", allUsers)})
	if err != nil {
		t.Fatal(err)
	}
	// Versioning became FAIL: that pair is newly failing and alerts; PublicGrants, still failing, does not.
	if out.NewlyFailing != 1 || len(out.Raised) != 1 || out.Raised[0].DetectionID != "Test.S3.Bucket.Versioning" {
		t.Fatalf("rescan: %+v", out)
	}
	if len(e.raised) != 2 || e.raised[1] != "Test.S3.Bucket.Versioning arn:aws:s3:::public" {
		t.Fatalf("raised: %v", e.raised)
	}
	// Fixed, then public again within the dedup period: the failure joins the same alert.
	e.clock.now = e.clock.now.Add(10 * time.Minute)
	if _, err := e.svc.Import(ctx, "acct", []cloudsec.Change{s3("public", "Suspended")}); err != nil {
		t.Fatal(err)
	}
	if r := status(t, e, "Test.S3.Bucket.PublicGrants", "arn:aws:s3:::public"); r.Status != compliance.Pass {
		t.Fatalf("fixed: %+v", r)
	}
	e.clock.now = e.clock.now.Add(10 * time.Minute)
	out, err = e.svc.Import(ctx, "acct", []cloudsec.Change{s3("public", "Suspended", allUsers)})
	if err != nil || out.NewlyFailing != 1 || len(out.Raised) != 0 {
		t.Fatalf("public again: %v %+v", err, out)
	}
	got, err := e.alerts.Get(ctx, a.ID)
	if err != nil || got.EventCount != 2 {
		t.Fatalf("deduplicated alert: %v %+v", err, got)
	}
	// After the dedup period a new failure is a new alert.
	e.clock.now = e.clock.now.Add(2 * time.Hour)
	if _, err := e.svc.Import(ctx, "acct", []cloudsec.Change{s3("public", "Suspended")}); err != nil {
		t.Fatal(err)
	}
	out, err = e.svc.Import(ctx, "acct", []cloudsec.Change{s3("public", "Suspended", allUsers)})
	if err != nil || len(out.Raised) != 1 || out.Raised[0].ID == a.ID {
		t.Fatalf("after the dedup period: %v %+v", err, out)
	}
	// Deleting the bucket removes its statuses.
	if err := e.svc.EndScan(ctx, "acct", "111122223333", "us-east-1", "AWS.S3.Bucket", []string{"arn:aws:s3:::good"}, e.clock.now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if r := status(t, e, "Test.S3.Bucket.PublicGrants", "arn:aws:s3:::public"); r != nil {
		t.Fatalf("status of a deleted resource: %+v", r)
	}
	if r := status(t, e, "Test.S3.Bucket.PublicGrants", "arn:aws:s3:::good"); r == nil {
		t.Fatal("the bucket still seen lost its status")
	}
	// The history is in the lake.
	l := lake.NewLister(e.lake)
	for _, table := range []string{"resource_history", "compliance_history"} {
		if files, err := l.Files(lake.CloudSecurity, table); err != nil || len(files) == 0 {
			t.Fatalf("%s: %v %v", table, err, files)
		}
	}
}

func TestErrorStatus(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.svc.SetContent(ctx, loadCorpus(t, nil)); err != nil {
		t.Fatal(err)
	}
	id := "arn:aws:ec2:eu-west-1:111122223333:instance/i-1"
	out, err := e.svc.Import(ctx, "acct", []cloudsec.Change{{AccountID: "111122223333", Region: "eu-west-1", ResourceType: "AWS.EC2.Instance",
		ResourceID: id, Snapshot: cloudsec.Snapshot{"State": map[string]any{"Name": "running"}}}})
	if err != nil {
		t.Fatal(err)
	}
	r := status(t, e, "Test.EC2.Instance.IMDSv2", id)
	if out.Errors != 1 || r == nil || r.Status != compliance.Error || !strings.Contains(r.Error, "KeyError") || !strings.Contains(r.Error, "MetadataOptions") {
		t.Fatalf("error status: %+v %+v", out, r)
	}
	if len(out.Raised) != 0 {
		t.Fatalf("an ERROR alerted: %+v", out.Raised)
	}
}

func TestSuppressions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.svc.SetContent(ctx, loadCorpus(t, nil)); err != nil {
		t.Fatal(err)
	}
	// The policy's own Suppressions: arn:aws:s3:::public-website-*.
	out, err := e.svc.Import(ctx, "acct", []cloudsec.Change{s3("public-website-docs", "Enabled", allUsers), s3("shared", "Enabled", allUsers)})
	if err != nil {
		t.Fatal(err)
	}
	if r := status(t, e, "Test.S3.Bucket.PublicGrants", "arn:aws:s3:::public-website-docs"); r.Status != compliance.Fail || !r.Suppressed {
		t.Fatalf("suppressed by the spec: %+v", r)
	}
	if len(out.Raised) != 1 || out.Raised[0].Dedup != "arn:aws:s3:::shared" {
		t.Fatalf("alerts: %+v", out.Raised)
	}
	// Added through the API: the stored status becomes suppressed, and new failures do not alert.
	n, err := e.svc.AddSuppressions(ctx, []string{"Test.S3.Bucket.PublicGrants"}, []string{"arn:aws:s3:::sha*"}, "alice")
	if err != nil || n != 1 {
		t.Fatalf("add: %v %d", err, n)
	}
	if r := status(t, e, "Test.S3.Bucket.PublicGrants", "arn:aws:s3:::shared"); !r.Suppressed {
		t.Fatalf("after the suppression: %+v", r)
	}
	out, err = e.svc.Import(ctx, "acct", []cloudsec.Change{s3("shared-2", "Enabled", allUsers)})
	if err != nil || out.NewlyFailing != 0 || len(out.Raised) != 0 || out.Suppressed != 1 {
		t.Fatalf("suppressed failure: %v %+v", err, out)
	}
	if _, err := e.svc.AddSuppressions(ctx, []string{"No.Such.Policy"}, []string{"*"}, "alice"); err == nil {
		t.Fatal("a suppression of an unknown policy was accepted")
	}
	if n, err := e.svc.RemoveSuppressions(ctx, []string{"Test.S3.Bucket.PublicGrants"}, []string{"arn:aws:s3:::sha*"}); err != nil || n != 2 {
		t.Fatalf("remove: %v %d", err, n)
	}
}

func TestPolicyChanges(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.svc.SetContent(ctx, loadCorpus(t, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Import(ctx, "acct", []cloudsec.Change{s3("a", "Enabled"), s3("b", "Suspended")}); err != nil {
		t.Fatal(err)
	}
	// The same content again: nothing is evaluated.
	out, err := e.svc.SetContent(ctx, loadCorpus(t, nil))
	if err != nil || out.PoliciesReevaluated != 0 || out.Evaluated != 0 {
		t.Fatalf("same content: %v %+v", err, out)
	}
	// A changed policy is evaluated again on every resource of its types; a disabled one loses
	// its statuses.
	out, err = e.svc.SetContent(ctx, loadCorpus(t, func(col *analysis.Collection) {
		for _, d := range col.Detections {
			switch d.ID {
			case "Test.S3.Bucket.Versioning":
				d.PythonSource = "def policy(resource):\n    return False\n"
			case "Test.S3.Bucket.Encryption":
				d.Enabled = false
			}
		}
	}))
	if err != nil || out.PoliciesReevaluated != 1 || out.Evaluated != 2 || out.NewlyFailing != 1 || out.Removed != 2 {
		t.Fatalf("changed content: %v %+v", err, out)
	}
	if r := status(t, e, "Test.S3.Bucket.Versioning", "arn:aws:s3:::a"); r.Status != compliance.Fail {
		t.Fatalf("re-evaluated: %+v", r)
	}
	if r := status(t, e, "Test.S3.Bucket.Encryption", "arn:aws:s3:::a"); r != nil {
		t.Fatalf("disabled policy kept a status: %+v", r)
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pat, s string
		want   bool
	}{
		{"arn:aws:s3:::a", "arn:aws:s3:::a", true},
		{"arn:aws:s3:::a", "arn:aws:s3:::ab", false},
		{"arn:aws:s3:::a*", "arn:aws:s3:::ab", true},
		{"*", "", true},
		{"*:prod-*-db", "arn:aws:rds:us-east-1:1:db:prod-eu-db", true},
		{"*:prod-*-db", "arn:aws:rds:us-east-1:1:db:prod-eu-db2", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false},
	} {
		g, err := compliance.ParseGlob(c.pat)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.Match(c.s); got != c.want {
			t.Errorf("%q ~ %q = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
}
