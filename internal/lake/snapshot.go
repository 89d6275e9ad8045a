package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The snapshot rule: which files of the lake a reader sees.
//
// A partition directory (<kind>/<table>/year=YYYY/month=MM/day=DD/hour=HH) holds:
//   - committed data files, *.parquet, written under a hidden temporary name (a leading dot)
//     and renamed into place when complete;
//   - compacted files, compact-*.parquet, each with a sidecar compact-*.parquet.replaces that
//     names the files whose rows it holds. The sidecar is made durable before the compacted
//     file is renamed into place, and is removed only after the compacted file, so whenever a
//     compacted file exists its sidecar does too;
//   - an .expired marker, written by retention: the partition is gone for readers.
//
// A file is visible when it is a committed *.parquet file, its partition has no .expired
// marker, and no existing compacted file of the partition lists it in its sidecar. Replaced
// and expired files are deleted only after a delay (Options.DeleteDelay of the housekeeper),
// so queries that listed them before the switch can finish; files a sidecar lists are deleted
// before the sidecar's own compacted file and sidecar, which keeps the rule true at every step
// of a cleanup, also after a crash.
//
// Every reader lists files through a Lister, never with a glob.

const (
	compactPrefix = "compact-"
	sidecarSuffix = ".replaces"
	expiredMarker = ".expired"
	changedMarker = ".changed"
	parquetSuffix = ".parquet"
)

// staleWindow bounds the granularity of file system timestamps: a directory listing taken
// less than this long after the directory's modification time may miss a change made in
// the same tick, so it is not trusted for caching.
const staleWindow = 2 * time.Second

// File is a visible lake file.
type File struct {
	Path  string
	Kind  Kind
	Table string    // "" for quarantine
	Hour  time.Time // the partition hour, UTC
	Size  int64
}

// Partition is an hour partition with its visible files.
type Partition struct {
	Kind  Kind
	Table string
	Hour  time.Time
	Dir   string
	Files []File
}

// Lister lists the visible files of a lake, applying the snapshot rule. It caches the
// listing of each directory while the directory's modification time is unchanged, so that
// listing a lake of thousands of files again costs one stat per directory. It is safe for
// concurrent use.
type Lister struct {
	dir string
	now func() time.Time

	mu   sync.Mutex
	dirs map[string]*dirListing
}

type dirListing struct {
	mtime    time.Time
	listedAt time.Time
	subdirs  []string // names of subdirectories
	part     *partListing
}

// partListing is what a partition directory holds, as seen by readers.
type partListing struct {
	expired bool
	files   []fileEntry // visible files, by name
}

type fileEntry struct {
	name string
	size int64
}

// NewLister returns a lister for the lake in dir.
func NewLister(dir string) *Lister {
	return &Lister{dir: dir, now: time.Now, dirs: make(map[string]*dirListing)}
}

// Dir returns the lake directory.
func (l *Lister) Dir() string { return l.dir }

// Tables returns the tables of kind that have a directory in the lake, sorted. Quarantine has
// no tables: it returns nil for it.
func (l *Lister) Tables(kind Kind) ([]string, error) {
	if kind == Quarantine {
		return nil, nil
	}
	d, err := l.listDir(filepath.Join(l.dir, string(kind)), false)
	if err != nil || d == nil {
		return nil, err
	}
	var out []string
	for _, name := range d.subdirs {
		if !strings.HasPrefix(name, ".") {
			out = append(out, name)
		}
	}
	return out, nil
}

// Files returns the visible files of a table (for quarantine, table is ""), in partition and
// name order.
func (l *Lister) Files(kind Kind, table string) ([]File, error) {
	parts, err := l.Partitions(kind, table)
	if err != nil {
		return nil, err
	}
	var out []File
	for _, p := range parts {
		out = append(out, p.Files...)
	}
	return out, nil
}

// Partitions returns the partitions of a table that have visible files, oldest first.
func (l *Lister) Partitions(kind Kind, table string) ([]Partition, error) {
	return l.partitions(kind, table, false)
}

// partitions walks the partitions of a table; with all, it also returns partitions without
// visible files and expired ones (for housekeeping), with the Files of expired ones nil.
func (l *Lister) partitions(kind Kind, table string, all bool) ([]Partition, error) {
	root := filepath.Join(l.dir, string(kind))
	if table != "" {
		root = filepath.Join(root, table)
	}
	var out []Partition
	levels := []string{"year=", "month=", "day=", "hour="}
	var walk func(dir string, depth int, vals []int) error
	walk = func(dir string, depth int, vals []int) error {
		if depth == len(levels) {
			d, err := l.listDir(dir, true)
			if err != nil || d == nil {
				return err
			}
			hour := time.Date(vals[0], time.Month(vals[1]), vals[2], vals[3], 0, 0, 0, time.UTC)
			p := Partition{Kind: kind, Table: table, Hour: hour, Dir: dir}
			if d.part.expired {
				if all {
					out = append(out, p)
				}
				return nil
			}
			for _, f := range d.part.files {
				p.Files = append(p.Files, File{Path: filepath.Join(dir, f.name), Kind: kind, Table: table, Hour: hour, Size: f.size})
			}
			if len(p.Files) > 0 || all {
				out = append(out, p)
			}
			return nil
		}
		d, err := l.listDir(dir, false)
		if err != nil || d == nil {
			return err
		}
		for _, name := range d.subdirs {
			v, ok := partitionValue(name, levels[depth])
			if !ok {
				continue
			}
			if err := walk(filepath.Join(dir, name), depth+1, append(vals, v)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, 0, make([]int, 0, 4)); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Hour.Before(out[j].Hour) })
	return out, nil
}

