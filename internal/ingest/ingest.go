// Package ingest is the log processing pipeline: it reads files (any compression), frames
// them into records, classifies and decodes each record, normalizes the events (p_ fields) and
// hands them in batches to sinks (the lake writer, the detection engine). Records no log type
// accepts are quarantined with their reasons; nothing is dropped.
//
// Files are parsed concurrently, one goroutine per file up to Options.Workers; batches go
// through bounded channels to one goroutine per sink, in order, so a sink needs no locking (it
// is called from one goroutine), sinks overlap on consecutive batches, and memory stays bounded
// by the number of batches in flight.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pantherlabs/panther/internal/classify"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/rowid"
)

// Options configure a pipeline.
type Options struct {
	Types       []*logtypes.LogType // the log types records may have; must not be empty
	SourceID    string
	SourceLabel string
	Sinks       []Sink
	Workers     int // files parsed at once; default GOMAXPROCS
	BatchEvents int // events per batch; default 256
	// MaxRecordBytes bounds one record; longer records are quarantined truncated.
	MaxRecordBytes int
	Now            func() time.Time
	RowIDs         *rowid.Generator
	Stdin          io.Reader // read for the path "-"
}

// TypeStats counts what one log type received.
type TypeStats struct {
	Events int64
	Bytes  int64
}

// Stats summarizes a run.
type Stats struct {
	Files       int
	InputBytes  int64 // decompressed bytes read
	Types       map[string]*TypeStats
	Quarantined int64
	// FileErrors are hard errors of single files (unreadable, corrupt compression); the
	// records read before the error were processed.
	FileErrors []error
}

// Progress is a snapshot of a running pipeline, safe to read from any goroutine.
type Progress struct {
	Bytes       atomic.Int64
	Events      atomic.Int64
	Quarantined atomic.Int64
	Files       atomic.Int64
}

// Pipeline runs ingestion.
type Pipeline struct {
	opts     Options
	Progress Progress
	free     chan *Batch
}

// New validates o and returns a pipeline.
func New(o Options) (*Pipeline, error) {
	if len(o.Types) == 0 {
		return nil, errors.New("ingest: no log types enabled")
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BatchEvents <= 0 {
		o.BatchEvents = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RowIDs == nil {
		o.RowIDs = rowid.New(o.Now())
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	nb := 2*o.Workers + 2
	p := &Pipeline{opts: o, free: make(chan *Batch, nb)}
	for i := 0; i < nb; i++ {
		p.free <- newBatch()
	}
	return p, nil
}

// Run ingests the files at paths ("-" is standard input). It returns the statistics and a hard
// error that stopped the run (a sink failed, e.g. the disk is full). Errors of single files do
// not stop the run; they are in Stats.FileErrors.
func (p *Pipeline) Run(ctx context.Context, paths []string) (*Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *Batch, cap(p.free))
	stats := &Stats{Types: make(map[string]*TypeStats)}

	// Each sink runs in its own goroutine: a batch goes through the sinks in order, so the lake
	// can write one batch while the detections of the previous one run. The last stage counts
	// the batch and recycles it. After a sink fails, batches still flow (and are recycled)
	// but no sink sees them.
	var (
		errMu   sync.Mutex
		sinkErr error
	)
	failed := func() bool {
		errMu.Lock()
		defer errMu.Unlock()
		return sinkErr != nil
	}
	in := full
	var stages sync.WaitGroup
	for _, s := range p.opts.Sinks {
		out := make(chan *Batch, cap(p.free))
		stages.Add(1)
		go func(s Sink, in <-chan *Batch, out chan<- *Batch) {
			defer stages.Done()
			defer close(out)
			for b := range in {
				if !failed() {
					if err := s.Consume(b); err != nil {
						errMu.Lock()
						if sinkErr == nil {
							sinkErr = err
						}
						errMu.Unlock()
						cancel()
					}
				}
				out <- b
			}
		}(s, in, out)
		in = out
	}
	consumerDone := make(chan struct{})
	go func(in <-chan *Batch) {
		defer close(consumerDone)
		for b := range in {
			if !failed() {
				for lt, n := range b.Bytes {
					ts := stats.Types[lt]
					if ts == nil {
						ts = &TypeStats{}
						stats.Types[lt] = ts
					}
					ts.Bytes += n
				}
				for _, ev := range b.Events {
					stats.Types[ev.LogType.Name].Events++
				}
				stats.Quarantined += int64(len(b.Quarantine))
			}
			b.reset()
			p.free <- b
		}
	}(in)

	// Producers: one goroutine per file, at most Workers at once.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		inBytes  int64
		fileErrs = make([]error, len(paths))
		sem      = make(chan struct{}, p.opts.Workers)
	)
	for i, path := range paths {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			n, err := p.file(ctx, path, full)
			mu.Lock()
			inBytes += n
			mu.Unlock()
			fileErrs[i] = err
			p.Progress.Files.Add(1)
		}()
	}
	wg.Wait()
	close(full)
	stages.Wait()
	<-consumerDone

	stats.Files = len(paths)
	stats.InputBytes = inBytes
	for _, err := range fileErrs {
		if err != nil && !errors.Is(err, context.Canceled) {
			stats.FileErrors = append(stats.FileErrors, err)
		}
	}
	errMu.Lock()
	defer errMu.Unlock()
	if sinkErr != nil {
		return stats, sinkErr
	}
	return stats, ctx.Err()
}

