package dir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/parts"
)

var (
	filesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_dir_files_total",
		Help: "Files of watched directories, by outcome: done (published, moved to done/), failed (moved to failed/).",
	}, []string{"source", "outcome"})
	fileBytesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_dir_file_bytes_total",
		Help: "Decompressed bytes read from the files of watched directories.",
	}, []string{"source"})
)

// Source is a running dir source; New builds it, Run serves it.
type Source struct {
	id, label string
	set       Settings
	log       *slog.Logger
	now       func() time.Time
	parts     parts.Options
	stableFor time.Duration

	// seen tracks the candidate files between scans.
	seen map[string]*candidate
	// stuck holds files published but not movable out of the directory (kept so that
	// they are not read again), by name.
	stuck map[string]fileID

	done, failed prometheus.Counter
	bytes        prometheus.Counter
}

// candidate is a file waiting to be stable.
type candidate struct {
	size  int64
	mtime time.Time
	since time.Time // when it was first seen with this size and mtime
	seen  int       // scans that saw it unchanged
}

var _ sources.Source = (*Source)(nil)

func newSource(c sources.Config, deps sources.Deps) (sources.Source, error) { return New(c, deps) }

// New builds the source of c. It creates done/ and failed/ under the directory.
func New(c sources.Config, deps sources.Deps) (*Source, error) {
	set, err := parseSettings(c.Settings)
	if err != nil {
		return nil, fmt.Errorf("dir source %q: %w", c.Label, err)
	}
	for _, d := range []string{DoneDir, FailedDir, progressDir} {
		if err := os.MkdirAll(filepath.Join(set.Path, d), 0o755); err != nil {
			return nil, fmt.Errorf("dir source %q: %w", c.Label, err)
		}
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{
		id: c.ID, label: c.Label, set: set,
		log:       log.With("source", c.Label, "source_id", c.ID, "kind", Kind, "path", set.Path),
		now:       time.Now,
		stableFor: set.stableFor(),
		seen:      map[string]*candidate{},
		stuck:     map[string]fileID{},
		done:      filesTotal.WithLabelValues(c.Label, "done"),
		failed:    filesTotal.WithLabelValues(c.Label, "failed"),
		bytes:     fileBytesTotal.WithLabelValues(c.Label),
	}, nil
}

// Run scans the directory every poll interval until ctx is cancelled. A file being
// published when ctx ends stops between two parts; it is resumed by the next Run.
func (s *Source) Run(ctx context.Context, pub sources.Publisher, rep sources.Reporter) error {
	h := sources.NewHealth(rep, s.now)
	t := time.NewTicker(s.set.pollInterval())
	defer t.Stop()
	for {
		s.scan(ctx, pub, h)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// scan lists the directory once and handles the files that are stable.
func (s *Source) scan(ctx context.Context, pub sources.Publisher, h *sources.Health) {
	entries, err := os.ReadDir(s.set.Path)
	if err != nil {
		if h.Fail(fmt.Errorf("dir: list %s: %w", s.set.Path, err)) {
			s.log.Warn("dir source: cannot list the directory", "error", err)
		}
		return
	}
	now := s.now()
	present := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || ignored(name) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // gone since the listing
		}
		present[name] = true
		if id, ok := s.stuck[name]; ok && id == identity(fi) {
			continue
		}
		c := s.seen[name]
		if c == nil || c.size != fi.Size() || !c.mtime.Equal(fi.ModTime()) {
			s.seen[name] = &candidate{size: fi.Size(), mtime: fi.ModTime(), since: now, seen: 1}
			continue
		}
		c.seen++
		if now.Sub(c.since) < s.stableFor {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if s.file(ctx, name, pub, h) {
			delete(s.seen, name)
		}
	}
	for name := range s.seen {
		if !present[name] {
			delete(s.seen, name)
		}
	}
	for name := range s.stuck {
		if !present[name] {
			delete(s.stuck, name)
		}
	}
}

// fileID identifies one version of a file: what a DedupID and the journal are keyed on.
type fileID string

func identity(fi fs.FileInfo) fileID {
	var dev, ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		dev, ino = uint64(st.Dev), st.Ino
	}
	return fileID(fmt.Sprintf("%x-%x-%d-%d", dev, ino, fi.Size(), fi.ModTime().UnixNano()))
}

// progress is a file's journal entry: how many of its parts are durable in the queue.
type progress struct {
	Name      string `json:"name"`
	Published int    `json:"published"`
	Complete  bool   `json:"complete"`
}

func (s *Source) journal(id fileID) string {
	return filepath.Join(s.set.Path, progressDir, s.id+"-"+string(id)+".json")
}

func (s *Source) readProgress(id fileID) progress {
	var p progress
	if b, err := os.ReadFile(s.journal(id)); err == nil {
		_ = json.Unmarshal(b, &p) // a torn entry reads as no progress: dedup covers it
	}
	return p
}

func (s *Source) writeProgress(id fileID, p progress) error {
	b, _ := json.Marshal(p)
	path := s.journal(id)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// file publishes one stable file and moves it to done/ (or failed/). It reports whether
// the file is finished with; false means it stays to be tried again on a later scan.
func (s *Source) file(ctx context.Context, name string, pub sources.Publisher, h *sources.Health) bool {
	path := filepath.Join(s.set.Path, name)
	log := s.log.With("file", name)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return true
		}
		s.fail(name, fmt.Errorf("open: %w", err), log, h)
		return true
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.fail(name, fmt.Errorf("stat: %w", err), log, h)
		return true
	}
	id := identity(fi)
	prog := s.readProgress(id)
	prog.Name = name
	if !prog.Complete {
		opts := parts.ForPublisher(s.parts, pub)
		opts.FirstPart = prog.Published
		base := s.id + "/" + string(id)
		st, err := parts.Split(f, opts, func(p *sources.Payload) error {
			p.SourceID, p.Name, p.DedupID = s.id, path, base+"/"+strconv.Itoa(p.Part)
			if err := s.publish(ctx, pub, p, h); err != nil {
				return err
			}
			prog.Published = p.Part + 1
			if err := s.writeProgress(id, prog); err != nil {
				log.Warn("dir source: cannot write the journal; a restart relies on the queue's dedup", "error", err)
			}
			return nil
		})
		s.bytes.Add(float64(st.Bytes))
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return false
		case parts.Permanent(err) || !errors.Is(err, errPublish):
			s.fail(name, err, log, h)
			s.dropProgress(id)
			return true
		default:
			// The queue failed: try the file again on a later scan, from where it stopped.
			if h.Fail(fmt.Errorf("dir: %s: %w", name, err)) {
				log.Warn("dir source: publishing failed; the file is tried again", "error", err)
			}
			return false
		}
		prog.Complete = true
		if err := s.writeProgress(id, prog); err != nil {
			log.Warn("dir source: cannot write the journal", "error", err)
		}
		log.Debug("dir source: file published", "parts", st.Parts, "records", st.Records, "bytes", st.Bytes, "compression", st.Compression)
	}
	if _, err := moveAside(path, filepath.Join(s.set.Path, DoneDir), name); err != nil {
		// Published but not movable: remember it so that it is not read again, and say so.
		s.stuck[name] = id
		h.Fail(fmt.Errorf("dir: %s was published but cannot be moved to %s/: %w", name, DoneDir, err))
		log.Warn("dir source: cannot move a published file to done/", "error", err)
		return true
	}
	s.dropProgress(id)
	s.done.Inc()
	h.OK()
	return true
}

