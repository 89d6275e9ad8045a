package correlate

import (
	"sort"
	"strings"
)

// Window is what one evaluation of a correlation rule looks at.
type Window struct {
	// Start and End bound the window, [Start, End), in Unix nanoseconds.
	Start, End int64
	// Complete says no signal of the window is still to come (unit tests, a replay): an
	// Absence whose time frame reaches past End is decided on what there is. Otherwise such
	// an absence is left to a later window.
	Complete bool
	// Known, when set before End, is how far the signals are known: a window evaluated
	// before its end decides no Absence whose time frame reaches past Known.
	Known int64
	// Signals holds each member's signals in the window (Signals[i] for Members[i]).
	Signals [][]*Signal
}

// horizon is the time up to which an Absence can be decided.
func (w *Window) horizon() int64 {
	if w.Known > 0 && w.Known < w.End {
		return w.Known
	}
	return w.End
}

// Key is one joined value of an occurrence: a MatchCriteria name or a transition, and the
// value its members share.
type Key struct {
	Name  string
	Value string
}

// Occurrence is one match of a correlation rule in a window.
type Occurrence struct {
	Keys []Key
	// Time is when the occurrence completed: the event time of its last contributing match.
	// First is the event time of its first one.
	Time, First int64
	// Matches holds the contributing signals of each member, in time order (none for Absence
	// members).
	Matches [][]*Signal
}

// maxTuples bounds the key combinations a Group with several MatchCriteria tries in a window.
const maxTuples = 100000

// anyValue stands for a criterion no matching member constrains.
const anyValue = "\x00any"

// Evaluate finds the occurrences of the rule in a window, one per distinct joined key, sorted
// by time then keys. The result depends only on the signals of the window, not on their
// order.
func (r *Rule) Evaluate(w *Window) []Occurrence {
	for _, list := range w.Signals {
		sortSignals(list)
	}
	var out []Occurrence
	if r.Kind == Group {
		out = r.evalGroup(w)
	} else {
		out = r.evalSequence(w)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time < out[j].Time
		}
		return keyString(out[i].Keys) < keyString(out[j].Keys)
	})
	return out
}

func sortSignals(list []*Signal) {
	sort.SliceStable(list, func(i, j int) bool { return signalLess(list[i], list[j]) })
}

func signalLess(a, b *Signal) bool {
	if a.Time != b.Time {
		return a.Time < b.Time
	}
	if a.Key != b.Key {
		return a.Key < b.Key
	}
	return a.Seq < b.Seq
}

func keyString(keys []Key) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k.Name)
		b.WriteByte(0)
		b.WriteString(k.Value)
		b.WriteByte(0)
	}
	return b.String()
}

// ---- Group ----------------------------------------------------------------------------------

func (r *Rule) evalGroup(w *Window) []Occurrence {
	n := len(r.Members)
	present := 0
	for _, m := range r.Members {
		if !m.Absent {
			present++
		}
	}
	if present < n && !w.Complete && w.horizon() < w.End {
		return nil // an Absence over the window cannot be decided before the window is over
	}
	// The values each criterion can take: those of the members that must match (all of them
	// when every member is needed, else any of them).
	cands := make([][]string, len(r.criteria))
	for ci, c := range r.criteria {
		var set map[string]bool
		constrained := false
		for i, m := range r.Members {
			if m.Absent || c.fields[i] == "" {
				continue
			}
			vals := map[string]bool{}
			for _, s := range w.Signals[i] {
				for _, v := range s.Values(c.fields[i]) {
					vals[v] = true
				}
			}
			switch {
			case !constrained:
				set = vals
			case r.minMembers == present:
				for v := range set {
					if !vals[v] {
						delete(set, v)
					}
				}
			default:
				for v := range vals {
					set[v] = true
				}
			}
			constrained = true
		}
		if !constrained {
			cands[ci] = []string{anyValue}
			continue
		}
		if len(set) == 0 {
			return nil
		}
		for v := range set {
			cands[ci] = append(cands[ci], v)
		}
		sort.Strings(cands[ci])
	}
	// Index each member's signals by the value of the first criterion it is part of.
	idx := make([]memberIndex, n)
	for i := range r.Members {
		idx[i].crit = -1
		for ci, c := range r.criteria {
			if c.fields[i] != "" {
				idx[i].crit = ci
				idx[i].by = map[string][]*Signal{}
				for _, s := range w.Signals[i] {
					for _, v := range s.Values(c.fields[i]) {
						idx[i].by[v] = append(idx[i].by[v], s)
					}
				}
				break
			}
		}
	}
	var out []Occurrence
	tuple := make([]string, len(r.criteria))
	tried := 0
	var walk func(ci int)
	walk = func(ci int) {
		if tried >= maxTuples {
			return
		}
		if ci < len(cands) {
			for _, v := range cands[ci] {
				tuple[ci] = v
				walk(ci + 1)
			}
			return
		}
		tried++
		if o, ok := r.groupOccurrence(w, idx, tuple, n); ok {
			out = append(out, o)
		}
	}
	walk(0)
	return out
}

