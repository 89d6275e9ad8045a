// Package lake writes events to the data lake: Parquet files (zstd) partitioned by table and
// event hour under <dir>/<kind>/<table>/year=YYYY/month=MM/day=DD/hour=HH/.
//
// Each open partition streams into a temporary file that is renamed into place when closed,
// so readers never see a torn file. Memory is bounded: rows are buffered per partition only up
// to a row group, the buffered bytes of all partitions share one budget (the largest partition
// writes its row group out when it is exceeded), and at most MaxOpenFiles partitions are open
// (the least recently written is closed first). Files are also closed when they reach
// MaxFileBytes or, with CloseIdle, when older than MaxFileAge.
package lake

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/event"
)

// Options configure a Writer.
type Options struct {
	Dir              string        // the lake directory
	MaxOpenFiles     int           // default 64
	MaxFileBytes     int64         // default 512 MiB
	MaxFileAge       time.Duration // default 5 minutes; applied by CloseIdle
	MaxBufferedBytes int64         // memory of the buffers of all open files; default 160 MiB
	RowGroupBytes    int64         // a row group ends when it buffers this much; default 32 MiB
	Now              func() time.Time
	// OnFile is called after each file is committed.
	OnFile func(FileInfo)
	// Deferred makes committing a file two steps, for a caller that commits files together
	// with its own state (the server's checkpoints): a file that is closed (full, least
	// recently used, its schema changed, or by Flush) is finished and synced under its
	// temporary name and kept as Pending until Flush returns it; the caller then renames it
	// with Commit. OnFile is not called.
	Deferred bool
}

// Pending is a finished file not yet renamed into place (Options.Deferred).
type Pending struct {
	Temp  string `json:"temp"`
	Final string `json:"final"`
	Kind  Kind   `json:"kind"`
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
}

// FileInfo describes a committed lake file.
type FileInfo struct {
	Kind  Kind
	Table string
	Path  string
	Rows  int64
	Bytes int64
}

