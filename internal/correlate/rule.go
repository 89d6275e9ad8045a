package correlate

import (
	"errors"
	"fmt"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/cron"
)

// Kind is the shape of a correlation rule.
type Kind int

// The kinds.
const (
	Group Kind = iota
	Sequence
)

func (k Kind) String() string {
	if k == Sequence {
		return "Sequence"
	}
	return "Group"
}

// Order is the EventEvaluationOrder: which occurrence a window reports when a key has several.
type Order int

// The orders.
const (
	// Chronological reports the earliest occurrence: for a Group, the first time every member
	// reached its count; for a Sequence, the chain that completes first.
	Chronological Order = iota
	// ReverseChronological reports the latest one.
	ReverseChronological
)

// Member is one member rule (a Group member or a Sequence step).
type Member struct {
	ID     string
	RuleID string
	// Min is the matches needed; Max the most allowed (0: no limit).
	Min, Max int
	Absent   bool
}

// criterion is one MatchCriteria entry: fields[i] is member i's field, "" when member i is not
// part of it.
type criterion struct {
	name   string
	fields []string
}

// link joins step i to step i+1 of a sequence.
type link struct {
	name     string        // the transition's ID, else "From -> To"
	within   time.Duration // 0: no bound
	from, to string        // the field on step i and on step i+1; "" when not joined
}

// Rule is a compiled correlation rule.
type Rule struct {
	// Detection is the rule as loaded.
	Detection *analysis.Detection
	Kind      Kind
	Members   []Member
	// Lookback is the length of the window each run looks at.
	Lookback time.Duration
	// Rate is the schedule's period; zero when the schedule is a cron expression.
	Rate time.Duration
	// Cron is the schedule's cron expression, nil for RateMinutes.
	Cron *cron.Schedule
	// Timeout bounds one run.
	Timeout time.Duration
	Order   Order

	criteria   []criterion // Group
	minMembers int         // Group: members (not Absent) that must match
	links      []link      // Sequence: links[i] joins step i to i+1
}

// ID is the correlation rule's RuleID.
func (r *Rule) ID() string { return r.Detection.ID }

