// Package ingest is the log processing pipeline: it frames inputs (files of any compression,
// or payloads of live sources) into records, classifies and decodes each record, normalizes
// the events (p_ fields) and hands them in batches to sinks (the lake writer, the detection
// engine). Records no log type accepts are quarantined with their reasons; nothing is dropped.
//
// A Pipeline runs as long as its owner wants: Start it, Submit inputs, Close it. Inputs are
// parsed concurrently, one at a time per worker (Options.Workers); batches go through bounded
// channels to one goroutine per sink, in order, so a sink needs no locking (it is called from
// one goroutine), sinks overlap on consecutive batches, and memory stays bounded by the number
// of batches in flight. An input's Done runs once every batch of it went through every sink:
// the live server uses that to know what a checkpoint covers. Run is the batch form over files.
package ingest

import (
	"bytes"
	"context"
	"encoding/json"
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
	// Types are the log types records may have when an input names none; must not be empty.
	Types []*logtypes.LogType
	// SourceID and SourceLabel are stamped on the events of inputs that name no source.
	SourceID    string
	SourceLabel string
	Sinks       []Sink
	Workers     int // inputs parsed at once; default GOMAXPROCS
	BatchEvents int // events per batch; default 256
	// MaxRecordBytes bounds one record; longer records are quarantined truncated.
	MaxRecordBytes int
	Now            func() time.Time
	RowIDs         *rowid.Generator
	Stdin          io.Reader // read for the path "-"
}

// An Input is one unit of records: a file, or a payload a live source accepted.
type Input struct {
	// Name is where the records come from (a path, s3://bucket/key, "http"): the "file" of
	// quarantined records and of errors.
	Name string
	// Exactly one of Open and Records is set. Open opens a stream framed like a file (NDJSON,
	// JSON array, CloudTrail Records, text lines; plain or compressed); it is called by the
	// worker that parses the input. Records are records already framed.
	Open    func() (io.ReadCloser, error)
	Records [][]byte
	// Cut marks the Records their source cut at a size limit: they are quarantined, with
	// their first bytes, as too long.
	Cut []Cut
	// Header, when set, is given to the parsers before the records (the CSV header of a part
	// of an object); it is not an event itself, and it is not quarantined.
	Header []byte
	// SourceID, SourceLabel and SourceAddress are stamped on the events; an empty SourceID and
	// SourceLabel mean Options.SourceID and Options.SourceLabel.
	SourceID, SourceLabel, SourceAddress string
	// Types are the log types allowed for this input; nil means Options.Types.
	Types []*logtypes.LogType
	// Done, when set, is called once with what the input produced, after every batch of it
	// went through every sink (or the pipeline failed). It runs on a pipeline goroutine: it
	// must be quick and must not call Submit.
	Done func(*InputStats)
}

// Cut marks Records[Index] as the first bytes of a record of Size bytes.
type Cut struct {
	Index int
	Size  int64
}

// TypeStats counts what one log type received.
type TypeStats struct {
	Events int64
	Bytes  int64
}

// InputStats is what one input produced.
type InputStats struct {
	Input *Input
	Bytes int64 // decompressed bytes read
	Types map[string]*TypeStats
	// Quarantined counts the records no type accepted, QuarantinedBytes their size.
	Quarantined      int64
	QuarantinedBytes int64
	// Err is a hard error of the input (unreadable, corrupt compression); the records read
	// before it were processed.
	Err error
	// SinkErr is set when a sink failed while the input was in the pipeline: what it produced
	// may not be stored.
	SinkErr error
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
	Files       atomic.Int64 // inputs done
}

// Pipeline runs ingestion.
type Pipeline struct {
	opts     Options
	Progress Progress
	free     chan *Batch

	ctx    context.Context // cancelled when a sink fails or the pipeline is closed
	cancel context.CancelFunc
	jobs   chan *job
	full   chan *Batch
	// workers and stages are the goroutines of a started pipeline.
	workers sync.WaitGroup
	stages  sync.WaitGroup
	started bool
	closed  bool
	mu      sync.Mutex // guards started, closed and sinkErr
	sinkErr error
}

