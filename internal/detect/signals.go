package detect

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/correlate"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/ingest"
)

// SignalRecorder keeps the matches of the rules that correlation rules are made of
// (correlate.Correlator implements it).
type SignalRecorder interface {
	Wants(ruleID string) bool
	Record(ctx context.Context, sigs []correlate.Signal) error
}

// recordSignals hands the matches of wanted rules to the signal recorder: the event as rules
// see it, with the match's alert context under p_alert_context, and the match's alert.
func (s *Sink) recordSignals(ctx context.Context, b *ingest.Batch, outs []Outcome, grouped []int, assigned []alerts.Assignment) error {
	if s.Signals == nil {
		return nil
	}
	var sigs []correlate.Signal
	for i := range outs {
		o := &outs[i]
		if o.Err != nil || !s.Signals.Wants(o.Rule.ID) {
			continue
		}
		ev := b.Events[o.Event]
		sig := correlate.Signal{
			RuleID:  o.Rule.ID,
			Time:    ev.EventTime,
			Key:     s.eventKey(ev),
			RowID:   strings.Clone(ev.RowID),
			LogType: ev.LogType.Name,
			Doc:     signalDoc(ev, o.Alert.AlertContext),
		}
		if j := grouped[i]; j >= 0 && assigned != nil {
			sig.AlertID = assigned[j].AlertID
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		return nil
	}
	return s.Signals.Record(ctx, sigs)
}

// signalDoc is the event's JSON with the alert context added as p_alert_context.
func signalDoc(ev *event.Event, alertContext []byte) []byte {
	doc := event.AppendJSON(nil, ev)
	if len(alertContext) == 0 || !json.Valid(alertContext) || alertContext[0] != '{' || len(doc) < 2 {
		return doc
	}
	doc = doc[:len(doc)-1]
	if len(doc) > 1 {
		doc = append(doc, ',')
	}
	doc = append(doc, `"p_alert_context":`...)
	doc = append(doc, alertContext...)
	return append(doc, '}')
}
