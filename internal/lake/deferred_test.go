package lake_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// writeEvents ingests n CloudTrail events spread over hours into w.
func writeEvents(t *testing.T, w *lake.Writer, n int) {
	t.Helper()
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&body, `{"eventVersion":"1.08","eventTime":"2024-10-15T%02d:00:00Z","eventSource":"iam.amazonaws.com","eventName":"E%d","awsRegion":"us-east-1","eventID":"e%d"}`+"\n", i*3/n, i, i)
	}
	p, err := ingest.New(ingest.Options{Types: []*logtypes.LogType{reg.Get("AWS.CloudTrail")}, Workers: 1,
		Sinks: []ingest.Sink{ingest.LakeSink{W: w}}})
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	if err := p.Submit(context.Background(), &ingest.Input{Name: "t", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(body.String())), nil
	}}); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

// files lists the visible Parquet files and the temporary files under dir.
func files(t *testing.T, dir string) (visible, temps []string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if lake.IsTemp(d.Name()) {
			temps = append(temps, path)
		} else if strings.HasSuffix(path, ".parquet") {
			visible = append(visible, path)
		}
		return nil
	})
	return visible, temps
}

func TestDeferredCommit(t *testing.T) {
	dir := t.TempDir()
	w := lake.NewWriter(lake.Options{Dir: dir, Deferred: true, MaxOpenFiles: 2})
	writeEvents(t, w, 30) // three hours, two open files at most: one file is closed early
	if vis, _ := files(t, dir); len(vis) != 0 {
		t.Fatalf("visible before commit: %v", vis)
	}
	pending, err := w.Flush()
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, p := range pending {
		rows += p.Rows
	}
	if len(pending) != 3 || rows != 30 {
		t.Fatalf("pending %+v", pending)
	}
	if vis, temps := files(t, dir); len(vis) != 0 || len(temps) != 3 {
		t.Fatalf("after flush: visible %v temps %v", vis, temps)
	}
	if err := lake.Commit(pending); err != nil {
		t.Fatal(err)
	}
	// Committing again (a restart finishing an interrupted checkpoint) is a no-op.
	if err := lake.Commit(pending); err != nil {
		t.Fatal(err)
	}
	if vis, temps := files(t, dir); len(vis) != 3 || len(temps) != 0 {
		t.Fatalf("after commit: visible %v temps %v", vis, temps)
	}
	if again, err := w.Flush(); err != nil || len(again) != 0 {
		t.Fatalf("second flush: %v %v", again, err)
	}

	// Abort discards what was written since the last flush, open or pending.
	writeEvents(t, w, 30)
	w.Abort()
	if vis, temps := files(t, dir); len(vis) != 3 || len(temps) != 0 {
		t.Fatalf("after abort: visible %v temps %v", vis, temps)
	}

	// After a crash, unfinished files are removed; committed ones stay.
	writeEvents(t, w, 30)
	if _, err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	n, err := lake.RemoveTemps(dir)
	if err != nil || n != 3 {
		t.Fatalf("RemoveTemps = %d, %v", n, err)
	}
	if vis, temps := files(t, dir); len(vis) != 3 || len(temps) != 0 {
		t.Fatalf("after RemoveTemps: visible %v temps %v", vis, temps)
	}
	if n, err := lake.RemoveTemps(filepath.Join(dir, "missing")); err != nil || n != 0 {
		t.Fatalf("RemoveTemps(missing) = %d, %v", n, err)
	}
	if err := lake.Commit([]lake.Pending{{Temp: filepath.Join(dir, ".x.parquet.tmp"), Final: filepath.Join(dir, "x.parquet")}}); err == nil {
		t.Fatal("committing a file that is nowhere succeeded")
	}
}