// compatible reports whether member i's signal carries the tuple's value of every criterion
// the member is part of.
func (r *Rule) compatible(i int, s *Signal, tuple []string) bool {
	for ci, c := range r.criteria {
		f := c.fields[i]
		if f == "" || tuple[ci] == anyValue {
			continue
		}
		if !hasValue(s.Values(f), tuple[ci]) {
			return false
		}
	}
	return true
}

type memberSignal struct {
	member int
	s      *Signal
}

// memberIndex holds a member's signals by the value of criterion crit (-1: not indexed).
type memberIndex struct {
	crit int
	by   map[string][]*Signal
}

// candidates returns the member's signals that may carry the tuple's values.
func (ix memberIndex) candidates(all []*Signal, tuple []string) []*Signal {
	if ix.crit < 0 || tuple[ix.crit] == anyValue {
		return all
	}
	return ix.by[tuple[ix.crit]]
}

func (r *Rule) groupOccurrence(w *Window, idx []memberIndex, tuple []string, n int) (Occurrence, bool) {
	var eligible []memberSignal
	satisfied := 0
	need := make([]int, n)
	for i, m := range r.Members {
		var cnt int
		var mine []memberSignal
		for _, s := range idx[i].candidates(w.Signals[i], tuple) {
			if r.compatible(i, s, tuple) {
				cnt++
				mine = append(mine, memberSignal{i, s})
			}
		}
		if m.Absent {
			// Absence: fewer than MinMatchCount matches (none, by default).
			if cnt >= m.Min {
				return Occurrence{}, false
			}
			continue
		}
		if cnt >= m.Min && (m.Max == 0 || cnt <= m.Max) {
			satisfied++
			need[i] = m.Min
			eligible = append(eligible, mine...)
		}
	}
	if satisfied < r.minMembers || satisfied == 0 {
		return Occurrence{}, false
	}
	sort.SliceStable(eligible, func(a, b int) bool {
		sa, sb := eligible[a].s, eligible[b].s
		if signalLess(sa, sb) {
			return true
		}
		if signalLess(sb, sa) {
			return false
		}
		return eligible[a].member < eligible[b].member
	})
	// Chronological: the shortest prefix in which enough members reach their counts; the
	// reverse order takes the shortest suffix.
	counts := make([]int, n)
	done := 0
	o := Occurrence{Matches: make([][]*Signal, n)}
	take := func(ms memberSignal) bool {
		o.Matches[ms.member] = append(o.Matches[ms.member], ms.s)
		counts[ms.member]++
		if counts[ms.member] == need[ms.member] {
			done++
		}
		return done >= r.minMembers
	}
	if r.Order == ReverseChronological {
		for k := len(eligible) - 1; k >= 0; k-- {
			if take(eligible[k]) {
				break
			}
		}
		for i := range o.Matches {
			reverse(o.Matches[i])
		}
	} else {
		for _, ms := range eligible {
			if take(ms) {
				break
			}
		}
	}
	first, last := int64(0), int64(0)
	seen := false
	for _, list := range o.Matches {
		for _, s := range list {
			if !seen || s.Time < first {
				first = s.Time
			}
			if !seen || s.Time > last {
				last = s.Time
			}
			seen = true
		}
	}
	o.Time, o.First = last, first
	for ci, c := range r.criteria {
		if tuple[ci] != anyValue {
			o.Keys = append(o.Keys, Key{Name: c.name, Value: tuple[ci]})
		}
	}
	return o, true
}

func reverse(list []*Signal) {
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
}

// ---- Sequence -------------------------------------------------------------------------------

// entry is one way a sequence can be complete up to a step.
type entry struct {
	t, first int64     // completion time and first match of this step
	out      string    // the value of the field the next transition joins on
	keys     []string  // the joined values of the transitions so far
	sigs     []*Signal // this step's contributing matches
	prev     *entry
	step     int
}

// entries indexes the entries of a step by the value they pass on, then by their keys so far.
type entries map[string]map[string][]*entry

