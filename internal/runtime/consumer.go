package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/ingestmetrics"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/opsmetrics"
	"github.com/pantherlabs/panther/internal/queue"
	"github.com/pantherlabs/panther/internal/sources"
)

// The consumer takes payloads from the queue in stream order, hands them to the pipeline and
// makes its output durable in checkpoints, so that every payload's events are in the lake
// exactly once whatever happens:
//
//  1. Payloads are submitted in order; the highest sequence submitted is remembered.
//  2. A checkpoint (every lake.flush_interval, after lake.flush_bytes of input, before a
//     reload and at shutdown) waits until every payload submitted went through every sink
//     (the barrier), finishes the lake files under temporary names and syncs them, then
//     commits ONE state transaction: the sequence covered, the list of files to rename, and
//     the source counts and ingestion series of the payloads covered. Then it renames the
//     files, marks the checkpoint done and purges the queue up to the sequence.
//  3. On start (or after a failure) it finishes the renames of a checkpoint that was
//     interrupted, deletes the files of work after it, and reads from the next sequence: what
//     was processed after the last checkpoint is processed again, into new files.
//
// Alerts are recorded as matches happen, before the lake files: the alert store counts a
// match once per event content, so the replay after a crash raises nothing twice.
type consumer struct {
	log      *slog.Logger
	q        *queue.Queue
	st       *State
	ck       *checkpoints
	series   *ingestmetrics.Store
	metrics  *opsmetrics.Metrics
	lakeDir  string
	interval time.Duration
	flushAt  int64 // input bytes that trigger a checkpoint
	// drainTimeout bounds the drain of the queue at shutdown.
	drainTimeout time.Duration
	now          func() time.Time
	newPipe      func(dets *Detections, types []*logtypes.LogType) (*Pipeline, error)

	// Owned by the loop goroutine.
	writers        LakeWriters
	pipe           *Pipeline
	dets           *Detections
	types          []*logtypes.LogType
	srcs           map[string]sourceInfo
	stream         string
	seq            uint64 // covered by the last checkpoint
	submitted      uint64 // highest sequence submitted to the pipeline
	lastCheckpoint time.Time
	bytesSince     int64

	// Written by the pipeline's Done callbacks.
	mu          sync.Mutex
	idle        *sync.Cond // signalled when outstanding drops to 0
	outstanding int
	counts      map[countKey]*sources.Counts
	points      map[pointKey]*ingestmetrics.Point
	failErr     error
	failed      chan struct{} // closed on the first failure of a pipeline generation

	requests chan barrierRequest

	// healthErr is the last failure, cleared by the next checkpoint that succeeds.
	healthMu  sync.Mutex
	healthErr error
	ckSeq     uint64 // c.seq, readable from other goroutines
	// processed is the sequence of the last payload whose processing finished (for the queue
	// depth and the age of the oldest unprocessed payload).
	processedMu sync.Mutex
	processed   uint64
}

// sourceInfo is what the consumer stamps on a source's events and which types it allows.
type sourceInfo struct {
	label string
	types []*logtypes.LogType // nil: every type
}

type countKey struct{ source, logType string }

type pointKey struct {
	minute          int64
	source, logType string
}

type barrierRequest struct {
	fn   func() error
	done chan error
}

func (c *consumer) init() {
	c.idle = sync.NewCond(&c.mu)
	c.requests = make(chan barrierRequest)
	c.resetCounts()
	c.failed = make(chan struct{})
}

func (c *consumer) resetCounts() {
	c.mu.Lock()
	c.counts = map[countKey]*sources.Counts{}
	c.points = map[pointKey]*ingestmetrics.Point{}
	c.mu.Unlock()
}

// start recovers from the last checkpoint and builds the first pipeline.
func (c *consumer) start(ctx context.Context) error {
	c.init()
	ck, removed, err := c.ck.recover(ctx, c.lakeDir, true)
	if err != nil {
		return err
	}
	if removed > 0 {
		c.log.Info("removed lake files of work after the last checkpoint; it is replayed from the queue", "files", removed)
	}
	if ck.Stream != "" && ck.Stream != c.stream {
		c.log.Warn("the queue is a new stream: reading it from its start", "checkpoint_stream", ck.Stream, "stream", c.stream)
		ck.Seq = 0
	}
	c.seq, c.submitted = ck.Seq, ck.Seq
	c.processed = ck.Seq
	c.setHealth(nil)
	if err := c.q.Purge(ctx, c.seq); err != nil {
		c.log.Warn("purging checkpointed payloads", "err", err)
	}
	c.lastCheckpoint = c.now()
	return c.rebuild()
}

