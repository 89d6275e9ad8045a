package detect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
)

// Sink runs the engine on each batch of the ingest pipeline, groups the matches into alerts
// and writes them to the lake's rule_matches and rule_errors tables.
type Sink struct {
	Engine *Engine
	Alerts *alerts.Store // nil: matches are written but not grouped into alerts
	Lake   *lake.Writer
	Ctx    context.Context
	// Signals, when set, keeps the matches of the rules correlation rules are made of
	// (including rules with CreateAlert: false), with their alert IDs.
	Signals SignalRecorder

	// OnRaised, when set, is given the alerts each batch raised (after they are committed)
	// instead of keeping them in Raised: a long-running server keeps nothing.
	OnRaised func([]*alerts.Alert)
	// OnOutcome, when set, is told of each match and rule error (for per-detection metrics).
	OnOutcome func(ruleID string, isError bool)

	// Counts, for the summary.
	Matches, Errors int64
	Raised          []*alerts.Alert

	scratch []byte
}

var _ ingest.Sink = (*Sink)(nil)

// Consume evaluates a batch. Everything it keeps is copied out of the batch.
func (s *Sink) Consume(b *ingest.Batch) error {
	ctx := s.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	outs, err := s.Engine.Evaluate(ctx, b.Events)
	if err != nil || len(outs) == 0 {
		return err
	}
	matches := make([]alerts.Match, 0, len(outs))
	grouped := make([]int, 0, len(outs)) // index in matches of each outcome, -1 when not grouped
	for i := range outs {
		o := &outs[i]
		ev := b.Events[o.Event]
		if o.Err == nil && !o.Rule.CreateAlert {
			grouped = append(grouped, -1) // a signal: recorded in the lake, no alert
			continue
		}
		grouped = append(grouped, len(matches))
		matches = append(matches, s.match(o, ev))
	}
	var assigned []alerts.Assignment
	if s.Alerts != nil && len(matches) > 0 {
		var raised []*alerts.Alert
		assigned, raised, err = s.Alerts.Record(ctx, matches)
		if err != nil {
			return err
		}
		if s.OnRaised != nil {
			if len(raised) > 0 {
				s.OnRaised(raised)
			}
		} else {
			s.Raised = append(s.Raised, raised...)
		}
	}
	var mEvents, eEvents []*event.Event
	var mRows, eRows []*lake.Match
	for i := range outs {
		o := &outs[i]
		row := &lake.Match{
			RuleID:       o.Rule.ID,
			AlertContext: string(o.Alert.AlertContext),
			Tags:         o.Rule.Tags,
			Reports:      o.Rule.Reports,
			Severity:     o.Alert.Severity,
			Title:        o.Alert.Title,
			Dedup:        o.Alert.Dedup,
		}
		if j := grouped[i]; j >= 0 && assigned != nil {
			a := assigned[j]
			row.AlertID = a.AlertID
			row.AlertCreationTime = unixNano(a.CreatedAt)
			row.AlertUpdateTime = unixNano(a.UpdatedAt)
		}
		if s.OnOutcome != nil {
			s.OnOutcome(o.Rule.ID, o.Err != nil)
		}
		if o.Err != nil {
			row.Error = o.Err.Error()
			if o.Err.Traceback != "" {
				row.Error += "\n" + o.Err.Traceback
			}
			eEvents, eRows = append(eEvents, b.Events[o.Event]), append(eRows, row)
			s.Errors++
		} else {
			mEvents, mRows = append(mEvents, b.Events[o.Event]), append(mRows, row)
			s.Matches++
		}
	}
	if err := s.recordSignals(ctx, b, outs, grouped, assigned); err != nil {
		return err
	}
	if len(mEvents) > 0 {
		if err := s.Lake.WriteEvents(lake.RuleMatches, mEvents, mRows); err != nil {
			return err
		}
	}
	if len(eEvents) > 0 {
		return s.Lake.WriteEvents(lake.RuleErrors, eEvents, eRows)
	}
	return nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// match converts an outcome into an alert match; strings are copied out of the batch.
func (s *Sink) match(o *Outcome, ev *event.Event) alerts.Match {
	r := o.Rule
	m := alerts.Match{
		Type:         alerts.TypeRule,
		DetectionID:  r.ID,
		DisplayName:  r.DisplayName,
		EventTime:    time.Unix(0, ev.EventTime).UTC(),
		LogType:      ev.LogType.Name,
		DedupPeriod:  time.Duration(r.DedupPeriodMinutes) * time.Minute,
		Threshold:    r.Threshold,
		Title:        strings.Clone(o.Alert.Title),
		Dedup:        strings.Clone(o.Alert.Dedup),
		Severity:     o.Alert.Severity,
		Description:  o.Alert.Description,
		Reference:    o.Alert.Reference,
		Runbook:      o.Alert.Runbook,
		Context:      append([]byte(nil), o.Alert.AlertContext...),
		Destinations: o.Alert.Destinations,
		OutputIDs:    r.OutputIds,
		Tags:         r.Tags,
		Reports:      r.Reports,
		Unique:       o.Alert.Unique,
		HasUnique:    o.HasUnique,
		EventKey:     s.eventKey(ev),
	}
	if o.Err != nil {
		m.Type = alerts.TypeRuleError
		m.ErrorMessage = o.Err.Error()
	}
	return m
}

// eventKey identifies an event by its content (log type, source, event fields), not by its
// row id, so that the same event ingested twice counts once in an alert.
func (s *Sink) eventKey(ev *event.Event) string {
	s.scratch = append(s.scratch[:0], ev.LogType.Name...)
	s.scratch = append(s.scratch, 0)
	s.scratch = append(s.scratch, ev.SourceID...)
	s.scratch = append(s.scratch, 0)
	s.scratch = event.AppendValue(s.scratch, &ev.Root, ev.LogType.Root)
	sum := sha256.Sum256(s.scratch)
	return hex.EncodeToString(sum[:16])
}