// Compile prepares a loaded correlation rule for evaluation. The analysis loader has validated
// it; Compile still reports what it cannot use.
func Compile(d *analysis.Detection) (*Rule, error) {
	if d == nil || d.Type != analysis.TypeCorrelationRule {
		return nil, errors.New("correlate: not a correlation rule")
	}
	c := d.Correlation
	if c == nil || len(c.Members) == 0 {
		return nil, fmt.Errorf("correlate: %s: Detection has no Group or Sequence", d.ID)
	}
	r := &Rule{Detection: d, Timeout: time.Duration(c.Schedule.TimeoutMinutes) * time.Minute}
	if c.Kind == "Sequence" {
		r.Kind = Sequence
	}
	if c.EventEvaluationOrder == "ReverseChronological" {
		r.Order = ReverseChronological
	}
	index := make(map[string]int, len(c.Members))
	for i, m := range c.Members {
		mn := max(m.MinMatchCount, 1)
		r.Members = append(r.Members, Member{ID: m.ID, RuleID: m.RuleID, Min: mn, Max: m.MaxMatchCount, Absent: m.Absence})
		if _, dup := index[m.ID]; dup {
			return nil, fmt.Errorf("correlate: %s: duplicate member ID %q", d.ID, m.ID)
		}
		index[m.ID] = i
	}
	switch {
	case c.Schedule.CronExpression != "":
		s, err := cron.Parse(c.Schedule.CronExpression)
		if err != nil {
			return nil, fmt.Errorf("correlate: %s: %w", d.ID, err)
		}
		r.Cron = s
	case c.Schedule.RateMinutes > 0:
		r.Rate = time.Duration(c.Schedule.RateMinutes) * time.Minute
	default:
		return nil, fmt.Errorf("correlate: %s: Schedule needs RateMinutes or CronExpression", d.ID)
	}
	r.Lookback = time.Duration(c.LookbackWindowMinutes) * time.Minute
	if r.Lookback <= 0 {
		// No lookback: each run looks at what happened since the previous one.
		r.Lookback = r.Rate
		if r.Cron != nil {
			r.Lookback = 24 * time.Hour
		}
	}
	if r.Kind == Group {
		present := 0
		for _, m := range r.Members {
			if !m.Absent {
				present++
			}
		}
		r.minMembers = present
		if c.MinMatchCount > 0 && c.MinMatchCount < present {
			r.minMembers = c.MinMatchCount
		}
		for _, mc := range c.MatchCriteria {
			cr := criterion{name: mc.Name, fields: make([]string, len(r.Members))}
			for _, f := range mc.Fields {
				i, ok := index[f.GroupID]
				if !ok {
					return nil, fmt.Errorf("correlate: %s: MatchCriteria %q names %q, which is not a member", d.ID, mc.Name, f.GroupID)
				}
				cr.fields[i] = f.Match
			}
			r.criteria = append(r.criteria, cr)
		}
		return r, nil
	}
	r.links = make([]link, len(r.Members)-1)
	for i := range r.links {
		r.links[i].name = r.Members[i].ID + " -> " + r.Members[i+1].ID
	}
	for _, t := range c.Transitions {
		i, ok := index[t.From]
		if !ok || index[t.To] != i+1 {
			return nil, fmt.Errorf("correlate: %s: transition %s -> %s does not link consecutive steps", d.ID, t.From, t.To)
		}
		l := &r.links[i]
		if t.ID != "" {
			l.name = t.ID
		}
		l.within = time.Duration(t.WithinTimeFrameMinutes) * time.Minute
		l.from, l.to = t.FromField, t.ToField
		if t.On != "" {
			l.from, l.to = t.On, t.On
		}
	}
	return r, nil
}

// MemberRules returns the RuleIDs of the members.
func (r *Rule) MemberRules() []string {
	out := make([]string, 0, len(r.Members))
	seen := map[string]bool{}
	for _, m := range r.Members {
		if !seen[m.RuleID] {
			seen[m.RuleID] = true
			out = append(out, m.RuleID)
		}
	}
	return out
}

// Fields returns, for each member rule, the field paths the rule reads from its matches.
func (r *Rule) Fields() map[string][]string {
	out := map[string][]string{}
	add := func(i int, f string) {
		if f == "" {
			return
		}
		id := r.Members[i].RuleID
		for _, x := range out[id] {
			if x == f {
				return
			}
		}
		out[id] = append(out[id], f)
	}
	for _, c := range r.criteria {
		for i, f := range c.fields {
			add(i, f)
		}
	}
	for i, l := range r.links {
		add(i, l.from)
		add(i+1, l.to)
	}
	return out
}

// NextRun returns the first scheduled run after t.
func (r *Rule) NextRun(t time.Time) time.Time {
	if r.Cron != nil {
		return r.Cron.Next(t)
	}
	p := int64(r.Rate)
	ns := t.UnixNano()
	next := ns - ns%p + p
	if ns < 0 && ns%p != 0 {
		next -= p
	}
	return time.Unix(0, next).UTC()
}

// RunsCovering returns the scheduled runs whose window [run - Lookback, run) contains t, in
// order.
func (r *Rule) RunsCovering(t time.Time) []time.Time {
	var out []time.Time
	end := t.Add(r.Lookback)
	for run := r.NextRun(t); !run.IsZero() && !run.After(end); run = r.NextRun(run) {
		out = append(out, run)
		if len(out) > maxRunsPerSignal {
			break
		}
	}
	return out
}

// maxRunsPerSignal bounds the windows one match is evaluated in (a one-minute schedule with a
// long lookback would otherwise re-evaluate a match thousands of times).
const maxRunsPerSignal = 2048