// rebuild makes a new pipeline (the writers stay).
func (c *consumer) rebuild() error {
	p, err := c.newPipe(c.dets, c.types)
	if err != nil {
		return err
	}
	p.Start(context.Background())
	c.pipe = p
	return nil
}

// run consumes until ctx is cancelled, then drains, checkpoints and stops the pipeline.
// After a failure (a sink or a checkpoint failed, e.g. the disk is full) it restarts from
// the last checkpoint, with a growing delay.
func (c *consumer) run(ctx context.Context) error {
	delay := time.Second
	for {
		err := c.consume(ctx)
		if ctx.Err() != nil {
			return c.stop()
		}
		c.metrics.PipelineRestarts.Inc()
		c.setHealth(err)
		c.log.Error("the pipeline failed; restarting from the last checkpoint", "err", err, "checkpoint", c.seq, "retry_in", delay)
		if rerr := c.restart(); rerr != nil {
			c.log.Error("restarting the pipeline", "err", rerr)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return c.stop()
		case <-t.C:
		}
		delay = min(2*delay, 30*time.Second)
		if c.seq > 0 && c.now().Sub(c.lastCheckpoint) < time.Minute {
			delay = time.Second // it made progress
		}
	}
}

// consume reads and submits payloads until ctx is cancelled or the pipeline fails. When ctx
// is cancelled (shutdown) it drains first: it goes on until every payload the queue held at
// that moment is submitted, for at most drainTimeout, so that a graceful stop leaves the
// accepted events in the lake rather than in the queue.
func (c *consumer) consume(ctx context.Context) error {
	rctx, cancel := context.WithCancel(context.Background())
	r, err := c.q.Read(rctx, c.submitted+1)
	if err != nil {
		cancel()
		return err
	}
	msgs := make(chan queue.Message)
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			m, err := r.Next(rctx)
			if err != nil {
				readErr <- err
				return
			}
			select {
			case msgs <- m:
			case <-rctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		r.Close()
		wg.Wait()
	}()
	tick := time.NewTicker(min(c.interval/4+time.Millisecond, 250*time.Millisecond))
	defer tick.Stop()
	stop := ctx.Done()
	var target uint64             // while draining: the last sequence to submit
	var deadline <-chan time.Time // while draining
	for {
		select {
		case <-stop:
			stop = nil
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := c.q.Stats(sctx)
			scancel()
			if err != nil || st.LastSeq <= c.submitted || c.drainTimeout <= 0 {
				return ctx.Err()
			}
			target = st.LastSeq
			deadline = time.After(c.drainTimeout)
			c.log.Info("draining the queue before stopping", "payloads", target-c.submitted)
		case <-deadline:
			c.log.Warn("stopping before the queue is drained; the rest is processed at the next start", "left", target-c.submitted)
			return ctx.Err()
		case err := <-readErr:
			return err
		case <-c.failed:
			return c.failure()
		case m := <-msgs:
			if err := c.submit(rctx, m); err != nil {
				return err
			}
			if c.bytesSince >= c.flushAt {
				if err := c.checkpoint(); err != nil {
					return err
				}
			}
			if stop == nil && c.submitted >= target {
				return ctx.Err()
			}
		case <-tick.C:
			if c.submitted > c.seq && c.now().Sub(c.lastCheckpoint) >= c.interval {
				if err := c.checkpoint(); err != nil {
					return err
				}
			}
		case req := <-c.requests:
			err := c.drain()
			if err == nil {
				err = req.fn()
			}
			req.done <- err
		}
	}
}

