package runtime

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/sources"
)

// runners runs the sources of kinds that read on their own (syslog, dir, s3), one goroutine
// each, and restarts a source whose config changed. A source whose Run fails is restarted
// after a growing delay; its error is recorded in its status.
type runners struct {
	s       *Server
	ctx     context.Context
	mu      sync.Mutex
	running map[string]*runner
}

type runner struct {
	cfg    sources.Config
	cancel context.CancelFunc
	done   chan struct{}
}

func newRunners(s *Server, ctx context.Context) *runners {
	return &runners{s: s, ctx: ctx, running: map[string]*runner{}}
}

// apply makes the running sources those of list that are enabled and run on their own.
func (r *runners) apply(list []sources.Config) {
	want := map[string]sources.Config{}
	for _, c := range list {
		if !c.Enabled {
			continue
		}
		if k, ok := sources.Lookup(c.Type); ok && k.New == nil {
			continue // served by the runtime itself (http)
		}
		want[c.ID] = c
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, run := range r.running {
		c, ok := want[id]
		if ok && same(c, run.cfg) {
			continue
		}
		run.stop()
		delete(r.running, id)
	}
	for id, c := range want {
		if _, ok := r.running[id]; !ok {
			r.running[id] = r.start(c)
		}
	}
}

func same(a, b sources.Config) bool {
	return a.Label == b.Label && a.Type == b.Type && bytes.Equal(a.Settings, b.Settings) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func (run *runner) stop() {
	run.cancel()
	<-run.done
}

func (r *runners) stopAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	var wg sync.WaitGroup
	for id, run := range r.running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.stop()
		}()
		delete(r.running, id)
	}
	wg.Wait()
}

func (r *runners) start(c sources.Config) *runner {
	ctx, cancel := context.WithCancel(r.ctx)
	run := &runner{cfg: c, cancel: cancel, done: make(chan struct{})}
	log := r.s.log.With("component", "source", "source", c.Label, "type", c.Type)
	rep := &reporter{s: r.s, id: c.ID, label: c.Label, log: log}
	go func() {
		defer close(run.done)
		delay := time.Second
		for ctx.Err() == nil {
			started := time.Now()
			err := r.runOnce(ctx, c, log, rep)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				rep.Error(err)
			}
			if time.Since(started) > time.Minute {
				delay = time.Second
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			delay = min(2*delay, time.Minute)
		}
	}()
	log.Info("source started")
	return run
}

func (r *runners) runOnce(ctx context.Context, c sources.Config, log *slog.Logger, rep sources.Reporter) error {
	k, ok := sources.Lookup(c.Type)
	if !ok {
		return &kindError{c.Type}
	}
	src, err := k.New(c, sources.Deps{DataDir: r.s.dataDir, Logger: log, Secrets: r.s.st.Box, Cloud: r.s.cloud})
	if err != nil {
		return err
	}
	return src.Run(ctx, r.s.q, rep)
}

type kindError struct{ kind string }

func (e *kindError) Error() string {
	return "source type " + e.kind + " is not built into this panther binary"
}

// reporter records a source's last error in its status; it logs and counts an error once,
// until it changes.
type reporter struct {
	s     *Server
	id    string
	label string
	log   *slog.Logger
	mu    sync.Mutex
	last  string
}

func (p *reporter) Error(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	p.mu.Lock()
	changed := msg != p.last
	p.last = msg
	p.mu.Unlock()
	if !changed {
		return
	}
	if err != nil {
		p.log.Warn("source error", "err", err)
		p.s.metrics.SourceErrors.WithLabelValues(p.label).Inc()
	} else {
		p.log.Info("source recovered")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.s.st.Sources.SetError(ctx, p.id, err); err != nil {
		p.log.Warn("recording the source's error", "err", err)
	}
}