// job is an input in the pipeline.
type job struct {
	in    *Input
	stats InputStats
	// pending counts the batches of the input in flight, plus one while it is being parsed.
	pending atomic.Int32
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

// Start starts the workers and the sink stages. Cancelling ctx stops the pipeline: inputs
// in flight end early (their Done still runs).
func (p *Pipeline) Start(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return
	}
	p.started = true
	p.ctx, p.cancel = context.WithCancel(ctx)
	p.jobs = make(chan *job)
	p.full = make(chan *Batch, cap(p.free))

	// Each sink runs in its own goroutine: a batch goes through the sinks in order, so the lake
	// can write one batch while the detections of the previous one run. The last stage counts
	// the batch and recycles it. After a sink fails, batches still flow (and are recycled)
	// but no sink sees them.
	in := p.full
	for _, s := range p.opts.Sinks {
		out := make(chan *Batch, cap(p.free))
		p.stages.Add(1)
		go func(s Sink, in <-chan *Batch, out chan<- *Batch) {
			defer p.stages.Done()
			defer close(out)
			for b := range in {
				if p.Err() == nil {
					if err := s.Consume(b); err != nil {
						p.fail(err)
					}
				}
				out <- b
			}
		}(s, in, out)
		in = out
	}
	p.stages.Add(1)
	go func(in <-chan *Batch) {
		defer p.stages.Done()
		for b := range in {
			j := b.job
			for lt, n := range b.Bytes {
				ts := j.stats.Types[lt]
				if ts == nil {
					ts = &TypeStats{}
					j.stats.Types[lt] = ts
				}
				ts.Bytes += n
			}
			for _, ev := range b.Events {
				j.stats.Types[ev.LogType.Name].Events++
			}
			j.stats.Quarantined += int64(len(b.Quarantine))
			for i := range b.Quarantine {
				j.stats.QuarantinedBytes += b.Quarantine[i].Size
			}
			b.reset()
			p.free <- b
			p.release(j)
		}
	}(in)

	for i := 0; i < p.opts.Workers; i++ {
		p.workers.Add(1)
		go func() {
			defer p.workers.Done()
			for j := range p.jobs {
				p.parse(j)
				p.release(j)
			}
		}()
	}
}

// Submit hands an input to the pipeline, waiting while every worker is busy. It returns an
// error (and in.Done is not called) when ctx ends first, the pipeline failed or is closed.
func (p *Pipeline) Submit(ctx context.Context, in *Input) error {
	if (in.Open == nil) == (in.Records == nil) {
		return fmt.Errorf("ingest: input %q: exactly one of Open and Records must be set", in.Name)
	}
	p.mu.Lock()
	started, closed, failed := p.started, p.closed, p.sinkErr
	p.mu.Unlock()
	switch {
	case !started:
		return errors.New("ingest: pipeline not started")
	case closed:
		return errors.New("ingest: pipeline closed")
	case failed != nil:
		return failed
	}
	j := &job{in: in, stats: InputStats{Input: in, Types: make(map[string]*TypeStats)}}
	j.pending.Store(1)
	select {
	case p.jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.ctx.Done():
		if err := p.Err(); err != nil {
			return err
		}
		return p.ctx.Err()
	}
}

// Close waits for the inputs submitted to go through and stops the pipeline. It returns the
// error of a sink that failed. Submit must not be called during or after Close.
func (p *Pipeline) Close() error {
	p.mu.Lock()
	if !p.started || p.closed {
		p.mu.Unlock()
		return p.Err()
	}
	p.closed = true
	p.mu.Unlock()
	close(p.jobs)
	p.workers.Wait()
	close(p.full)
	p.stages.Wait()
	p.cancel()
	return p.Err()
}

// Err returns the error of the sink that failed, if any.
func (p *Pipeline) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sinkErr
}

func (p *Pipeline) fail(err error) {
	p.mu.Lock()
	if p.sinkErr == nil {
		p.sinkErr = err
	}
	p.mu.Unlock()
	p.cancel()
}

// release drops one pending reference of j and reports it done after the last.
func (p *Pipeline) release(j *job) {
	if j.pending.Add(-1) != 0 {
		return
	}
	j.stats.SinkErr = p.Err()
	p.Progress.Files.Add(1)
	if j.in.Done != nil {
		j.in.Done(&j.stats)
	}
}

