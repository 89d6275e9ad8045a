package lake

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func names(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, filepath.Base(f.Path))
	}
	return out
}

func TestSnapshotRule(t *testing.T) {
	dir := t.TempDir()
	h1 := PartitionDir(dir, Logs, "t", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
	h2 := PartitionDir(dir, Logs, "t", time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC))
	h3 := PartitionDir(dir, Logs, "t", time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC))
	write(t, filepath.Join(h1, "a.parquet"), "a")
	write(t, filepath.Join(h1, "b.parquet"), "bb")
	write(t, filepath.Join(h1, ".c.parquet.tmp"), "being written")
	write(t, filepath.Join(h1, "notes.txt"), "not data")
	// A compacted file and its sidecar hide what it replaces.
	write(t, filepath.Join(h2, "x.parquet"), "x")
	write(t, filepath.Join(h2, "y.parquet"), "y")
	write(t, filepath.Join(h2, "z.parquet"), "z")
	write(t, filepath.Join(h2, "compact-1.parquet"), "xy")
	write(t, filepath.Join(h2, "compact-1.parquet.replaces"), `{"replaces":["x.parquet","y.parquet"],"rows":2}`)
	// An orphan sidecar (crash before the rename) hides nothing.
	write(t, filepath.Join(h2, "compact-2.parquet.replaces"), `{"replaces":["z.parquet"],"rows":1}`)
	// An expired partition is gone.
	write(t, filepath.Join(h3, "e.parquet"), "e")
	write(t, filepath.Join(h3, expiredMarker), `{}`)
	// Directories that are not partitions are ignored.
	write(t, filepath.Join(dir, "logs", "t", "junk", "j.parquet"), "j")
	write(t, filepath.Join(dir, "logs", ".hidden", "year=2024", "month=01", "day=01", "hour=00", "h.parquet"), "h")

	l := NewLister(dir)
	files, err := l.Files(Logs, "t")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.parquet", "b.parquet", "compact-1.parquet", "z.parquet"}
	if got := names(files); !reflect.DeepEqual(got, want) {
		t.Fatalf("visible files %v, want %v", got, want)
	}
	if files[1].Size != 2 || files[1].Table != "t" || files[1].Kind != Logs || !files[1].Hour.Equal(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("file %+v", files[1])
	}
	tables, err := l.Tables(Logs)
	if err != nil || !reflect.DeepEqual(tables, []string{"t"}) {
		t.Errorf("tables %v %v", tables, err)
	}
	parts, err := l.partitions(Logs, "t", true)
	if err != nil || len(parts) != 3 || parts[2].Files != nil {
		t.Errorf("all partitions %+v %v", parts, err)
	}

	// A new compacted file replacing the first one and z: the listing changes with the
	// directory, also when the cached listing is recent.
	write(t, filepath.Join(h2, "compact-3.parquet.replaces"), `{"replaces":["compact-1.parquet","z.parquet"],"rows":3}`)
	write(t, filepath.Join(h2, "compact-3.parquet"), "xyz")
	files, err = l.Files(Logs, "t")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(files); !reflect.DeepEqual(got, []string{"a.parquet", "b.parquet", "compact-3.parquet"}) {
		t.Fatalf("after a second compaction: %v", got)
	}
	// A corrupt sidecar is an error, not a silent duplicate.
	write(t, filepath.Join(h2, "compact-4.parquet.replaces"), `not json`)
	write(t, filepath.Join(h2, "compact-4.parquet"), "?")
	if _, err := NewLister(dir).Files(Logs, "t"); err == nil {
		t.Error("corrupt sidecar: no error")
	}
}

func TestListerCache(t *testing.T) {
	dir := t.TempDir()
	h := PartitionDir(dir, Quarantine, "", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
	write(t, filepath.Join(h, "a.parquet"), "a")
	l := NewLister(dir)
	// Pretend the listing happened long after the directory last changed: it is cached.
	l.now = func() time.Time { return time.Now().Add(time.Hour) }
	if files, err := l.Files(Quarantine, ""); err != nil || len(files) != 1 {
		t.Fatalf("%v %v", files, err)
	}
	l.mu.Lock()
	cached := l.dirs[h]
	l.mu.Unlock()
	if cached == nil || cached.part == nil {
		t.Fatal("partition listing not cached")
	}
	// Poison the cache: while the directory is unchanged the poisoned listing is returned,
	// which proves the cache is used.
	cached.part.files = append(cached.part.files, fileEntry{name: "ghost.parquet"})
	if files, _ := l.Files(Quarantine, ""); len(files) != 2 {
		t.Fatalf("cache not used: %v", names(files))
	}
	// A change to the directory invalidates it.
	old := cached.mtime
	write(t, filepath.Join(h, "b.parquet"), "b")
	if err := os.Chtimes(h, old.Add(time.Second), old.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if files, _ := l.Files(Quarantine, ""); !reflect.DeepEqual(names(files), []string{"a.parquet", "b.parquet"}) {
		t.Fatalf("after a change: %v", names(files))
	}
	// A listing taken within staleWindow of the directory's change is not trusted.
	l.now = time.Now
	l.forget(h)
	if _, err := l.Files(Quarantine, ""); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	cached = l.dirs[h]
	l.mu.Unlock()
	cached.part.files = nil
	if files, _ := l.Files(Quarantine, ""); len(files) != 2 {
		t.Fatalf("a recent listing was trusted: %v", names(files))
	}
}

func TestStamps(t *testing.T) {
	dir := t.TempDir()
	l := NewLister(dir)
	s0 := l.TableStamp(Logs, "t")
	if Unchanged(s0, s0, time.Now().Add(time.Hour)) {
		t.Error("a table without a stamp is never unchanged")
	}
	if err := markChanged(dir, Logs, "t"); err != nil {
		t.Fatal(err)
	}
	s1 := l.TableStamp(Logs, "t")
	if !s1.ok {
		t.Fatal("no stamp after markChanged")
	}
	if Unchanged(s1, s1, s1.mtime.Add(time.Second)) {
		t.Error("a listing within the stale window counts as unchanged")
	}
	if !Unchanged(s1, s1, s1.mtime.Add(time.Minute)) {
		t.Error("an old listing of an unchanged table is not unchanged")
	}
	p := changedPath(dir, Logs, "t")
	old := s1.mtime
	if err := os.Chtimes(p, old.Add(-time.Hour), old.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := markChanged(dir, Logs, "t"); err != nil {
		t.Fatal(err)
	}
	if s2 := l.TableStamp(Logs, "t"); Unchanged(s1, s2, old.Add(time.Minute)) || s2.mtime.Before(old) {
		t.Errorf("markChanged did not move the stamp: %v -> %v", s1.mtime, s2.mtime)
	}
}