// file parses one file into batches sent to full. It returns the bytes read.
func (p *Pipeline) file(ctx context.Context, path string, full chan<- *Batch) (int64, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = p.opts.Stdin, "<stdin>"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		r = f
	}
	dr, _, err := input.Decompress(r)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	defer dr.Close()
	rd := input.NewReader(dr, input.Options{MaxRecordBytes: p.opts.MaxRecordBytes})

	var b *Batch
	get := func() error {
		select {
		case b = <-p.free:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := get(); err != nil {
		return 0, err
	}
	dec := &decode.Decoder{Arena: &b.Arena}
	cls := classify.New(p.opts.Types, dec)
	var scratch []byte
	var lastBytes int64
	send := func() error {
		n := rd.BytesRead()
		p.Progress.Bytes.Add(n - lastBytes)
		lastBytes = n
		select {
		case full <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := get(); err != nil {
			return err
		}
		dec.Arena = &b.Arena
		return nil
	}
	var readErr error
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = fmt.Errorf("%s: %w", name, err)
			break
		}
		if rec.TooLong {
			p.quarantine(b, &rec, name, []lake.Reason{{Error: fmt.Sprintf("record of %d bytes exceeds the maximum of %d bytes; the first %d bytes are kept", rec.Size, p.maxRecord(), len(rec.Data))}})
		} else if res, fail := cls.Classify(&rec); fail != nil {
			reasons := make([]lake.Reason, len(fail.Reasons))
			for i, r := range fail.Reasons {
				reasons[i] = lake.Reason{LogType: r.LogType, Error: r.Err}
			}
			p.quarantine(b, &rec, name, reasons)
		} else if res.OK {
			scratch = p.finish(b, dec, &res, scratch)
			b.Events[len(b.Events)-1].Line = int64(rec.Line)
			b.Bytes[res.LogType.Name] += int64(len(rec.Data))
			p.Progress.Events.Add(1)
		}
		if len(b.Events)+len(b.Quarantine) >= p.opts.BatchEvents {
			if err := send(); err != nil {
				return rd.BytesRead(), err
			}
		}
	}
	n := rd.BytesRead()
	p.Progress.Bytes.Add(n - lastBytes)
	if len(b.Events)+len(b.Quarantine) > 0 {
		select {
		case full <- b:
		case <-ctx.Done():
			p.free <- b
			return n, ctx.Err()
		}
	} else {
		b.reset()
		p.free <- b
	}
	return n, readErr
}

func (p *Pipeline) maxRecord() int {
	if p.opts.MaxRecordBytes > 0 {
		return p.opts.MaxRecordBytes
	}
	return input.DefaultMaxRecordBytes
}

// finish normalizes a decoded record into a new event of b.
func (p *Pipeline) finish(b *Batch, dec *decode.Decoder, res *classify.Result, scratch []byte) []byte {
	ev := b.add()
	ev.LogType = res.LogType.LogType
	ev.Root = res.Root
	ev.ParseTime = p.opts.Now().UnixNano()
	if t, ok := decode.EventTime(res.LogType.LogType, &ev.Root); ok {
		ev.EventTime = t
	} else {
		ev.EventTime = ev.ParseTime
	}
	scratch = p.opts.RowIDs.Append(scratch[:0])
	ev.RowID = b.Arena.Copy(scratch)
	ev.SourceID = p.opts.SourceID
	ev.SourceLabel = p.opts.SourceLabel
	setIndicators(ev, &dec.Indicators, &b.Arena)
	ev.ParseWarnings = dec.Warnings()
	return scratch
}

// setIndicators copies the indicators collected while decoding into the event.
func setIndicators(ev *event.Event, set *indicators.Set, a *event.Arena) {
	for i, k := range indicators.Kinds {
		vals := set.Values(k)
		if len(vals) == 0 {
			continue
		}
		out := a.Strings(len(vals))
		for j, v := range vals {
			out[j] = a.CopyString(v)
		}
		ev.Indicators[i] = out
	}
}

func (p *Pipeline) quarantine(b *Batch, rec *input.Record, file string, reasons []lake.Reason) {
	raw := b.Arena.Bytes(len(rec.Data))
	copy(raw, rec.Data)
	size := rec.Size
	if size < int64(len(rec.Data)) {
		size = int64(len(rec.Data))
	}
	var row []byte
	row = p.opts.RowIDs.Append(row)
	b.Quarantine = append(b.Quarantine, lake.Quarantined{
		Raw:         raw,
		Size:        size,
		Truncated:   rec.TooLong,
		File:        file,
		Line:        int64(rec.Line),
		Offset:      rec.Offset,
		SourceID:    p.opts.SourceID,
		SourceLabel: p.opts.SourceLabel,
		Reasons:     reasons,
		Time:        p.opts.Now().UnixNano(),
		RowID:       string(row),
	})
	p.Progress.Quarantined.Add(1)
}

// SortedTypes returns the names of the log types in s, sorted.
func (s *Stats) SortedTypes() []string {
	names := make([]string, 0, len(s.Types))
	for n := range s.Types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
