package correlate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
)

// Options configure a Correlator.
type Options struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Retention is how long signals are kept after they arrive; default the larger of 7 days
	// and twice the longest lookback window.
	Retention time.Duration
	// DedupPeriod is the window of a correlation rule's alerts; default 60 minutes, like
	// rules.
	DedupPeriod time.Duration
	// Settle is how long after its time a run waits for the matches still on their way
	// through the pipeline; default one minute.
	Settle time.Duration
}

// Correlator evaluates the enabled correlation rules of some content over the signals of a
// Store, on each rule's schedule, and raises their alerts.
//
// Every run of a rule (see Rule.RunsCovering) whose window holds a signal not yet evaluated
// is pending. Evaluate evaluates the pending runs that are due; a signal that arrives later
// (a late match) makes its runs pending again. What a run finds is recorded in the alert
// store: the same occurrence found by two runs, or twice by one, counts once in its alert,
// so re-evaluating is harmless.
type Correlator struct {
	rules  []*Rule
	byRule map[string][]int // member RuleID -> rules
	fields map[string][]string
	store  *Store
	alerts *alerts.Store
	opts   Options
}

// New compiles the enabled correlation rules of col. The store is opened on db; al receives
// the alerts (nil: occurrences are only recorded as signals). Rules that do not compile are
// returned in the error, the others still run.
func New(ctx context.Context, db *sql.DB, col *analysis.Collection, al *alerts.Store, o Options) (*Correlator, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DedupPeriod <= 0 {
		o.DedupPeriod = time.Hour
	}
	if o.Settle == 0 {
		o.Settle = time.Minute
	}
	st, err := OpenStore(ctx, db)
	if err != nil {
		return nil, err
	}
	c := &Correlator{byRule: map[string][]int{}, fields: map[string][]string{}, store: st, alerts: al, opts: o}
	var errs []error
	var longest time.Duration
	for _, d := range col.Detections {
		if d.Type != analysis.TypeCorrelationRule || !d.Enabled {
			continue
		}
		r, err := Compile(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.rules = append(c.rules, r)
		longest = max(longest, r.Lookback)
	}
	c.rules = dependencyOrder(c.rules)
	for i, r := range c.rules {
		for _, id := range r.MemberRules() {
			c.byRule[id] = append(c.byRule[id], i)
		}
		for id, fs := range r.Fields() {
			for _, f := range fs {
				if !hasValue(c.fields[id], f) {
					c.fields[id] = append(c.fields[id], f)
				}
			}
		}
	}
	if c.opts.Retention <= 0 {
		c.opts.Retention = max(7*24*time.Hour, 2*longest)
	}
	return c, errors.Join(errs...)
}

// dependencyOrder puts a correlation rule after the correlation rules it is made of, so one
// Evaluate sees the occurrences of the inner ones.
func dependencyOrder(rules []*Rule) []*Rule {
	byID := map[string]*Rule{}
	for _, r := range rules {
		byID[r.ID()] = r
	}
	var out []*Rule
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(r *Rule)
	visit = func(r *Rule) {
		if state[r.ID()] != 0 {
			return // done, or a cycle: keep the order found so far
		}
		state[r.ID()] = 1
		for _, id := range r.MemberRules() {
			if dep, ok := byID[id]; ok {
				visit(dep)
			}
		}
		state[r.ID()] = 2
		out = append(out, r)
	}
	for _, r := range rules {
		visit(r)
	}
	return out
}

// Rules returns the enabled correlation rules, inner ones first.
func (c *Correlator) Rules() []*Rule { return c.rules }

// Wants reports whether the matches of a rule are signals of some correlation rule.
func (c *Correlator) Wants(ruleID string) bool { return len(c.byRule[ruleID]) > 0 }

// Fields returns the field paths the correlation rules read from a rule's matches.
func (c *Correlator) Fields(ruleID string) []string { return c.fields[ruleID] }

// Record keeps signals (the matches of member rules).
func (c *Correlator) Record(ctx context.Context, sigs []Signal) error {
	return c.store.Record(ctx, sigs, c.Fields, c.opts.Now())
}

// MissingMembers lists, for each correlation rule, the member rules that are not running
// (not in live, the IDs of the rules that run): they produce no signals.
func (c *Correlator) MissingMembers(live map[string]bool) []string {
	var out []string
	for _, r := range c.rules {
		for _, id := range r.MemberRules() {
			if !live[id] {
				out = append(out, fmt.Sprintf("correlation rule %s: its member rule %s is not loaded or not enabled, so it never matches", r.ID(), id))
			}
		}
	}
	return out
}

// Result says what an evaluation did.
type Result struct {
	// Runs is the number of windows evaluated; Occurrences the distinct occurrences they
	// found (overlapping windows often find the same one).
	Runs        int
	Occurrences int
	// Raised are the alerts raised.
	Raised []*alerts.Alert

	seen map[string]bool
}

// Evaluate evaluates the pending runs that are due at now (a run at T is due at T plus
// Options.Settle). The runtime calls it on a ticker; a call with nothing due costs a few
// queries.
func (c *Correlator) Evaluate(ctx context.Context, now time.Time) (Result, error) {
	return c.evaluate(ctx, now, false)
}

// Flush evaluates every pending run, also those not due yet (after the last batch of an
// ingest, whose data is all there): those stay pending and are evaluated again when due, as
// an Absence near the end of a window may yet be broken by a later match.
func (c *Correlator) Flush(ctx context.Context, now time.Time) (Result, error) {
	return c.evaluate(ctx, now, true)
}

func (c *Correlator) evaluate(ctx context.Context, now time.Time, early bool) (Result, error) {
	var res Result
	for _, r := range c.rules {
		if err := c.markNew(ctx, r); err != nil {
			return res, err
		}
		due := now.Add(-c.opts.Settle).UnixNano()
		until := due
		if early {
			until = 1<<63 - 1
		}
		runs, err := c.store.pendingRuns(ctx, r.ID(), until)
		if err != nil {
			return res, err
		}
		for _, run := range runs {
			if err := c.runOnce(ctx, r, run, now, &res); err != nil {
				return res, err
			}
			if err := c.store.runDone(ctx, r.ID(), run, run > due, c.opts.Now()); err != nil {
				return res, err
			}
			res.Runs++
		}
	}
	if err := c.store.prune(ctx, c.opts.Now().Add(-c.opts.Retention)); err != nil {
		return res, err
	}
	return res, nil
}

// markNew makes pending the runs covering the signals of r's members that arrived since r
// last looked.
func (c *Correlator) markNew(ctx context.Context, r *Rule) error {
	seen, err := c.store.seenSeq(ctx, r.ID())
	if err != nil {
		return err
	}
	times, top, err := c.store.newTimes(ctx, r.MemberRules(), seen)
	if err != nil || top == seen {
		return err
	}
	runs := map[int64]bool{}
	for _, t := range times {
		for _, run := range r.RunsCovering(time.Unix(0, t)) {
			runs[run.UnixNano()] = true
		}
	}
	list := make([]int64, 0, len(runs))
	for run := range runs {
		list = append(list, run)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	return c.store.markPending(ctx, r.ID(), list, top)
}

// runOnce evaluates the window of one run and records what it finds.
func (c *Correlator) runOnce(ctx context.Context, r *Rule, run int64, now time.Time, res *Result) error {
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	w := &Window{Start: run - int64(r.Lookback), End: run, Signals: make([][]*Signal, len(r.Members))}
	if run > now.UnixNano() {
		w.Known = now.UnixNano() // evaluated early (Flush): what comes after now is not known yet
	}
	byRule, err := c.store.signalsIn(ctx, r.MemberRules(), w.Start, w.End)
	if err != nil {
		return fmt.Errorf("correlate: %s: run at %s: %w", r.ID(), time.Unix(0, run).UTC().Format(time.RFC3339), err)
	}
	for i, m := range r.Members {
		w.Signals[i] = byRule[m.RuleID]
	}
	occ := r.Evaluate(w)
	if len(occ) == 0 {
		return nil
	}
	if res.seen == nil {
		res.seen = map[string]bool{}
	}
	sigs := make([]Signal, 0, len(occ))
	var matches []alerts.Match
	for i := range occ {
		o := &occ[i]
		m := c.match(r, o, w)
		if !res.seen[m.EventKey] {
			res.seen[m.EventKey] = true
			res.Occurrences++
		}
		if r.Detection.CreateAlert {
			matches = append(matches, m)
		}
		fields := map[string][]string{}
		for _, k := range o.Keys {
			fields[k.Name] = []string{k.Value}
		}
		sigs = append(sigs, Signal{RuleID: r.ID(), Time: o.Time, Key: m.EventKey, Fields: fields})
	}
	if c.alerts != nil && len(matches) > 0 {
		assigned, raised, err := c.alerts.Record(ctx, matches)
		if err != nil {
			return err
		}
		res.Raised = append(res.Raised, raised...)
		k := 0
		for i := range sigs {
			if r.Detection.CreateAlert {
				sigs[i].AlertID = assigned[k].AlertID
				k++
			}
		}
	}
	// The occurrences are signals too, for the correlation rules made of this one.
	return c.store.Record(ctx, sigs, nil, now)
}

// maxLinks bounds the member matches an alert's context links to, per member.
const maxLinks = 100

// match builds the alert match of an occurrence: the correlation rule's metadata, dedup on
// its joined keys, and links to the member matches in the alert context.
func (c *Correlator) match(r *Rule, o *Occurrence, w *Window) alerts.Match {
	d := r.Detection
	type member struct {
		ID      string   `json:"id"`
		RuleID  string   `json:"rule_id"`
		Absence bool     `json:"absence,omitempty"`
		Matches int      `json:"matches"`
		First   string   `json:"first_event_time,omitempty"`
		Last    string   `json:"last_event_time,omitempty"`
		Alerts  []string `json:"alert_ids,omitempty"`
		RowIDs  []string `json:"p_row_ids,omitempty"`
	}
	keys := map[string]string{}
	for _, k := range o.Keys {
		keys[k.Name] = k.Value
	}
	var members []member
	var logTypes []string
	// An occurrence is identified by its rule, its joined keys and when it completed: found
	// again by another run, or with more of its matches known, it counts once in its alert.
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d", r.ID(), keyString(o.Keys), o.Time)
	for i, m := range r.Members {
		mm := member{ID: m.ID, RuleID: m.RuleID, Absence: m.Absent, Matches: len(o.Matches[i])}
		seenAlert := map[string]bool{}
		for j, s := range o.Matches[i] {
			if j == 0 {
				mm.First = formatTime(s.Time)
			}
			mm.Last = formatTime(s.Time)
			if s.AlertID != "" && !seenAlert[s.AlertID] && len(mm.Alerts) < maxLinks {
				seenAlert[s.AlertID] = true
				mm.Alerts = append(mm.Alerts, s.AlertID)
			}
			if s.RowID != "" && len(mm.RowIDs) < maxLinks {
				mm.RowIDs = append(mm.RowIDs, s.RowID)
			}
			if s.LogType != "" && !hasValue(logTypes, s.LogType) {
				logTypes = append(logTypes, s.LogType)
			}
		}
		members = append(members, mm)
	}
	sort.Strings(logTypes)
	ctxJSON, _ := json.Marshal(map[string]any{"correlation": map[string]any{
		"kind":         r.Kind.String(),
		"keys":         keys,
		"window_start": formatTime(w.Start),
		"window_end":   formatTime(w.End),
		"members":      members,
	}})
	title := d.DisplayName
	if title == "" {
		title = d.ID
	}
	m := alerts.Match{
		Type:        alerts.TypeRule,
		DetectionID: d.ID,
		DisplayName: d.DisplayName,
		EventTime:   time.Unix(0, o.Time).UTC(),
		LogTypes:    logTypes,
		DedupPeriod: c.opts.DedupPeriod,
		Threshold:   1,
		Title:       title,
		Dedup:       o.Dedup(d.ID),
		Severity:    strings.ToUpper(d.Severity),
		Description: d.Description,
		Reference:   d.Reference,
		Runbook:     d.Runbook,
		Context:     ctxJSON,
		OutputIDs:   d.OutputIds,
		Tags:        d.Tags,
		Reports:     d.Reports,
		EventKey:    hex.EncodeToString(h.Sum(nil)[:16]),
	}
	if len(logTypes) > 0 {
		m.LogType = logTypes[0]
	}
	return m
}

func formatTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format("2006-01-02 15:04:05.000000000")
}
