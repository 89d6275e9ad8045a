package resources_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/resources"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/state"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func open(t *testing.T) *resources.Store {
	t.Helper()
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := resources.Open(context.Background(), db, resources.Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func bucket(name string, versioning string, at time.Time) cloudsec.Change {
	id := "arn:aws:s3:::" + name
	return cloudsec.Change{AccountID: "123456789012", Region: "us-east-1", ResourceType: "AWS.S3.Bucket", ResourceID: id, ScannedAt: at,
		Snapshot: cloudsec.Snapshot{"Arn": id, "Name": name, "Versioning": map[string]any{"Status": versioning, "MFADelete": nil},
			"Tags": map[string]any{"team": "sec"}}}
}

func TestApplyLifecycle(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	ups, err := s.Apply(ctx, "src1", []cloudsec.Change{bucket("a", "Enabled", t0), bucket("b", "Suspended", t0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 2 || ups[0].ChangeType != resources.Created || ups[1].ChangeType != resources.Created {
		t.Fatalf("first scan: %+v", ups)
	}
	r, err := s.Get(ctx, "arn:aws:s3:::a")
	if err != nil {
		t.Fatal(err)
	}
	// The standard keys missing from the snapshot are filled from the change.
	if r.Attributes["ResourceId"] != "arn:aws:s3:::a" || r.Attributes["AccountId"] != "123456789012" || r.Attributes["ResourceType"] != "AWS.S3.Bucket" {
		t.Fatalf("attributes: %v", r.Attributes)
	}
	// Same snapshot again: nothing changed, only the scan time moves.
	ups, err = s.Apply(ctx, "src1", []cloudsec.Change{bucket("a", "Enabled", t0.Add(time.Minute))})
	if err != nil || len(ups) != 0 {
		t.Fatalf("rescan unchanged: %v %+v", err, ups)
	}
	if r, _ = s.Get(ctx, "arn:aws:s3:::a"); !r.LastScanned.Equal(t0.Add(time.Minute)) || !r.LastModified.Equal(t0) {
		t.Fatalf("times after an unchanged rescan: %+v", r)
	}
	ups, err = s.Apply(ctx, "src1", []cloudsec.Change{bucket("a", "Suspended", t0.Add(2*time.Minute))})
	if err != nil || len(ups) != 1 || ups[0].ChangeType != resources.Modified {
		t.Fatalf("modified: %v %+v", err, ups)
	}
	want := map[string]resources.Difference{"Versioning.Status": {From: "Enabled", To: "Suspended"}}
	if !reflect.DeepEqual(ups[0].Changes, want) {
		t.Fatalf("changes = %v, want %v", ups[0].Changes, want)
	}
	// b is not seen by the next complete scan of its triple: deleted. a was scanned after the start.
	ups, err = s.EndScan(ctx, "src1", "123456789012", "us-east-1", "AWS.S3.Bucket", []string{"arn:aws:s3:::a"}, t0.Add(90*time.Second))
	if err != nil || len(ups) != 1 || ups[0].Resource.ID != "arn:aws:s3:::b" || ups[0].ChangeType != resources.Deleted {
		t.Fatalf("end scan: %v %+v", err, ups)
	}
	// Another source's scan does not delete src1's resources.
	if ups, err = s.EndScan(ctx, "src2", "123456789012", "us-east-1", "AWS.S3.Bucket", nil, t0.Add(time.Hour)); err != nil || len(ups) != 0 {
		t.Fatalf("other source: %v %+v", err, ups)
	}
	p, err := s.List(ctx, resources.Filter{Types: []string{"AWS.S3.Bucket"}})
	if err != nil || len(p.Resources) != 1 {
		t.Fatalf("list: %v %+v", err, p)
	}
	p, _ = s.List(ctx, resources.Filter{Deleted: true})
	if len(p.Resources) != 2 || !p.Resources[1].Deleted {
		t.Fatalf("list with deleted: %+v", p.Resources)
	}
	// b comes back: created again.
	ups, err = s.Apply(ctx, "src1", []cloudsec.Change{bucket("b", "Suspended", t0.Add(3*time.Minute))})
	if err != nil || len(ups) != 1 || ups[0].ChangeType != resources.Created {
		t.Fatalf("back: %v %+v", err, ups)
	}
	// An explicit deletion.
	ups, err = s.Apply(ctx, "src1", []cloudsec.Change{{ResourceID: "arn:aws:s3:::b", ResourceType: "AWS.S3.Bucket", Deleted: true, ScannedAt: t0.Add(4 * time.Minute)}})
	if err != nil || len(ups) != 1 || ups[0].ChangeType != resources.Deleted {
		t.Fatalf("delete: %v %+v", err, ups)
	}
}

func TestApplyRejects(t *testing.T) {
	s := open(t)
	bad := bucket("a", "Enabled", t0)
	bad.Snapshot["ResourceType"] = "AWS.EC2.Instance"
	_, err := s.Apply(context.Background(), "src", []cloudsec.Change{bucket("ok", "Enabled", t0), bad})
	if err == nil || !strings.Contains(err.Error(), "change 1") || !strings.Contains(err.Error(), "AWS.EC2.Instance") {
		t.Fatalf("err = %v", err)
	}
	if n, _ := s.Count(context.Background(), resources.Filter{}); n != 0 {
		t.Fatalf("a rejected batch stored %d resources", n)
	}
}

func TestPaging(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	var cs []cloudsec.Change
	for _, n := range []string{"e", "a", "d", "c", "b"} {
		cs = append(cs, bucket(n, "Enabled", t0))
	}
	if _, err := s.Apply(ctx, "src", cs); err != nil {
		t.Fatal(err)
	}
	var got []string
	f := resources.Filter{Limit: 2}
	for {
		p, err := s.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Resources {
			got = append(got, strings.TrimPrefix(r.ID, "arn:aws:s3:::"))
		}
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	if strings.Join(got, "") != "abcde" {
		t.Fatalf("pages: %v", got)
	}
}

func TestHistory(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	dir := t.TempDir()
	var seen []string
	h, err := resources.NewHistory(resources.HistoryOptions{LakeDir: dir, Sinks: []ingest.Sink{ingest.SinkFunc(func(b *ingest.Batch) error {
		for _, ev := range b.Events {
			seen = append(seen, ev.LogType.Name)
		}
		return nil
	})}})
	if err != nil {
		t.Fatal(err)
	}
	ups, err := s.Apply(ctx, "src", []cloudsec.Change{bucket("a", "Enabled", t0)})
	if err != nil {
		t.Fatal(err)
	}
	ups2, err := s.Apply(ctx, "src", []cloudsec.Change{bucket("a", "Suspended", t0.Add(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.WriteResources(ctx, append(ups, ups2...)); err != nil {
		t.Fatal(err)
	}
	if err := h.WriteCompliance(ctx, []resources.ComplianceRecord{{ChangeType: resources.Created, LastUpdated: t0.Format(time.RFC3339Nano),
		PolicyID: "P", ResourceID: "arn:aws:s3:::a", ResourceType: "AWS.S3.Bucket", Status: "FAIL"}}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "Resource.History,Resource.History,Compliance.History" {
		t.Fatalf("events given to the sinks: %v", seen)
	}
	l := lake.NewLister(dir)
	for _, table := range []string{"resource_history", "compliance_history"} {
		files, err := l.Files(lake.CloudSecurity, table)
		if err != nil || len(files) != 1 {
			t.Fatalf("%s files: %v %v", table, err, files)
		}
	}
}
