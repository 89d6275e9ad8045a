package lake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// CloudSecurity is the kind of cloud resource snapshots and compliance history.
const CloudSecurity Kind = "cloudsecurity"

// Kinds lists every kind of lake data, in the order housekeeping visits them.
var Kinds = []Kind{Logs, RuleMatches, RuleErrors, CloudSecurity, Quarantine}

// A Merger writes the rows of Parquet files into one new Parquet file at output. The inputs
// may differ in columns (a schema gained a field, new p_ columns): the output has the union
// of their columns, by name. sqlengine provides one backed by DuckDB.
type Merger interface {
	Merge(ctx context.Context, inputs []string, output string) error
}

// Step names a point of a housekeeping run; HousekeepingOptions.Hook is called at each.
type Step string

// The steps, in the order a compaction or an expiry goes through them.
const (
	StepMerged    Step = "merged"    // the compacted file is complete under its temporary name
	StepSidecar   Step = "sidecar"   // its sidecar is in place
	StepCommitted Step = "committed" // the compacted file is renamed into place
	StepExpired   Step = "expired"   // a partition's .expired marker is in place
	StepDeleted   Step = "deleted"   // a replaced or expired file was deleted
)

// HousekeepingOptions configure a Housekeeper.
type HousekeepingOptions struct {
	Dir string // the lake directory
	// Merger writes compacted files; nil turns compaction off.
	Merger Merger
	// Grace is how long after an hour ends its partition is left alone before it is
	// compacted, for late events. Default 10 minutes.
	Grace time.Duration
	// TargetFileBytes is the size compaction aims for. Default 256 MiB.
	TargetFileBytes int64
	// SmallFileBytes: files smaller than this are compacted. Default TargetFileBytes / 2.
	SmallFileBytes int64
	// MaxFilesPerMerge bounds the inputs of one compacted file. Default 1000.
	MaxFilesPerMerge int
	// DeleteDelay is how long replaced and expired files stay on disk after the switch, so
	// that queries that listed them can finish. It must exceed the longest query plus the
	// time readers take to notice a change (lakequery's longest time limit is 15 minutes).
	// Default 30 minutes.
	DeleteDelay time.Duration
	// Retention is, per kind, how long data is kept (by partition hour); a kind that is not
	// listed, or 0, is kept forever.
	Retention map[Kind]time.Duration
	// StaleTempAge: temporary files of writers that died are removed after this long.
	// Default 24 hours.
	StaleTempAge time.Duration
	Logger       *slog.Logger
	// OnReport, when set, gets the report of each run of Housekeep (for metrics).
	OnReport func(Report)
	// Hook, when set, is called at each step; an error stops the run at once, as a crash
	// would (for tests).
	Hook func(step Step, path string) error
}