func (es entries) add(e *entry) {
	byKeys := es[e.out]
	if byKeys == nil {
		byKeys = map[string][]*entry{}
		es[e.out] = byKeys
	}
	k := strings.Join(e.keys, "\x00")
	byKeys[k] = append(byKeys[k], e)
}

func (es entries) sort() {
	for _, byKeys := range es {
		for _, list := range byKeys {
			sort.SliceStable(list, func(i, j int) bool { return list[i].t < list[j].t })
		}
	}
}

// values returns a signal's values of a join field; a step not joined on a field passes "".
func values(s *Signal, field string) []string {
	if field == "" {
		return []string{""}
	}
	return s.Values(field)
}

type bucketKey struct{ in, out string }

// buckets groups a step's signals by the values they join on.
func buckets(list []*Signal, inField, outField string) (map[bucketKey][]*Signal, []bucketKey) {
	out := map[bucketKey][]*Signal{}
	var keys []bucketKey
	for _, s := range list {
		for _, in := range values(s, inField) {
			for _, o := range values(s, outField) {
				k := bucketKey{in, o}
				if _, ok := out[k]; !ok {
					keys = append(keys, k)
				}
				out[k] = append(out[k], s)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].in != keys[j].in {
			return keys[i].in < keys[j].in
		}
		return keys[i].out < keys[j].out
	})
	return out, keys
}

// countBetween counts the signals of a sorted list with lo <= Time <= hi that are not one of
// skip, up to limit.
func countBetween(list []*Signal, lo, hi int64, skip []*Signal, limit int) int {
	n := 0
	i := sort.Search(len(list), func(i int) bool { return list[i].Time >= lo })
	for ; i < len(list) && list[i].Time <= hi && n < limit; i++ {
		if !contains(skip, list[i]) {
			n++
		}
	}
	return n
}

func contains(list []*Signal, s *Signal) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r *Rule) inField(i int) string {
	if i == 0 {
		return ""
	}
	return r.links[i-1].to
}

func (r *Rule) outField(i int) string {
	if i >= len(r.links) {
		return ""
	}
	return r.links[i].from
}

// seqEval is one evaluation of a sequence.
type seqEval struct {
	w *Window
	// absentFirst holds the signals of an Absence first step by the value they join on.
	absentFirst map[bucketKey][]*Signal
}

func (r *Rule) evalSequence(w *Window) []Occurrence {
	n := len(r.Members)
	ev := &seqEval{w: w}
	if r.Members[0].Absent && n > 1 {
		ev.absentFirst, _ = buckets(w.Signals[0], "", r.links[0].from)
	}
	var prev entries
	var final []*entry
	for i, m := range r.Members {
		if m.Absent && i == 0 {
			continue // checked by step 1
		}
		if m.Absent { // the last step: nothing of it may follow
			final = r.absentLast(w, prev)
			break
		}
		cur := entries{}
		bk, order := buckets(w.Signals[i], r.inField(i), r.outField(i))
		for _, k := range order {
			sigs := bk[k]
			for j := m.Min - 1; j < len(sigs); j++ {
				if e := r.stepEntry(ev, i, k, sigs, j, prev); e != nil {
					cur.add(e)
					if i == n-1 {
						final = append(final, e)
					}
				}
			}
		}
		cur.sort()
		prev = cur
	}
	return r.pickOccurrences(final)
}

// stepEntry tries to complete step i at sigs[j] (the j-th signal of one bucket).
func (r *Rule) stepEntry(ev *seqEval, i int, k bucketKey, sigs []*Signal, j int, prev entries) *entry {
	w := ev.w
	m := r.Members[i]
	last, firstSig := sigs[j], sigs[j-m.Min+1]
	e := &entry{t: last.Time, first: firstSig.Time, out: k.out, sigs: sigs[j-m.Min+1 : j+1], step: i}
	switch {
	case i == 0:
		if m.Max > 0 && j+1 > m.Max {
			return nil
		}
		return e
	case i == 1 && r.Members[0].Absent:
		l := r.links[0]
		lo := w.Start
		if l.within > 0 {
			lo = firstSig.Time - int64(l.within)
			if !w.Complete && lo < w.Start {
				return nil // the time frame before the first match is not all in the window
			}
		}
		a := r.Members[0]
		if countBetween(ev.absentFirst[bucketKey{"", k.in}], lo, firstSig.Time, nil, a.Min) >= a.Min {
			return nil
		}
		e.keys = []string{k.in}
		return e
	}
	strict := r.Members[i-1].RuleID == m.RuleID
	var best *entry
	for _, preds := range prev[k.in] {
		// The latest completion of the previous step at or before this step's first match.
		x := sort.Search(len(preds), func(x int) bool {
			if strict {
				return preds[x].t >= firstSig.Time
			}
			return preds[x].t > firstSig.Time
		}) - 1
		if x < 0 {
			continue
		}
		p := preds[x]
		if l := r.links[i-1]; l.within > 0 && last.Time-p.t > int64(l.within) {
			continue
		}
		if m.Max > 0 {
			lb := sort.Search(len(sigs), func(y int) bool { return sigs[y].Time >= p.t })
			if j-lb+1 > m.Max {
				continue
			}
		}
		if best == nil || p.t > best.t || (p.t == best.t && strings.Join(p.keys, "\x00") < strings.Join(best.keys, "\x00")) {
			best = p
		}
	}
	if best == nil {
		return nil
	}
	e.prev = best
	e.keys = append(append([]string(nil), best.keys...), k.in)
	return e
}

