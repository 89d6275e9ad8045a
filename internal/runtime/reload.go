package runtime

import (
	"context"
	"errors"
	"time"
)

// versions are the fingerprints of what can change while the server runs.
type versions struct {
	detections string
	schemas    string
	sources    int64
}

// currentVersions reads every version; a part whose version cannot be read keeps prev's.
func (s *Server) currentVersions(ctx context.Context, prev versions) versions {
	v := prev
	if d, err := s.content.Version(ctx); err == nil {
		v.detections = d
	} else if !errors.Is(err, errInFlux) {
		s.log.Warn("reading the detections' version", "err", err)
	}
	if d, err := treeVersion(schemasDir(s.dataDir)); err == nil {
		v.schemas = d
	}
	if n, err := s.st.Sources.Version(ctx); err == nil {
		v.sources = n
	}
	return v
}

// reloadLoop polls the versions every reload.interval and applies what changed: new
// detections and schemas swap in at a batch boundary (no payload in the pipeline), new
// sources start, removed ones stop; nothing in flight is lost.
func (s *Server) reloadLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Reload.Interval.Std())
	defer t.Stop()
	cur := s.loaded
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		next := s.currentVersions(ctx, cur)
		if next.detections != cur.detections {
			s.reload(ctx, "detections", s.reloadDetections)
		}
		if next.schemas != cur.schemas {
			s.reload(ctx, "schemas", s.reloadSchemas)
		}
		if next.sources != cur.sources {
			s.reload(ctx, "sources", s.reloadSources)
		}
		cur = next
	}
}

func (s *Server) reload(ctx context.Context, what string, fn func(context.Context) error) {
	start := time.Now()
	if err := fn(ctx); err != nil {
		if ctx.Err() != nil {
			return
		}
		s.metrics.Reloads.WithLabelValues(what, "error").Inc()
		s.log.Error("reload failed; the previous "+what+" stay in use", "what", what, "err", err)
		return
	}
	s.metrics.Reloads.WithLabelValues(what, "ok").Inc()
	s.log.Info("reloaded", "what", what, "took", time.Since(start).Round(time.Millisecond))
}

// reloadDetections starts the detections of the new content (while the old ones run),
// then swaps them in between two batches.
func (s *Server) reloadDetections(ctx context.Context) error {
	dets, err := s.startDetections(ctx)
	if err != nil {
		if s.engine.Load() == nil {
			s.setDetErr(err)
		}
		return err
	}
	err = s.cons.atBarrier(ctx, func() error {
		old, err := s.cons.swap(dets, s.cons.types, nil)
		if err != nil {
			return err
		}
		s.setDetections(dets)
		if old != nil {
			if old.Engine != nil {
				s.collectRuleStats(old.Engine)
			}
			old.Close()
		}
		return nil
	})
	if err != nil {
		dets.Close()
		return err
	}
	s.setDetErr(nil)
	return nil
}

// reloadSchemas loads the custom schemas again; a schema that does not load keeps the
// previous set in use.
func (s *Server) reloadSchemas(ctx context.Context) error {
	reg, err := LogTypes(s.dataDir)
	if err != nil {
		return err // a schema that does not load: keep the set that did
	}
	srcs, _, err := s.sourceInfos(ctx, reg)
	if err != nil {
		return err
	}
	err = s.cons.atBarrier(ctx, func() error {
		_, err := s.cons.swap(s.cons.dets, reg.All(), srcs)
		return err
	})
	if err != nil {
		return err
	}
	s.regMu.Lock()
	s.reg = reg
	s.regMu.Unlock()
	return nil
}

// reloadSources applies added, changed and removed sources.
func (s *Server) reloadSources(ctx context.Context) error {
	srcs, list, err := s.sourceInfos(ctx, s.registry())
	if err != nil {
		return err
	}
	s.push.Invalidate()
	if err := s.cons.atBarrier(ctx, func() error {
		s.cons.srcs = srcs
		return nil
	}); err != nil {
		return err
	}
	s.runners.apply(list)
	return nil
}