// Run ingests the files at paths ("-" is standard input). It returns the statistics and a hard
// error that stopped the run (a sink failed, e.g. the disk is full). Errors of single files do
// not stop the run; they are in Stats.FileErrors.
func (p *Pipeline) Run(ctx context.Context, paths []string) (*Stats, error) {
	stats := &Stats{Types: make(map[string]*TypeStats), Files: len(paths)}
	var mu sync.Mutex
	fileErrs := make([]error, len(paths))
	p.Start(ctx)
	var submitErr error
	for i, path := range paths {
		in := &Input{Name: path, Open: p.opener(path), Done: func(s *InputStats) {
			mu.Lock()
			defer mu.Unlock()
			stats.InputBytes += s.Bytes
			for lt, ts := range s.Types {
				all := stats.Types[lt]
				if all == nil {
					all = &TypeStats{}
					stats.Types[lt] = all
				}
				all.Events += ts.Events
				all.Bytes += ts.Bytes
			}
			stats.Quarantined += s.Quarantined
			fileErrs[i] = s.Err
		}}
		if path == "-" {
			in.Name = "<stdin>"
		}
		if err := p.Submit(ctx, in); err != nil {
			submitErr = err
			break
		}
	}
	sinkErr := p.Close()
	for _, err := range fileErrs {
		if err != nil && !errors.Is(err, context.Canceled) {
			stats.FileErrors = append(stats.FileErrors, err)
		}
	}
	if sinkErr != nil {
		return stats, sinkErr
	}
	if submitErr != nil {
		return stats, submitErr
	}
	return stats, ctx.Err()
}