// errPublish marks errors of publishing (as opposed to reading the file).
var errPublish = errors.New("publish")

// publish publishes one part, waiting while the queue pushes back.
func (s *Source) publish(ctx context.Context, pub sources.Publisher, p *sources.Payload, h *sources.Health) error {
	backoff := 50 * time.Millisecond
	for {
		err := pub.Publish(ctx, p)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sources.ErrBackpressure) || ctx.Err() != nil {
			return fmt.Errorf("%w part %d: %w", errPublish, p.Part, err)
		}
		if !sources.Sleep(ctx, backoff) {
			return fmt.Errorf("%w part %d: %w", errPublish, p.Part, ctx.Err())
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (s *Source) dropProgress(id fileID) {
	os.Remove(s.journal(id))
}

// fail moves a file that cannot be read to failed/ with a .reason file.
func (s *Source) fail(name string, err error, log *slog.Logger, h *sources.Health) {
	s.failed.Inc()
	h.Fail(fmt.Errorf("dir: %s moved to %s/: %w", name, FailedDir, err))
	log.Warn("dir source: file failed", "error", err)
	dst, merr := moveAside(filepath.Join(s.set.Path, name), filepath.Join(s.set.Path, FailedDir), name)
	if merr != nil {
		log.Warn("dir source: cannot move a failed file to failed/", "error", merr)
		return
	}
	reason := fmt.Sprintf("%s: %v\n", s.now().UTC().Format(time.RFC3339), err)
	if werr := os.WriteFile(dst+".reason", []byte(reason), 0o644); werr != nil {
		log.Warn("dir source: cannot write the .reason file", "error", werr)
	}
}

// moveAside renames path into dir under name, or name.1, name.2... when taken, and
// returns the new path.
func moveAside(path, dir, name string) (string, error) {
	dst := filepath.Join(dir, name)
	for i := 1; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		}
		if i > 10000 {
			return "", fmt.Errorf("too many files named %s in %s", name, dir)
		}
		dst = filepath.Join(dir, name+"."+strconv.Itoa(i))
	}
	return dst, os.Rename(path, dst)
}