func (o *HousekeepingOptions) defaults() error {
	if o.Dir == "" {
		return errors.New("lake: housekeeping: no lake directory")
	}
	if o.Grace < 0 || o.DeleteDelay < 0 || o.TargetFileBytes < 0 || o.SmallFileBytes < 0 || o.StaleTempAge < 0 {
		return errors.New("lake: housekeeping: durations and sizes must not be negative")
	}
	if o.Grace == 0 {
		o.Grace = 10 * time.Minute
	}
	if o.TargetFileBytes == 0 {
		o.TargetFileBytes = 256 << 20
	}
	if o.SmallFileBytes == 0 {
		o.SmallFileBytes = o.TargetFileBytes / 2
	}
	if o.MaxFilesPerMerge <= 1 {
		o.MaxFilesPerMerge = 1000
	}
	if o.DeleteDelay == 0 {
		o.DeleteDelay = 30 * time.Minute
	}
	if o.StaleTempAge == 0 {
		o.StaleTempAge = 24 * time.Hour
	}
	for k, d := range o.Retention {
		if d < 0 {
			return fmt.Errorf("lake: housekeeping: retention of %s is negative", k)
		}
		if d > 0 && d < time.Hour {
			return fmt.Errorf("lake: housekeeping: retention of %s is %s; the lake is partitioned by hour, so it must be at least 1h", k, d)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Housekeeper compacts the small files of closed hours and applies retention. Run it
// periodically (every minute is plenty); runs of several processes on one lake are
// serialized by a lock file, and a run that finds the lock held does nothing.
type Housekeeper struct {
	opts   HousekeepingOptions
	lister *Lister
	// failed remembers file sets whose merge failed, so they are not retried every run.
	failed map[string]bool
}

// Report says what one housekeeping run did.
type Report struct {
	Skipped       bool  // another process held the housekeeping lock
	Compacted     int   // compacted files written
	FilesReplaced int   // files they replace
	RowsCompacted int64 // rows in them
	BytesIn       int64 // size of the replaced files
	BytesOut      int64 // size of the compacted files
	Expired       int   // partitions marked expired
	Deleted       int   // files deleted (replaced, expired, stale temporaries)
}

// NewHousekeeper validates the options.
func NewHousekeeper(o HousekeepingOptions) (*Housekeeper, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	return &Housekeeper{opts: o, lister: NewLister(o.Dir), failed: make(map[string]bool)}, nil
}

// Housekeep runs one pass (Run) and logs what it did; it is what `panther server` calls on
// its ticker.
func (h *Housekeeper) Housekeep(ctx context.Context, now time.Time) error {
	start := time.Now()
	rep, err := h.Run(ctx, now)
	if h.opts.OnReport != nil {
		h.opts.OnReport(rep)
	}
	if rep.Compacted > 0 || rep.Expired > 0 || rep.Deleted > 0 {
		h.opts.Logger.Info("lake housekeeping", "compacted", rep.Compacted, "files_replaced", rep.FilesReplaced,
			"rows", rep.RowsCompacted, "bytes_in", rep.BytesIn, "bytes_out", rep.BytesOut, "expired_partitions", rep.Expired,
			"deleted_files", rep.Deleted, "took", time.Since(start))
	}
	return err
}

// errHook marks an error returned by the hook: the run stops as if the process died.
type errHook struct{ err error }

func (e errHook) Error() string { return e.err.Error() }
func (e errHook) Unwrap() error { return e.err }

func (h *Housekeeper) step(s Step, path string) error {
	if h.opts.Hook == nil {
		return nil
	}
	if err := h.opts.Hook(s, path); err != nil {
		return errHook{err}
	}
	return nil
}

// Run does one pass at time now: it deletes what earlier runs replaced or expired once
// DeleteDelay has passed, marks partitions older than their retention expired, and compacts
// the small files of every closed hour. A failure in one partition does not stop the others;
// the errors are joined.
func (h *Housekeeper) Run(ctx context.Context, now time.Time) (Report, error) {
	var rep Report
	if err := os.MkdirAll(h.opts.Dir, 0o755); err != nil {
		return rep, fmt.Errorf("lake: %w", err)
	}
	unlock, ok, err := lockFile(filepath.Join(h.opts.Dir, ".housekeeping.lock"))
	if err != nil {
		return rep, err
	}
	if !ok {
		rep.Skipped = true
		return rep, nil
	}
	defer unlock()

	var errs []error
	for _, kind := range Kinds {
		tables := []string{""}
		if kind != Quarantine {
			if tables, err = h.lister.Tables(kind); err != nil {
				return rep, err
			}
		}
		for _, table := range tables {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			err := h.table(ctx, now, kind, table, &rep)
			var he errHook
			if errors.As(err, &he) {
				return rep, err
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return rep, errors.Join(errs...)
}

func (h *Housekeeper) table(ctx context.Context, now time.Time, kind Kind, table string, rep *Report) error {
	parts, err := h.lister.partitions(kind, table, true)
	if err != nil {
		return err
	}
	keep := h.opts.Retention[kind]
	deleted := rep.Deleted
	var errs []error
	for _, p := range parts {
		if err := h.cleanup(now, p, rep); err != nil {
			if errors.As(err, new(errHook)) {
				return err
			}
			errs = append(errs, err)
			continue
		}
		if _, err := os.Stat(p.Dir); err != nil || (p.Files == nil && h.isExpired(p.Dir)) {
			continue // removed by the cleanup, or expired and waiting for it
		}
		if keep > 0 && !p.Hour.Add(time.Hour).After(now.Add(-keep)) {
			if err := h.expire(now, p); err != nil {
				if errors.As(err, new(errHook)) {
					return err
				}
				errs = append(errs, err)
				continue
			}
			rep.Expired++
			continue
		}
		if h.opts.Merger != nil && !p.Hour.Add(time.Hour+h.opts.Grace).After(now) {
			if err := h.compact(ctx, now, p, rep); err != nil {
				if errors.As(err, new(errHook)) || ctx.Err() != nil {
					return err
				}
				errs = append(errs, err)
			}
		}
	}
	if rep.Deleted > deleted {
		// Nothing visible changed, but readers that missed a switch (a crash between a
		// rename and its stamp) must not keep listing deleted files.
		if err := markChanged(h.opts.Dir, kind, table); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (h *Housekeeper) isExpired(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, expiredMarker))
	return err == nil
}

// compact merges the small files of a partition into compacted files.
func (h *Housekeeper) compact(ctx context.Context, now time.Time, p Partition, rep *Report) error {
	var small []File
	for _, f := range p.Files {
		if f.Size < h.opts.SmallFileBytes {
			small = append(small, f)
		}
	}
	var bins [][]File
	var cur []File
	var curBytes int64
	for _, f := range small {
		if len(cur) > 0 && (curBytes+f.Size > h.opts.TargetFileBytes || len(cur) >= h.opts.MaxFilesPerMerge) {
			bins = append(bins, cur)
			cur, curBytes = nil, 0
		}
		cur = append(cur, f)
		curBytes += f.Size
	}
	bins = append(bins, cur)
	var errs []error
	for _, bin := range bins {
		if len(bin) < 2 {
			continue
		}
		key := binKey(bin)
		if h.failed[key] {
			continue
		}
		err := h.merge(ctx, now, p, bin, rep)
		if err != nil {
			if errors.As(err, new(errHook)) || ctx.Err() != nil {
				return err
			}
			h.failed[key] = true
			h.opts.Logger.Warn("lake compaction failed; the files stay as they are", "partition", p.Dir, "files", len(bin), "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func binKey(bin []File) string {
	var b strings.Builder
	for _, f := range bin {
		b.WriteString(f.Path)
		b.WriteByte(0)
	}
	return b.String()
}

// merge writes one compacted file replacing bin, following the snapshot rule: data file
// complete and synced, sidecar durable, then the rename that switches readers over.
func (h *Housekeeper) merge(ctx context.Context, now time.Time, p Partition, bin []File, rep *Report) error {
	var want, bytesIn int64
	inputs := make([]string, len(bin))
	names := make([]string, len(bin))
	for i, f := range bin {
		rows, err := fileRows(f.Path)
		if err != nil {
			return err
		}
		want += rows
		bytesIn += f.Size
		inputs[i] = f.Path
		names[i] = filepath.Base(f.Path)
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	name := fmt.Sprintf("%s%s-%s-%s%s", compactPrefix, p.Hour.Format("20060102T15"), now.UTC().Format("20060102T150405Z"), hex.EncodeToString(id[:]), parquetSuffix)
	final := filepath.Join(p.Dir, name)
	tmp := filepath.Join(p.Dir, "."+name+".tmp")
	if err := h.opts.Merger.Merge(ctx, inputs, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("lake: compacting %d files of %s: %w", len(bin), p.Dir, err)
	}
	got, err := fileRows(tmp)
	if err == nil && got != want {
		err = fmt.Errorf("lake: compacting %s: the merged file has %d rows, its inputs %d", p.Dir, got, want)
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := h.step(StepMerged, tmp); err != nil {
		return err
	}
	sc, err := json.Marshal(sidecar{Replaces: names, Rows: want, Created: now.UTC()})
	if err != nil {
		return err
	}
	scPath := final + sidecarSuffix
	if err := writeDurable(scPath, sc); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := h.step(StepSidecar, scPath); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		_ = os.Remove(scPath)
		return fmt.Errorf("lake: %w", err)
	}
	if err := syncDir(p.Dir); err != nil {
		return err
	}
	if err := markChanged(h.opts.Dir, p.Kind, p.Table); err != nil {
		return err
	}
	st, err := os.Stat(final)
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	rep.Compacted++
	rep.FilesReplaced += len(bin)
	rep.RowsCompacted += want
	rep.BytesIn += bytesIn
	rep.BytesOut += st.Size()
	return h.step(StepCommitted, final)
}

// expire marks a partition expired: from the marker on, readers see none of its files.
func (h *Housekeeper) expire(now time.Time, p Partition) error {
	b, err := json.Marshal(struct {
		Created time.Time `json:"created"`
	}{now.UTC()})
	if err != nil {
		return err
	}
	path := filepath.Join(p.Dir, expiredMarker)
	if err := writeDurable(path, b); err != nil {
		return err
	}
	if err := markChanged(h.opts.Dir, p.Kind, p.Table); err != nil {
		return err
	}
	return h.step(StepExpired, path)
}

// cleanup deletes, in one partition, what is past DeleteDelay: the files of an expired
// partition, and files replaced by compacted files (a replaced compacted file after the
// files its own sidecar lists, then its sidecar). It also removes what crashed runs and
// writers left behind: orphan sidecars, compaction temporaries and stale writer temporaries.
func (h *Housekeeper) cleanup(now time.Time, p Partition, rep *Report) error {
	entries, err := os.ReadDir(p.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	exists := make(map[string]bool, len(entries))
	for _, e := range entries {
		exists[e.Name()] = true
	}
	remove := func(name string) error {
		if !exists[name] {
			return nil
		}
		path := filepath.Join(p.Dir, name)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("lake: %w", err)
		}
		delete(exists, name)
		rep.Deleted++
		return h.step(StepDeleted, path)
	}
	if exists[expiredMarker] {
		var m struct {
			Created time.Time `json:"created"`
		}
		b, err := os.ReadFile(filepath.Join(p.Dir, expiredMarker))
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			return fmt.Errorf("lake: %s: unreadable expiry marker: %w", p.Dir, err)
		}
		if now.Sub(m.Created) < h.opts.DeleteDelay {
			return nil
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if e.Name() != expiredMarker && !e.IsDir() {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			if err := remove(n); err != nil {
				return err
			}
		}
		if err := remove(expiredMarker); err != nil {
			return err
		}
		h.lister.forget(p.Dir)
		// Remove the partition and the parents it leaves empty; a writer that just created a
		// file in one of them keeps it (Remove fails on a directory that is not empty).
		stop := filepath.Join(h.opts.Dir, string(p.Kind))
		for dir := p.Dir; dir != stop && strings.HasPrefix(dir, stop); dir = filepath.Dir(dir) {
			if p.Table != "" && filepath.Base(dir) == p.Table {
				break
			}
			if os.Remove(dir) != nil {
				break
			}
			h.lister.forget(dir)
		}
		return nil
	}

	// Sidecars of existing compacted files, oldest first.
	type compacted struct {
		name string
		sc   *sidecar
	}
	var live []compacted
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, sidecarSuffix) && !strings.HasPrefix(name, "."):
			data := strings.TrimSuffix(name, sidecarSuffix)
			if !exists[data] {
				// Orphan: a crash before the rename, or after the compacted file was deleted.
				if err := remove(name); err != nil {
					return err
				}
			}
		case strings.HasPrefix(name, "."+compactPrefix) && strings.HasSuffix(name, ".tmp"):
			if err := remove(name); err != nil {
				return err
			}
		case strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp"):
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > h.opts.StaleTempAge {
				if err := remove(name); err != nil {
					return err
				}
			}
		case strings.HasPrefix(name, compactPrefix) && strings.HasSuffix(name, parquetSuffix):
			sc, err := readSidecar(filepath.Join(p.Dir, name+sidecarSuffix))
			if err != nil {
				return err
			}
			if sc != nil {
				live = append(live, compacted{name, sc})
			}
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].sc.Created.Before(live[j].sc.Created) })
	byName := make(map[string]*sidecar, len(live))
	for _, c := range live {
		byName[c.name] = c.sc
	}
	var drop func(name string, depth int) error
	drop = func(name string, depth int) error {
		if sc := byName[name]; sc != nil && depth < 64 {
			for _, r := range sc.Replaces {
				if err := drop(r, depth+1); err != nil {
					return err
				}
			}
			if err := remove(name); err != nil {
				return err
			}
			return remove(name + sidecarSuffix)
		}
		return remove(name)
	}
	for _, c := range live {
		if !exists[c.name] || now.Sub(c.sc.Created) < h.opts.DeleteDelay {
			continue
		}
		for _, r := range c.sc.Replaces {
			if err := drop(r, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeDurable writes data to path through a temporary file, synced, renamed, with the
// directory synced after.
func writeDurable(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("lake: %w", err)
	}
	return syncDir(dir)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lake: syncing %s: %w", dir, err)
	}
	return nil
}