func (p *Pipeline) opener(path string) func() (io.ReadCloser, error) {
	if path == "-" {
		return func() (io.ReadCloser, error) { return io.NopCloser(p.opts.Stdin), nil }
	}
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// records is what parse reads records from: a framing reader, or records already framed.
type records interface {
	Next() (input.Record, error)
	BytesRead() int64
}

// framed iterates over records already framed.
type framed struct {
	recs [][]byte
	cut  map[int]int64 // index -> full size of records cut by the source
	i    int
	n    int64
	off  int64
}

func (f *framed) Next() (input.Record, error) {
	if f.i == len(f.recs) {
		return input.Record{}, io.EOF
	}
	data := bytes.TrimSpace(f.recs[f.i])
	f.i++
	rec := input.Record{Data: data, Line: f.i, Offset: f.off, Size: int64(len(data))}
	if size, cut := f.cut[f.i-1]; cut {
		rec.TooLong, rec.Size = true, max(size, rec.Size)
	} else {
		rec.JSON = isJSON(data)
	}
	f.off += int64(len(f.recs[f.i-1])) + 1
	f.n += int64(len(f.recs[f.i-1]))
	return rec, nil
}

func (f *framed) BytesRead() int64 { return f.n }

// isJSON reports whether a record framed by a source is one JSON object or array, as the
// framing reader would have found.
func isJSON(b []byte) bool {
	return len(b) > 0 && (b[0] == '{' || b[0] == '[') && json.Valid(b)
}

// parse parses one input into batches sent to the sink stages; it records the bytes read and
// a hard error of the input in j.stats.
func (p *Pipeline) parse(j *job) {
	in := j.in
	ctx := p.ctx
	var rd records
	maxRecord := p.maxRecord()
	if in.Records != nil {
		fr := &framed{recs: in.Records}
		if len(in.Cut) > 0 {
			fr.cut = make(map[int]int64, len(in.Cut))
			for _, c := range in.Cut {
				fr.cut[c.Index] = c.Size
			}
		}
		rd = fr
	} else {
		f, err := in.Open()
		if err != nil {
			j.stats.Err = err
			return
		}
		defer f.Close()
		dr, _, err := input.Decompress(f)
		if err != nil {
			j.stats.Err = fmt.Errorf("%s: %w", in.Name, err)
			return
		}
		defer dr.Close()
		// CloudWatch Logs subscription messages (Firehose deliveries to S3) hold the records.
		env := input.NewEnvelopes(input.NewReader(dr, input.Options{MaxRecordBytes: p.opts.MaxRecordBytes}))
		env.Name = in.Name // named in the reasons of records it could not read
		rd = env
	}
	types := in.Types
	if types == nil {
		types = p.opts.Types
	}
	src := source{id: in.SourceID, label: in.SourceLabel, address: in.SourceAddress}
	if src.id == "" && src.label == "" {
		src.id, src.label = p.opts.SourceID, p.opts.SourceLabel
	}

	var b *Batch
	get := func() bool {
		select {
		case b = <-p.free:
			b.job = j
			j.pending.Add(1)
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !get() {
		return
	}
	dec := &decode.Decoder{Arena: &b.Arena}
	cls := classify.New(types, dec)
	if len(in.Header) > 0 {
		// The header primes the parsers (a CSV header); whatever it decodes to is not kept.
		hdr := input.Record{Data: bytes.TrimSpace(in.Header), Line: 0, Size: int64(len(in.Header))}
		hdr.JSON = isJSON(hdr.Data)
		mark := b.Arena.Mark()
		cls.Classify(&hdr)
		b.Arena.Rollback(mark)
	}
	var scratch []byte
	var lastBytes int64
	// put hands b to the sinks, or back to the free list when it is empty.
	put := func() bool {
		n := rd.BytesRead()
		p.Progress.Bytes.Add(n - lastBytes)
		lastBytes = n
		if len(b.Events)+len(b.Quarantine) == 0 {
			b.reset()
			p.free <- b
			p.release(j)
			return true
		}
		select {
		case p.full <- b:
			return true
		case <-ctx.Done():
			b.reset()
			p.free <- b
			p.release(j)
			return false
		}
	}
	// The stream classifies the records and joins the lines of multi-line records.
	st := classify.NewStream(cls, rd)
	st.MaxBytes = maxRecord
	for {
		it, err := st.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			j.stats.Err = fmt.Errorf("%s: %w", in.Name, err)
			break
		}
		rec := &it.Rec
		switch {
		case !it.Classified && rec.TooLong:
			msg := fmt.Sprintf("record of %d bytes exceeds the maximum of %d bytes; the first %d bytes are kept", rec.Size, maxRecord, len(rec.Data))
			if in.Records != nil {
				msg = fmt.Sprintf("record of %d bytes was cut by its source at its size limit; the first %d bytes are kept", rec.Size, len(rec.Data))
			}
			p.quarantine(b, rec, in.Name, src, []lake.Reason{{Error: msg}})
		case !it.Classified:
			// A record framed by a source over the limit: keep its head, as the framing reader does.
			rec.Size, rec.TooLong = int64(len(rec.Data)), true
			rec.Data = rec.Data[:min(len(rec.Data), input.DefaultKeepBytes)]
			p.quarantine(b, rec, in.Name, src, []lake.Reason{{Error: fmt.Sprintf("record of %d bytes exceeds the maximum of %d bytes; the first %d bytes are kept", rec.Size, maxRecord, len(rec.Data))}})
		case it.Fail != nil:
			reasons := make([]lake.Reason, len(it.Fail.Reasons))
			for i, r := range it.Fail.Reasons {
				reasons[i] = lake.Reason{LogType: r.LogType, Error: r.Err}
			}
			p.quarantine(b, rec, in.Name, src, reasons)
		case it.Res.OK:
			scratch = p.finish(b, dec, &it.Res, src, scratch)
			b.Events[len(b.Events)-1].Line = int64(rec.Line)
			b.Bytes[it.Res.LogType.Name] += int64(len(rec.Data))
			p.Progress.Events.Add(1)
		}
		if len(b.Events)+len(b.Quarantine) >= p.opts.BatchEvents {
			if !put() || !get() {
				j.stats.Bytes = rd.BytesRead()
				return
			}
			dec.Arena = &b.Arena
		}
	}
	put()
	j.stats.Bytes = rd.BytesRead()
}

func (p *Pipeline) maxRecord() int {
	if p.opts.MaxRecordBytes > 0 {
		return p.opts.MaxRecordBytes
	}
	return input.DefaultMaxRecordBytes
}

// source is what is stamped on the events of an input.
type source struct{ id, label, address string }

// finish normalizes a decoded record into a new event of b.
func (p *Pipeline) finish(b *Batch, dec *decode.Decoder, res *classify.Result, src source, scratch []byte) []byte {
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
	ev.SourceID = src.id
	ev.SourceLabel = src.label
	ev.SourceAddress = src.address
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

func (p *Pipeline) quarantine(b *Batch, rec *input.Record, file string, src source, reasons []lake.Reason) {
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
		SourceID:    src.id,
		SourceLabel: src.label,
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