// partitionValue parses "year=2024" with prefix "year=".
func partitionValue(name, prefix string) (int, bool) {
	if !strings.HasPrefix(name, prefix) {
		return 0, false
	}
	v, err := strconv.Atoi(name[len(prefix):])
	return v, err == nil && v >= 0
}

// listDir returns the listing of dir, from the cache when the directory has not changed
// since a listing that can be trusted. A directory that does not exist gives nil.
func (l *Lister) listDir(dir string, partition bool) (*dirListing, error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		l.forget(dir)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	l.mu.Lock()
	c := l.dirs[dir]
	l.mu.Unlock()
	if c != nil && c.mtime.Equal(st.ModTime()) && c.listedAt.Sub(c.mtime) > staleWindow && (c.part != nil) == partition {
		return c, nil
	}
	listedAt := l.now()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		l.forget(dir)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	d := &dirListing{mtime: st.ModTime(), listedAt: listedAt}
	if partition {
		d.part, err = readPartition(dir, entries)
		if err != nil {
			return nil, err
		}
	} else {
		for _, e := range entries {
			if e.IsDir() {
				d.subdirs = append(d.subdirs, e.Name())
			}
		}
	}
	l.mu.Lock()
	l.dirs[dir] = d
	l.mu.Unlock()
	return d, nil
}

func (l *Lister) forget(dir string) {
	l.mu.Lock()
	delete(l.dirs, dir)
	l.mu.Unlock()
}

// readPartition applies the snapshot rule to the entries of a partition directory.
func readPartition(dir string, entries []os.DirEntry) (*partListing, error) {
	p := &partListing{}
	var names []string
	replaced := make(map[string]bool)
	for _, e := range entries {
		name := e.Name()
		if name == expiredMarker {
			p.expired = true
			return p, nil
		}
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, parquetSuffix) || e.IsDir() {
			continue
		}
		names = append(names, name)
		if strings.HasPrefix(name, compactPrefix) {
			sc, err := readSidecar(filepath.Join(dir, name+sidecarSuffix))
			if err != nil {
				return nil, err
			}
			if sc != nil {
				for _, r := range sc.Replaces {
					replaced[r] = true
				}
			}
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if replaced[name] {
			continue
		}
		info, err := os.Stat(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted while we listed: it was replaced or expired
		}
		if err != nil {
			return nil, fmt.Errorf("lake: %w", err)
		}
		p.files = append(p.files, fileEntry{name: name, size: info.Size()})
	}
	return p, nil
}

// sidecar is the content of a compacted file's .replaces sidecar.
type sidecar struct {
	Replaces []string  `json:"replaces"`
	Rows     int64     `json:"rows"`
	Created  time.Time `json:"created"`
}

// readSidecar reads a sidecar; a missing one gives nil.
func readSidecar(path string) (*sidecar, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	var sc sidecar
	if err := json.Unmarshal(b, &sc); err != nil {
		return nil, fmt.Errorf("lake: %s: not a valid sidecar: %w", path, err)
	}
	return &sc, nil
}

// Stamp is a cheap token of a table's last change (a file committed, compacted or expired).
// Readers compare stamps to skip listing a table that has not changed; see Lister.Unchanged.
type Stamp struct {
	mtime time.Time
	ok    bool
}

// TableStamp returns the stamp of a table (table "" for quarantine).
func (l *Lister) TableStamp(kind Kind, table string) Stamp {
	st, err := os.Stat(changedPath(l.dir, kind, table))
	if err != nil {
		return Stamp{}
	}
	return Stamp{mtime: st.ModTime(), ok: true}
}

// Unchanged reports whether a listing taken at listedAt, when the table's stamp was old,
// still holds given its stamp now is cur. A table without a stamp is never unchanged.
func Unchanged(old, cur Stamp, listedAt time.Time) bool {
	return old.ok && cur.ok && old.mtime.Equal(cur.mtime) && listedAt.Sub(old.mtime) > staleWindow
}

// Now returns the lister's clock, for stamping listings.
func (l *Lister) Now() time.Time { return l.now() }

func changedPath(dir string, kind Kind, table string) string {
	if table == "" {
		return filepath.Join(dir, string(kind), changedMarker)
	}
	return filepath.Join(dir, string(kind), table, changedMarker)
}

// MarkChanged updates a table's stamp (table "" for quarantine), so that readers list it
// again. Writer and Housekeeper call it after each change; code that adds files to the lake
// in another way must call it too.
func MarkChanged(dir string, kind Kind, table string) error { return markChanged(dir, kind, table) }

// markChanged updates the table's stamp. The kernel sets the modification time on write,
// so every process on the machine stamps with the same clock.
func markChanged(dir string, kind Kind, table string) error {
	path := changedPath(dir, kind, table)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("lake: %w", err)
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	}
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	_, err = f.WriteAt([]byte{'\n'}, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	return nil
}
