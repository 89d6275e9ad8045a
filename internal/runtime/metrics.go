package runtime

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/opsmetrics"
)

// ruleStats keeps the Python rules' work across engine swaps, so the counters never go back.
type ruleStats struct {
	mu   sync.Mutex
	base map[string]opsmetrics.RuleStat
}

// registerGauges registers the queue gauges and the rule statistics.
func (s *Server) registerGauges() {
	descs := []*prometheus.Desc{
		opsmetrics.NewDesc("queue_messages", "Payloads in the queue: unprocessed, and processed but not yet checkpointed."),
		opsmetrics.NewDesc("queue_bytes", "Bytes of the payloads in the queue."),
		opsmetrics.NewDesc("queue_limit_bytes", "The queue's limit in bytes (queue.max_bytes); over it pushes get 429."),
		opsmetrics.NewDesc("queue_unprocessed", "Payloads in the queue not yet processed (the queue depth)."),
		opsmetrics.NewDesc("queue_oldest_unprocessed_age_seconds", "Age of the oldest payload not yet processed (0 when there is none)."),
		opsmetrics.NewDesc("checkpoint_sequence", "Queue sequence covered by the last checkpoint."),
	}
	s.metrics.GaugeSet(descs, func() []float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := s.q.Stats(ctx)
		if err != nil {
			return nil
		}
		processed := s.cons.Processed()
		var unprocessed, age float64
		if st.LastSeq > processed {
			unprocessed = float64(st.LastSeq - processed)
			next := max(processed+1, st.FirstSeq)
			if at, ok, err := s.q.StoredAt(ctx, next); err == nil && ok {
				age = max(s.now().Sub(at).Seconds(), 0)
			}
		}
		return []float64{float64(st.Msgs), float64(st.Bytes), float64(st.MaxBytes), unprocessed, age, float64(s.cons.checkpointed())}
	})
	s.metrics.RuleStats(s.ruleStatsNow)
}

// ruleStatsNow returns the Python rules' work so far.
func (s *Server) ruleStatsNow() []opsmetrics.RuleStat {
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	out := map[string]opsmetrics.RuleStat{}
	for id, r := range s.rules.base {
		out[id] = r
	}
	if eng := s.engine.Load(); eng != nil {
		for _, st := range eng.Stats() {
			r := out[st.ID]
			r.Detection = st.ID
			r.Calls += st.Calls
			r.Seconds += st.Time.Seconds()
			out[st.ID] = r
		}
	}
	list := make([]opsmetrics.RuleStat, 0, len(out))
	for _, r := range out {
		list = append(list, r)
	}
	return list
}

// collectRuleStats adds the work of an engine being replaced to the base counts.
func (s *Server) collectRuleStats(eng *detect.Engine) {
	s.rules.mu.Lock()
	defer s.rules.mu.Unlock()
	if s.rules.base == nil {
		s.rules.base = map[string]opsmetrics.RuleStat{}
	}
	for _, st := range eng.Stats() {
		r := s.rules.base[st.ID]
		r.Detection = st.ID
		r.Calls += st.Calls
		r.Seconds += st.Time.Seconds()
		s.rules.base[st.ID] = r
	}
}

// outcome counts a match or rule error of a detection.
func (s *Server) outcome(ruleID string, isError bool) {
	if isError {
		s.metrics.RuleErrors.WithLabelValues(ruleID).Inc()
	} else {
		s.metrics.RuleMatches.WithLabelValues(ruleID).Inc()
	}
}
