package dir

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/sourcetest"
)

var labelN int

// newSource builds a dir source on dir; tune adjusts it before use.
func newTestSource(t *testing.T, dir string, tune func(*Source)) *Source {
	t.Helper()
	labelN++
	zero := sources.Duration(0)
	raw, _ := json.Marshal(Settings{Path: dir, PollInterval: sources.Duration(10 * time.Millisecond), StableFor: &zero})
	src, err := New(sources.Config{ID: "src-dir", Label: fmt.Sprintf("%s-%d", t.Name(), labelN), Type: Kind, Settings: raw}, sources.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(src)
	}
	return src
}

// drop writes a file the way a well-behaved producer does: under a temporary name, then
// renamed.
func drop(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(dir, name+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestFileDroppedPickedOnceMovedToDone(t *testing.T) {
	dir := t.TempDir()
	src := newTestSource(t, dir, nil)
	pub := &sourcetest.Publisher{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, pub, nil) }()

	// Files to leave alone.
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("h\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "upload.part"), []byte("p\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "writing.tmp"), []byte("t\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "inner.log"), []byte("i\n"), 0o644)

	drop(t, dir, "app.log", []byte("<13>one\n<13>two\n"))
	pub.WaitRecords(t, 2)
	sourcetest.Eventually(t, "app.log in done/", func() bool { return exists(filepath.Join(dir, DoneDir, "app.log")) })
	// The same name again is a new file.
	drop(t, dir, "app.log", []byte("<13>three\n"))
	pub.WaitRecords(t, 3)
	sourcetest.Eventually(t, "the second app.log in done/", func() bool { return exists(filepath.Join(dir, DoneDir, "app.log.1")) })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs := pub.Records()
	if !slices.Equal(recs, []string{"<13>one", "<13>two", "<13>three"}) {
		t.Fatalf("records %q", recs)
	}
	for _, p := range pub.Payloads() {
		if p.SourceID != "src-dir" || p.Name != filepath.Join(dir, "app.log") || !strings.HasPrefix(p.DedupID, "src-dir/") || p.Parts != 1 {
			t.Errorf("payload %+v", p)
		}
	}
	for _, name := range []string{".hidden", "upload.part", "writing.tmp", "sub/inner.log"} {
		if !exists(filepath.Join(dir, name)) {
			t.Errorf("%s was touched", name)
		}
	}
	if j, _ := os.ReadDir(filepath.Join(dir, progressDir)); len(j) != 0 {
		t.Errorf("journal entries left: %v", j)
	}
	if n := testutil.ToFloat64(src.done); n != 2 {
		t.Errorf("done files %v, want 2", n)
	}
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestPartialFileWaits(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	src := newTestSource(t, dir, func(s *Source) { s.now, s.stableFor = clk.now, 2*time.Second })
	pub := &sourcetest.Publisher{}
	h := sources.NewHealth(nil, clk.now)
	path := filepath.Join(dir, "growing.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprint(f, "<13>first\n<13>sec")
	scan := func(after time.Duration) int {
		clk.t = clk.t.Add(after)
		src.scan(context.Background(), pub, h)
		return len(pub.Records())
	}
	if n := scan(0); n != 0 {
		t.Fatalf("a new file was read at once: %d records", n)
	}
	fmt.Fprint(f, "ond\n")
	// Touch the modification time forward, as a slow writer's next write would.
	os.Chtimes(path, clk.t, clk.t.Add(time.Second))
	if n := scan(3 * time.Second); n != 0 {
		t.Fatalf("a file that changed since the last scan was read: %d records", n)
	}
	if n := scan(time.Second); n != 0 {
		t.Fatalf("a file unchanged for 1s of 2s was read: %d records", n)
	}
	if n := scan(time.Second); n != 2 {
		t.Fatalf("a file unchanged for 2s: %d records, want 2", n)
	}
	if recs := pub.Records(); recs[1] != "<13>second" {
		t.Fatalf("records %q", recs)
	}
}

func lines(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "<13>line %04d\n", i)
	}
	return b.Bytes()
}

// failAfter accepts n payloads, then refuses every other one with a queue error.
func failAfter(pub *sourcetest.Publisher, n int) {
	pub.Reject(func(*sources.Payload) error {
		if len(pub.Payloads()) >= n {
			return errors.New("queue unavailable")
		}
		return nil
	})
}

func TestRestartResumesWithoutDuplicates(t *testing.T) {
	for _, lostJournal := range []bool{false, true} {
		t.Run(fmt.Sprintf("journal lost %v", lostJournal), func(t *testing.T) {
			dir := t.TempDir()
			tune := func(s *Source) { s.parts.MaxPartRecords = 10 }
			drop(t, dir, "big.log", lines(95)) // 10 parts
			h := sources.NewHealth(nil, nil)

			// The first run publishes 3 parts, then the queue fails and the server dies.
			first := newTestSource(t, dir, tune)
			pub1 := &sourcetest.Publisher{}
			failAfter(pub1, 3)
			first.scan(context.Background(), pub1, h)
			first.scan(context.Background(), pub1, h)
			if n := len(pub1.Payloads()); n != 3 || !exists(filepath.Join(dir, "big.log")) {
				t.Fatalf("first run: %d parts published, file still there %v", n, exists(filepath.Join(dir, "big.log")))
			}
			if lostJournal {
				// A crash between publishing a part and writing the journal: say all of it.
				os.RemoveAll(filepath.Join(dir, progressDir))
				os.Mkdir(filepath.Join(dir, progressDir), 0o755)
			}

			// The restart finishes the file.
			second := newTestSource(t, dir, tune)
			pub2 := &sourcetest.Publisher{}
			second.scan(context.Background(), pub2, h)
			second.scan(context.Background(), pub2, h)
			if !exists(filepath.Join(dir, DoneDir, "big.log")) {
				t.Fatal("the file is not in done/ after the restart")
			}
			p1, p2 := pub1.Payloads(), pub2.Payloads()
			if lostJournal {
				// Everything again, under the same DedupIDs: the queue drops the first 3.
				if len(p2) != 10 {
					t.Fatalf("restart without a journal published %d parts, want 10", len(p2))
				}
				for i := range p1 {
					if p1[i].DedupID != p2[i].DedupID || fmt.Sprint(p1[i].Records) != fmt.Sprint(p2[i].Records) {
						t.Fatalf("part %d: DedupID %q then %q", i, p1[i].DedupID, p2[i].DedupID)
					}
				}
				return
			}
			if len(p2) != 7 || p2[0].Part != 3 || p2[6].Parts != 10 {
				t.Fatalf("restart published %d parts from part %d, want 7 from part 3", len(p2), p2[0].Part)
			}
			all := append(pub1.Records(), pub2.Records()...)
			want := strings.Split(strings.TrimSpace(string(lines(95))), "\n")
			if !slices.Equal(all, want) {
				t.Fatalf("%d records over both runs, want each of %d once", len(all), len(want))
			}
		})
	}
}

func TestBackpressureWaits(t *testing.T) {
	dir := t.TempDir()
	src := newTestSource(t, dir, nil)
	drop(t, dir, "a.log", []byte("<13>a\n"))
	pub := &sourcetest.Publisher{}
	refuse := 3
	pub.Reject(func(*sources.Payload) error {
		if refuse > 0 {
			refuse--
			return fmt.Errorf("full: %w", sources.ErrBackpressure)
		}
		return nil
	})
	rep := &sourcetest.Reporter{}
	h := sources.NewHealth(rep, nil)
	src.scan(context.Background(), pub, h)
	src.scan(context.Background(), pub, h)
	if len(pub.Attempts()) != 4 || len(pub.Records()) != 1 || !exists(filepath.Join(dir, DoneDir, "a.log")) {
		t.Fatalf("%d attempts, %d records", len(pub.Attempts()), len(pub.Records()))
	}
	if rep.Last() != nil {
		t.Errorf("back-pressure reported: %v", rep.Last())
	}
}

func TestCorruptFileFails(t *testing.T) {
	dir := t.TempDir()
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(lines(5000))
	w.Close()
	drop(t, dir, "broken.log.gz", z.Bytes()[:z.Len()/2])
	src := newTestSource(t, dir, nil)
	pub := &sourcetest.Publisher{}
	rep := &sourcetest.Reporter{}
	h := sources.NewHealth(rep, nil)
	src.scan(context.Background(), pub, h)
	src.scan(context.Background(), pub, h)
	reason, err := os.ReadFile(filepath.Join(dir, FailedDir, "broken.log.gz.reason"))
	if err != nil || !strings.Contains(string(reason), "gzip: truncated data") {
		t.Fatalf("reason %q, %v", reason, err)
	}
	if !exists(filepath.Join(dir, FailedDir, "broken.log.gz")) || exists(filepath.Join(dir, "broken.log.gz")) {
		t.Fatal("the file was not moved to failed/")
	}
	if n := len(pub.Records()); n == 0 || n >= 5000 {
		t.Errorf("%d records published before the damage", n)
	}
	if rep.Last() == nil || !strings.Contains(rep.Last().Error(), "broken.log.gz") {
		t.Errorf("reported %v", rep.Last())
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	tests := []struct{ in, want, err string }{
		{in: fmt.Sprintf(`{"path":%q}`, dir), want: fmt.Sprintf(`{"path":%q}`, dir)},
		{in: fmt.Sprintf(`{"path":%q,"poll_interval":"5s","stable_for":"0s"}`, dir+"/."), want: fmt.Sprintf(`{"path":%q,"poll_interval":"5s","stable_for":"0s"}`, dir)},
		{in: `{}`, err: "path: required"},
		{in: fmt.Sprintf(`{"path":%q}`, file), err: fmt.Sprintf("path: %s is not a directory", file)},
		{in: fmt.Sprintf(`{"path":%q}`, dir+"/missing"), err: fmt.Sprintf("path: stat %s/missing: no such file or directory", dir)},
		{in: fmt.Sprintf(`{"path":%q,"poll_interval":"1ms","stable_for":"-1s"}`, dir), err: "poll_interval: 1ms is outside 10ms..1h\nstable_for: -1s is outside 0..24h"},
		{in: fmt.Sprintf(`{"path":%q,"recursive":true}`, dir), err: `unknown setting "recursive"`},
	}
	for _, tc := range tests {
		got, err := Validate(json.RawMessage(tc.in))
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err == "" && string(got) != tc.want:
			t.Errorf("%s: normalized to %s, want %s", tc.in, got, tc.want)
		}
	}
	if k, ok := sources.Lookup(Kind); !ok || k.New == nil {
		t.Fatal("the dir kind is not registered")
	}
}