// absentLast completes the sequence at the entries of the step before an Absence last step
// that no match of the absent rule follows within the transition's time frame.
func (r *Rule) absentLast(w *Window, prev entries) []*entry {
	i := len(r.Members) - 1
	l := r.links[i-1]
	bk, _ := buckets(w.Signals[i], l.to, "")
	a := r.Members[i]
	strict := r.Members[i-1].RuleID == a.RuleID
	var outs []string
	for v := range prev {
		outs = append(outs, v)
	}
	sort.Strings(outs)
	var final []*entry
	for _, v := range outs {
		var keyNames []string
		for k := range prev[v] {
			keyNames = append(keyNames, k)
		}
		sort.Strings(keyNames)
		for _, kn := range keyNames {
			for _, p := range prev[v][kn] {
				hi := w.End - 1
				if l.within > 0 {
					hi = p.t + int64(l.within)
				}
				if !w.Complete && (hi >= w.horizon() || (l.within == 0 && w.horizon() < w.End)) {
					continue // the time frame is not over within what is known of this window
				}
				var skip []*Signal
				if strict {
					skip = p.sigs
				}
				if countBetween(bk[bucketKey{v, ""}], p.t, hi, skip, a.Min) >= a.Min {
					continue
				}
				final = append(final, &entry{t: p.t, first: p.first, keys: append(append([]string(nil), p.keys...), v), prev: p, step: i})
			}
		}
	}
	return final
}

// pickOccurrences keeps one chain per joined key: the one completing first (Chronological)
// or last.
func (r *Rule) pickOccurrences(final []*entry) []Occurrence {
	best := map[string]*entry{}
	var order []string
	for _, e := range final {
		k := strings.Join(e.keys, "\x00")
		b, ok := best[k]
		if !ok {
			order = append(order, k)
			best[k] = e
			continue
		}
		if r.better(e, b) {
			best[k] = e
		}
	}
	sort.Strings(order)
	out := make([]Occurrence, 0, len(order))
	for _, k := range order {
		e := best[k]
		o := Occurrence{Time: e.t, Matches: make([][]*Signal, len(r.Members))}
		o.First = e.t
		for x := e; x != nil; x = x.prev {
			if len(x.sigs) > 0 {
				o.Matches[x.step] = x.sigs
				o.First = min(o.First, x.first)
			}
		}
		for li, l := range r.links {
			if l.from != "" || l.to != "" {
				o.Keys = append(o.Keys, Key{Name: l.name, Value: e.keys[li]})
			}
		}
		out = append(out, o)
	}
	return out
}

func (r *Rule) better(a, b *entry) bool {
	if a.t != b.t {
		if r.Order == ReverseChronological {
			return a.t > b.t
		}
		return a.t < b.t
	}
	if a.first != b.first {
		return a.first > b.first // the tighter chain
	}
	return chainKey(a) < chainKey(b)
}

// chainKey orders two chains that complete at the same time by their matches.
func chainKey(e *entry) string {
	var b strings.Builder
	for x := e; x != nil; x = x.prev {
		for _, s := range x.sigs {
			b.WriteString(s.Key)
			b.WriteByte(0)
		}
	}
	return b.String()
}

// Dedup is the dedup string of the occurrence's alert: its joined value, or "name=value"
// pairs when it joins on several; the default dedup string of the rule when nothing is
// joined.
func (o *Occurrence) Dedup(ruleID string) string {
	switch len(o.Keys) {
	case 0:
		return "defaultDedupString:" + ruleID
	case 1:
		return o.Keys[0].Value
	}
	parts := make([]string, len(o.Keys))
	for i, k := range o.Keys {
		parts[i] = k.Name + "=" + k.Value
	}
	return strings.Join(parts, ", ")
}