// atBarrier runs fn in the consumer loop while no payload is in the pipeline (between
// batches): for swapping the detections, the log types and the sources.
func (c *consumer) atBarrier(ctx context.Context, fn func() error) error {
	req := barrierRequest{fn: fn, done: make(chan error, 1)}
	select {
	case c.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// submit hands one payload to the pipeline.
func (c *consumer) submit(ctx context.Context, m queue.Message) error {
	if m.Err != nil {
		// The queue only holds what Publish encoded: this is corruption. Nothing can be parsed;
		// count it, say so, and go on.
		c.metrics.BadPayloads.Inc()
		c.log.Error("skipping a payload that does not decode", "seq", m.Seq, "bytes", m.Size, "err", m.Err)
		c.submitted = m.Seq
		c.markProcessed(m.Seq)
		return nil
	}
	p := m.Payload
	info, known := c.srcs[p.SourceID]
	label := info.label
	if !known {
		label = p.SourceID
	}
	in := &ingest.Input{
		Name:          p.Name,
		Records:       p.Records,
		Header:        p.Header,
		Cut:           cuts(p.Cut),
		SourceID:      p.SourceID,
		SourceLabel:   info.label,
		SourceAddress: p.Origin,
		Types:         info.types,
	}
	if in.Name == "" {
		in.Name = "queue"
	}
	if p.Data != nil {
		data := p.Data
		in.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	seq, stored := m.Seq, m.Time
	in.Done = func(s *ingest.InputStats) { c.done(seq, stored, label, s) }
	c.mu.Lock()
	c.outstanding++
	c.mu.Unlock()
	if err := c.pipe.Submit(ctx, in); err != nil {
		c.mu.Lock()
		c.outstanding--
		c.idle.Broadcast()
		c.mu.Unlock()
		return err
	}
	c.submitted = m.Seq
	c.bytesSince += int64(m.Size)
	c.metrics.Payloads.WithLabelValues(label).Inc()
	return nil
}

func cuts(cs []sources.CutRecord) []ingest.Cut {
	if len(cs) == 0 {
		return nil
	}
	out := make([]ingest.Cut, len(cs))
	for i, c := range cs {
		out[i] = ingest.Cut{Index: c.Index, Size: c.Size}
	}
	return out
}

// done accounts for a payload that went through the pipeline (a pipeline goroutine).
func (c *consumer) done(seq uint64, stored time.Time, label string, s *ingest.InputStats) {
	if s.Err != nil {
		// The payload's stream is broken (corrupt compression): the records before the error
		// were processed; the rest cannot be read by anyone.
		c.log.Warn("a payload could not be read to its end", "seq", seq, "source", label, "err", s.Err)
	}
	src := s.Input.SourceID
	minute := stored.UTC().Truncate(time.Minute)
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.SinkErr != nil {
		if c.failErr == nil {
			c.failErr = s.SinkErr
			close(c.failed)
		}
	} else {
		add := func(lt string, events, bytes, quarantined int64) {
			k := countKey{src, lt}
			ct := c.counts[k]
			if ct == nil {
				ct = &sources.Counts{SourceID: src, LogType: lt}
				c.counts[k] = ct
			}
			ct.Events += events
			ct.Bytes += bytes
			ct.Quarantined += quarantined
			if stored.After(ct.LastEventAt) {
				ct.LastEventAt = stored
			}
			pk := pointKey{minute.Unix(), src, lt}
			pt := c.points[pk]
			if pt == nil {
				pt = &ingestmetrics.Point{Minute: minute, SourceID: src, LogType: lt}
				c.points[pk] = pt
			}
			pt.Events += events
			pt.Bytes += bytes
			pt.Quarantined += quarantined
		}
		for lt, ts := range s.Types {
			add(lt, ts.Events, ts.Bytes, 0)
			c.metrics.Events.WithLabelValues(label, lt).Add(float64(ts.Events))
			c.metrics.Bytes.WithLabelValues(label, lt).Add(float64(ts.Bytes))
		}
		if s.Quarantined > 0 {
			add("", 0, s.QuarantinedBytes, s.Quarantined)
			c.metrics.Quarantined.WithLabelValues(label).Add(float64(s.Quarantined))
			c.metrics.Bytes.WithLabelValues(label, "").Add(float64(s.QuarantinedBytes))
		}
	}
	c.outstanding--
	if c.outstanding == 0 {
		c.idle.Broadcast()
	}
	c.markProcessed(seq)
}

func (c *consumer) markProcessed(seq uint64) {
	c.processedMu.Lock()
	if seq > c.processed {
		c.processed = seq
	}
	c.processedMu.Unlock()
}

// Processed returns the sequence of the last payload processed.
func (c *consumer) Processed() uint64 {
	c.processedMu.Lock()
	defer c.processedMu.Unlock()
	return c.processed
}

// drain waits until every submitted payload went through the pipeline and returns the
// failure of the pipeline, if any.
func (c *consumer) drain() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.outstanding > 0 {
		c.idle.Wait()
	}
	return c.failErr
}

func (c *consumer) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failErr
}

// checkpoint makes everything submitted durable (see the type's comment).
func (c *consumer) checkpoint() error {
	if err := c.drain(); err != nil {
		return err
	}
	if c.submitted == c.seq {
		c.lastCheckpoint = c.now()
		return nil
	}
	// A checkpoint finishes even while the server shuts down.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	err := c.commit(ctx)
	if err != nil {
		c.metrics.CheckpointErrors.Inc()
		return fmt.Errorf("checkpoint at %d: %w", c.submitted, err)
	}
	c.metrics.CheckpointSeconds.Observe(time.Since(start).Seconds())
	c.setHealth(nil)
	return nil
}

func (c *consumer) setHealth(err error) {
	c.healthMu.Lock()
	c.healthErr = err
	c.ckSeq = c.seq
	c.healthMu.Unlock()
}

// health returns the last failure of the pipeline, until a checkpoint succeeds again.
func (c *consumer) health() error {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	return c.healthErr
}

// checkpointed returns the sequence covered by the last checkpoint.
func (c *consumer) checkpointed() uint64 {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	return c.ckSeq
}

func (c *consumer) commit(ctx context.Context) error {
	logs, err := c.writers.Logs.Flush()
	if err != nil {
		return err
	}
	matches, err := c.writers.Matches.Flush()
	if err != nil {
		return err
	}
	ck := checkpoint{Stream: c.stream, Seq: c.submitted, Pending: append(logs, matches...)}
	c.mu.Lock()
	counts := make([]sources.Counts, 0, len(c.counts))
	for _, ct := range c.counts {
		counts = append(counts, *ct)
	}
	points := make([]ingestmetrics.Point, 0, len(c.points))
	for _, p := range c.points {
		points = append(points, *p)
	}
	c.mu.Unlock()
	tx, err := c.st.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := c.ck.save(ctx, tx, ck); err != nil {
		return err
	}
	if err := c.st.Sources.AddCounts(ctx, tx, counts); err != nil {
		return err
	}
	if err := c.series.Add(ctx, tx, points); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// From here the checkpoint holds: a crash before the renames finish is completed on start.
	c.seq = ck.Seq
	c.resetCounts()
	c.bytesSince = 0
	c.lastCheckpoint = c.now()
	if err := lake.Commit(ck.Pending); err != nil {
		return err
	}
	for _, f := range ck.Pending {
		c.metrics.LakeFiles.WithLabelValues(string(f.Kind)).Inc()
		c.metrics.LakeRows.WithLabelValues(string(f.Kind)).Add(float64(f.Rows))
	}
	if err := c.ck.done(ctx, ck.Seq); err != nil {
		return err
	}
	if err := c.q.Purge(ctx, ck.Seq); err != nil {
		// The next checkpoint purges again; until then the queue holds more than it needs.
		c.log.Warn("purging checkpointed payloads", "err", err)
	}
	return nil
}

// restart throws away the work after the last checkpoint: the pipeline, the lake files not
// committed, the counts; the queue replays it.
func (c *consumer) restart() error {
	_ = c.drain()
	c.pipe.Close()
	c.writers.Logs.Abort()
	c.writers.Matches.Abort()
	c.resetCounts()
	c.mu.Lock()
	c.failErr = nil
	c.failed = make(chan struct{})
	c.mu.Unlock()
	c.submitted = c.seq
	c.bytesSince = 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Finish the renames of the last checkpoint if they failed; no temporary file of ours is
	// left (Abort removed them), and others' (compaction) must stay.
	if _, _, err := c.ck.recover(ctx, c.lakeDir, false); err != nil {
		return err
	}
	return c.rebuild()
}

// stop drains the pipeline, writes the last checkpoint and stops the pipeline.
func (c *consumer) stop() error {
	err := c.checkpoint()
	if err != nil {
		c.log.Error("the last checkpoint failed; what came after the previous one is replayed on the next start", "err", err)
		c.writers.Logs.Abort()
		c.writers.Matches.Abort()
	}
	if cerr := c.pipe.Close(); err == nil && cerr != nil && !errors.Is(cerr, context.Canceled) {
		err = cerr
	}
	return err
}

// swap replaces the detections and the log types (at a barrier): the pipeline is rebuilt.
func (c *consumer) swap(dets *Detections, types []*logtypes.LogType, srcs map[string]sourceInfo) (old *Detections, err error) {
	if err := c.pipe.Close(); err != nil {
		return nil, err
	}
	old = c.dets
	c.dets, c.types = dets, types
	if srcs != nil {
		c.srcs = srcs
	}
	return old, c.rebuild()
}