func (o *Options) defaults() {
	if o.MaxOpenFiles <= 0 {
		o.MaxOpenFiles = 64
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 512 << 20
	}
	if o.MaxFileAge <= 0 {
		o.MaxFileAge = 5 * time.Minute
	}
	if o.MaxBufferedBytes <= 0 {
		o.MaxBufferedBytes = 160 << 20
	}
	if o.RowGroupBytes <= 0 {
		o.RowGroupBytes = 32 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Writer writes lake files. It is not safe for concurrent use.
type Writer struct {
	opts    Options
	parts   map[partKey]*partition
	tables  map[tableKey]*eventTable
	sh      shredder
	seq     int64
	pw      *pageWriter
	touched []*partition
	pending []Pending
}

type tableKey struct {
	kind Kind
	name string
}

type partKey struct {
	kind  Kind
	table string
	hour  int64 // Unix seconds of the hour
}

type partition struct {
	key     partKey
	schema  *fileSchema
	file    *os.File
	cw      *countingWriter
	fw      *fileWriter
	tmp     string
	final   string
	opened  time.Time
	lastUse int64
	npend   int // rows added since the last endRows
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// NewWriter returns a writer for the lake in o.Dir.
func NewWriter(o Options) *Writer {
	o.defaults()
	return &Writer{
		opts:   o,
		parts:  make(map[partKey]*partition),
		tables: make(map[tableKey]*eventTable),
		pw:     newPageWriter(),
	}
}

// WriteEvents writes events of any log types. matches is nil for Logs; for rule matches and
// errors it holds one Match per event. Strings of the events are copied before it returns.
func (w *Writer) WriteEvents(kind Kind, evs []*event.Event, matches []*Match) error {
	for i, ev := range evs {
		tk := tableKey{kind, ev.LogType.Table}
		tab := w.tables[tk]
		if tab == nil || tab.lt != ev.LogType {
			tab = newEventTable(kind, ev.LogType)
			w.tables[tk] = tab
		}
		var m *Match
		if matches != nil {
			m = matches[i]
		}
		p, err := w.partition(partKey{kind, ev.LogType.Table, hourOf(ev.EventTime)}, tab.schema)
		if err != nil {
			return err
		}
		w.sh.cols = p.fw.cols
		tab.build(&w.sh, ev, m)
		w.added(p)
	}
	return w.finish()
}

// added records a row added to p.
func (w *Writer) added(p *partition) {
	p.npend++
	if p.npend == 1 {
		w.touched = append(w.touched, p)
	}
}

// hourOf returns the Unix seconds of the UTC hour of a Unix nanosecond time.
func hourOf(ns int64) int64 {
	sec := ns / int64(time.Second)
	if ns < 0 && ns%int64(time.Second) != 0 {
		sec--
	}
	return sec - mod(sec, 3600)
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

func (w *Writer) partition(key partKey, schema *fileSchema) (*partition, error) {
	w.seq++
	if p := w.parts[key]; p != nil {
		if p.schema == schema {
			p.lastUse = w.seq
			return p, nil
		}
		// The table's schema changed (a custom schema was updated): start a new file.
		if err := w.closePart(p); err != nil {
			return nil, err
		}
	}
	if len(w.parts) >= w.opts.MaxOpenFiles {
		if err := w.closeLRU(); err != nil {
			return nil, err
		}
	}
	p, err := w.open(key, schema)
	if err != nil {
		return nil, err
	}
	p.lastUse = w.seq
	w.parts[key] = p
	return p, nil
}

// PartitionDir returns the directory of a partition.
func PartitionDir(dir string, kind Kind, table string, hour time.Time) string {
	hour = hour.UTC()
	parts := []string{dir, string(kind)}
	if table != "" {
		parts = append(parts, table)
	}
	parts = append(parts, fmt.Sprintf("year=%04d", hour.Year()), fmt.Sprintf("month=%02d", int(hour.Month())),
		fmt.Sprintf("day=%02d", hour.Day()), fmt.Sprintf("hour=%02d", hour.Hour()))
	return filepath.Join(parts...)
}

func (w *Writer) open(key partKey, schema *fileSchema) (*partition, error) {
	hour := time.Unix(key.hour, 0).UTC()
	dir := PartitionDir(w.opts.Dir, key.kind, key.table, hour)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	name := fmt.Sprintf("%s-%s.parquet", w.opts.Now().UTC().Format("20060102T150405Z"), hex.EncodeToString(id[:]))
	final := filepath.Join(dir, name)
	tmp := filepath.Join(dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, os.ErrNotExist) {
		// Retention removed the (expired, empty) partition directory after MkdirAll.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("lake: %w", err)
		}
		f, err = os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	cw := &countingWriter{w: f}
	fw, err := newFileWriter(cw, schema, w.pw)
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("lake: %w", err)
	}
	return &partition{key: key, schema: schema, file: f, cw: cw, fw: fw, tmp: tmp, final: final, opened: w.opts.Now()}, nil
}

// endRows ends the rows added to p since the last call: full pages and row groups are
// written, and a file that reached its size limit is committed.
func (w *Writer) endRows(p *partition) error {
	if p.npend == 0 {
		return nil
	}
	n := p.npend
	p.npend = 0
	if err := p.fw.endRows(n); err != nil {
		return fmt.Errorf("lake: writing %s: %w", p.tmp, err)
	}
	if p.fw.buffered() >= w.opts.RowGroupBytes {
		if err := p.fw.flushRowGroup(); err != nil {
			return fmt.Errorf("lake: writing %s: %w", p.tmp, err)
		}
	}
	if p.fw.size() >= w.opts.MaxFileBytes {
		return w.closePart(p)
	}
	return nil
}

// finish ends the rows of every touched partition and applies the memory budget.
func (w *Writer) finish() error {
	for _, p := range w.touched {
		if _, open := w.parts[p.key]; !open {
			continue
		}
		if err := w.endRows(p); err != nil {
			return err
		}
	}
	w.touched = w.touched[:0]
	return w.enforce()
}

// enforce applies the memory budget: while the buffers of the open files hold more than it,
// the file holding most writes its rows as a row group and gives its buffers back.
func (w *Writer) enforce() error {
	for {
		var total int64
		var largest *partition
		var largestSize int64
		for _, p := range w.parts {
			b := p.fw.memory()
			total += b
			if b > largestSize {
				largest, largestSize = p, b
			}
		}
		if total <= w.opts.MaxBufferedBytes || largest == nil {
			return nil
		}
		if err := largest.fw.shrink(); err != nil {
			return fmt.Errorf("lake: writing %s: %w", largest.tmp, err)
		}
	}
}

func (w *Writer) closeLRU() error {
	var lru *partition
	for _, p := range w.parts {
		if lru == nil || p.lastUse < lru.lastUse {
			lru = p
		}
	}
	if lru == nil {
		return nil
	}
	return w.closePart(lru)
}

// closePart commits a partition's file: write the footer, sync, rename into place.
func (w *Writer) closePart(p *partition) error {
	delete(w.parts, p.key)
	err := p.fw.endRows(p.npend)
	p.npend = 0
	rows := p.fw.numRows
	if err == nil {
		err = p.fw.close()
	}
	if err == nil {
		err = p.file.Sync()
	}
	if cerr := p.file.Close(); err == nil {
		err = cerr
	}
	if err == nil && rows == 0 {
		return os.Remove(p.tmp)
	}
	if err == nil && w.opts.Deferred {
		w.pending = append(w.pending, Pending{Temp: p.tmp, Final: p.final, Kind: p.key.kind, Table: p.key.table, Rows: rows, Bytes: p.cw.n})
		return nil
	}
	if err == nil {
		err = os.Rename(p.tmp, p.final)
	}
	if err != nil {
		_ = os.Remove(p.tmp)
		return fmt.Errorf("lake: committing %s: %w", p.final, err)
	}
	if err := markChanged(w.opts.Dir, p.key.kind, p.key.table); err != nil {
		return err
	}
	if w.opts.OnFile != nil {
		w.opts.OnFile(FileInfo{Kind: p.key.kind, Table: p.key.table, Path: p.final, Rows: rows, Bytes: p.cw.n})
	}
	return nil
}

// CloseIdle commits the files opened more than MaxFileAge ago.
func (w *Writer) CloseIdle() error {
	now := w.opts.Now()
	var errs []error
	for _, p := range w.sortedParts() {
		if now.Sub(p.opened) >= w.opts.MaxFileAge {
			errs = append(errs, w.closePart(p))
		}
	}
	return errors.Join(errs...)
}

// Close commits every open file.
func (w *Writer) Close() error {
	var errs []error
	for _, p := range w.sortedParts() {
		errs = append(errs, w.closePart(p))
	}
	return errors.Join(errs...)
}

func (w *Writer) sortedParts() []*partition {
	ps := make([]*partition, 0, len(w.parts))
	for _, p := range w.parts {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].lastUse < ps[j].lastUse })
	return ps
}

// Flush finishes every open file and returns the files finished since the last Flush, for
// Commit (Options.Deferred). On an error the files stay pending; Abort removes them.
func (w *Writer) Flush() ([]Pending, error) {
	if err := w.Close(); err != nil {
		return nil, err
	}
	out := w.pending
	w.pending = nil
	return out, nil
}

// Abort closes every open file and removes it and every pending file: what was written
// since the last Flush is discarded.
func (w *Writer) Abort() {
	for _, p := range w.sortedParts() {
		delete(w.parts, p.key)
		p.file.Close()
		os.Remove(p.tmp)
	}
	for _, p := range w.pending {
		os.Remove(p.Temp)
	}
	w.pending = nil
	w.touched = w.touched[:0]
}

// Commit renames pending files into place and syncs their directories. It is idempotent: a
// file already renamed (its temporary name gone, its final name present) is skipped, so a
// commit interrupted by a crash can be run again.
func Commit(files []Pending) error {
	dirs := map[string]bool{}
	for _, f := range files {
		if err := os.Rename(f.Temp, f.Final); err != nil {
			if _, serr := os.Stat(f.Final); os.IsNotExist(err) && serr == nil {
				continue
			}
			return fmt.Errorf("lake: committing %s: %w", f.Final, err)
		}
		dirs[filepath.Dir(f.Final)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// IsTemp reports whether a file name is a lake file being written (not visible to queries).
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".parquet.tmp")
}

// RemoveTemps deletes the unfinished and uncommitted files under the lake directory dir,
// after a crash (call it after committing what a checkpoint lists). It returns how many it
// removed.
func RemoveTemps(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && IsTemp(d.Name()) {
			if err := os.Remove(path); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("lake: removing unfinished files: %w", err)
	}
	return n, nil
}

// OpenFiles returns the number of partitions with an open file.
func (w *Writer) OpenFiles() int { return len(w.parts) }
