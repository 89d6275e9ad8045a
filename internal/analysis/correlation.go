package analysis

import (
	"fmt"

	"github.com/pantherlabs/panther/internal/cron"
)

// Correlation is the Detection of a correlation rule: a Group of member rules whose matches
// must all happen in the lookback window (joined on MatchCriteria), or a Sequence of member
// rules whose matches must happen in order (joined and timed by Transitions).
type Correlation struct {
	// Kind is "Group" or "Sequence".
	Kind string
	// Members are the group members or the sequence steps, in YAML order.
	Members []CorrelationMember
	// MatchCriteria (Group) join members on fields, in YAML order.
	MatchCriteria []MatchCriterion
	// MinMatchCount (Group) is how many of the members that are not Absence must match; 0
	// means all of them.
	MinMatchCount int
	// Transitions (Sequence) time and join consecutive steps.
	Transitions []Transition
	// LookbackWindowMinutes is how far back each run looks; 0 when absent.
	LookbackWindowMinutes int
	Schedule              Schedule
	// EventEvaluationOrder is "", "Chronological" or "ReverseChronological".
	EventEvaluationOrder string
}

// CorrelationMember is one member rule of a correlation rule.
type CorrelationMember struct {
	// ID names the member in MatchCriteria, Transitions and tests; it is the RuleID when
	// the spec gives none.
	ID     string
	RuleID string
	// MinMatchCount is the matches needed (1 when absent); MaxMatchCount the most allowed
	// (0: no limit).
	MinMatchCount int
	MaxMatchCount int
	// Absence: the member must not match.
	Absence bool
	// Line is the member's line in the spec.
	Line int
}

// checkedMember is a member with where it is, while references are checked.
type checkedMember struct {
	CorrelationMember
	index, absenceLine int
}

// MatchCriterion requires the listed members to share a value: each member's value at its
// Match path.
type MatchCriterion struct {
	Name   string
	Fields []CriterionField
}

// CriterionField is the field of one member in a MatchCriterion.
type CriterionField struct {
	GroupID string
	Match   string
}

// Transition links step From to the next step To of a sequence.
type Transition struct {
	ID   string
	From string
	To   string
	// WithinTimeFrameMinutes bounds the time from From's match to To's; 0: no bound but the
	// lookback window.
	WithinTimeFrameMinutes int
	// On is a field both steps must share; or FromField (on From's matches) must equal
	// ToField (on To's). All empty: no join.
	On, FromField, ToField string
}

var correlationMemberSchema = &schema{
	what: "a correlation rule member",
	fields: []field{
		opt("ID", chkNonEmptyStr), req("RuleID", chkID), opt("MinMatchCount", chkPositiveInt),
		opt("MaxMatchCount", chkPositiveInt), opt("Absence", chkBool),
	},
}

var criterionFieldSchema = &schema{
	what:   "a match criterion field",
	fields: []field{req("GroupID", chkNonEmptyStr), req("Match", chkNonEmptyStr)},
}

func chkMatchCriteria(c *check, n *node, path string) {
	if n.kind != mapNode {
		c.add(n.line, path, "expected a mapping of criterion names to lists of {GroupID, Match}, got %s", kindName(n))
		return
	}
	for i, k := range n.keys {
		listOf(func(c *check, n *node, p string) { c.mapping(n, p, criterionFieldSchema) })(c, n.vals[i], joinKey(path, k))
	}
}

var transitionMatchSchema = &schema{
	what:   "a transition match",
	fields: []field{opt("On", chkNonEmptyStr), opt("From", chkNonEmptyStr), opt("To", chkNonEmptyStr)},
}

// onlyItem returns the item of a list that must hold exactly one, what naming it.
func onlyItem(c *check, n *node, path, what string) (*node, string, bool) {
	if n.kind != seqNode {
		c.add(n.line, path, "expected a list with one %s, got %s", what, kindName(n))
		return nil, "", false
	}
	if len(n.items) != 1 {
		c.add(n.line, path, "expected exactly one %s, got %d items", what, len(n.items))
		return nil, "", false
	}
	return n.items[0], joinIndex(path, 0), true
}

func chkTransitionMatch(c *check, n *node, path string) {
	it, p, ok := onlyItem(c, n, path, "match ({On: field} or {From: field, To: field})")
	if !ok || !c.mapping(it, p, transitionMatchSchema) {
		return
	}
	_, on := it.get("On")
	_, from := it.get("From")
	_, to := it.get("To")
	switch {
	case on && (from || to):
		c.add(it.line, p, "expected On, or From and To, not both")
	case !on && !(from && to):
		c.add(it.line, p, "expected On (the field both steps share), or From and To (the field of each step)")
	}
}

var transitionSchema = &schema{
	what: "a transition",
	fields: []field{
		opt("ID", chkStr), req("From", chkNonEmptyStr), req("To", chkNonEmptyStr),
		opt("WithinTimeFrameMinutes", chkPositiveInt), opt("Match", chkTransitionMatch),
	},
}

func chkCorrelationSchedule(c *check, n *node, path string) {
	if !c.mapping(n, path, scheduleSchema) {
		return
	}
	if r, ok := n.get("RateMinutes"); ok && r.val.(int64) < 1 {
		c.add(r.line, joinKey(path, "RateMinutes"), "RateMinutes must be at least 1, got %d", r.val.(int64))
	}
	if t, ok := n.get("TimeoutMinutes"); ok && t.val.(int64) < 1 {
		c.add(t.line, joinKey(path, "TimeoutMinutes"), "TimeoutMinutes must be at least 1, got %d", t.val.(int64))
	}
	if e, ok := n.get("CronExpression"); ok {
		if _, err := cron.Parse(strVal(e)); err != nil {
			c.add(e.line, joinKey(path, "CronExpression"), "%v", err)
		}
	}
}

func chkPositiveInt(c *check, n *node, path string) {
	v, ok := n.val.(int64)
	if n.kind != scalarNode || !ok {
		c.add(n.line, path, "expected an integer, got %s", describe(n))
		return
	}
	if v < 1 {
		c.add(n.line, path, "expected an integer of at least 1, got %d", v)
	}
}

var correlationCommon = []field{
	req("Schedule", chkCorrelationSchedule), opt("LookbackWindowMinutes", chkPositiveInt),
	opt("EventEvaluationOrder", oneOf("Chronological", "ReverseChronological")),
}

var groupSchema = &schema{
	what: "a Group correlation",
	fields: append([]field{
		req("Group", listOf(func(c *check, n *node, p string) { c.mapping(n, p, correlationMemberSchema) })),
		opt("MatchCriteria", chkMatchCriteria), opt("MinMatchCount", chkPositiveInt),
	}, correlationCommon...),
}

var sequenceSchema = &schema{
	what: "a Sequence correlation",
	fields: append([]field{
		req("Sequence", listOf(func(c *check, n *node, p string) { c.mapping(n, p, correlationMemberSchema) })),
		opt("Transitions", listOf(func(c *check, n *node, p string) { c.mapping(n, p, transitionSchema) })),
	}, correlationCommon...),
}

// chkCorrelationDetection validates a correlation rule's Detection: a list holding one Group
// or Sequence mapping, whose references (GroupID, From, To) name its members.
func chkCorrelationDetection(c *check, n *node, path string) {
	it, p, ok := onlyItem(c, n, path, "Group or Sequence mapping")
	if !ok {
		return
	}
	if it.kind != mapNode {
		c.add(it.line, p, "expected a mapping with Group or Sequence, got %s", kindName(it))
		return
	}
	_, g := it.get("Group")
	_, s := it.get("Sequence")
	switch {
	case g && s:
		c.add(it.keyLine("Sequence"), joinKey(p, "Sequence"), "expected Group or Sequence, not both")
		return
	case g:
		c.mapping(it, p, groupSchema)
		checkGroupRefs(c, it, p)
	case s:
		c.mapping(it, p, sequenceSchema)
		checkSequenceRefs(c, it, p)
	default:
		c.add(it.line, p, "expected a Group (members matching in any order) or a Sequence (members matching in order)")
	}
}

// members checks the members of a Group or Sequence: unique IDs and Min <= Max; it returns
// the member IDs in order.
func members(c *check, list *node, path string) []checkedMember {
	var out []checkedMember
	seen := map[string]int{}
	for i, it := range list.items {
		if it.kind != mapNode {
			continue
		}
		m := checkedMember{buildMember(it), i, it.keyLine("Absence")}
		p := joinIndex(path, i)
		if j, dup := seen[m.ID]; dup {
			c.add(it.line, joinKey(p, "ID"), "duplicate member ID %q (also %s)", m.ID, joinIndex(path, j))
		}
		seen[m.ID] = i
		if m.MaxMatchCount > 0 && m.MaxMatchCount < m.MinMatchCount {
			c.add(it.keyLine("MaxMatchCount"), joinKey(p, "MaxMatchCount"), "MaxMatchCount (%d) is below MinMatchCount (%d)", m.MaxMatchCount, m.MinMatchCount)
		}
		if m.Absence && m.MaxMatchCount > 0 {
			c.add(it.keyLine("MaxMatchCount"), joinKey(p, "MaxMatchCount"), "an Absence member cannot have a MaxMatchCount")
		}
		out = append(out, m)
	}
	if len(list.items) == 0 {
		c.add(list.line, path, "expected at least one member rule")
	}
	return out
}

func checkGroupRefs(c *check, it *node, path string) {
	list, ok := it.get("Group")
	if !ok || list.kind != seqNode {
		return
	}
	ms := members(c, list, joinKey(path, "Group"))
	ids := map[string]bool{}
	present := 0
	for _, m := range ms {
		ids[m.ID] = true
		if !m.Absence {
			present++
		}
	}
	if len(ms) > 0 && present == 0 {
		c.add(list.line, joinKey(path, "Group"), "every member is Absence: at least one member must match")
	}
	if n, ok := it.get("MinMatchCount"); ok {
		if v, isInt := n.val.(int64); isInt && v > int64(present) {
			c.add(n.line, joinKey(path, "MinMatchCount"), "MinMatchCount is %d but only %d members can match (the others are Absence)", v, present)
		}
	}
	crit, ok := it.get("MatchCriteria")
	if !ok {
		return
	}
	for i, k := range crit.keys {
		seen := map[string]bool{}
		for j, f := range crit.vals[i].items {
			gid, ok := f.get("GroupID")
			if !ok || !isStr(gid) {
				continue
			}
			p := joinKey(joinIndex(joinKey(joinKey(path, "MatchCriteria"), k), j), "GroupID")
			switch {
			case !ids[strVal(gid)]:
				c.add(gid.line, p, "%q is not the ID of a member of the Group", strVal(gid))
			case seen[strVal(gid)]:
				c.add(gid.line, p, "member %q appears twice in the criterion %q", strVal(gid), k)
			}
			seen[strVal(gid)] = true
		}
	}
}

func checkSequenceRefs(c *check, it *node, path string) {
	list, ok := it.get("Sequence")
	if !ok || list.kind != seqNode {
		return
	}
	sp := joinKey(path, "Sequence")
	ms := members(c, list, sp)
	index := map[string]int{}
	for i, m := range ms {
		index[m.ID] = i
		if m.Absence && i > 0 && i < len(ms)-1 {
			c.add(m.absenceLine, joinKey(joinIndex(sp, m.index), "Absence"), "only the first or the last step of a Sequence can be Absence")
		}
	}
	if len(ms) == 1 && ms[0].Absence {
		c.add(list.line, sp, "a Sequence of one Absence step matches nothing")
	}
	if len(ms) > 1 && ms[0].Absence && ms[len(ms)-1].Absence {
		c.add(list.line, sp, "the first and the last step cannot both be Absence")
	}
	trs, ok := it.get("Transitions")
	if !ok {
		return
	}
	seen := map[int]int{}
	for i, t := range trs.items {
		p := joinIndex(joinKey(path, "Transitions"), i)
		from, okF := t.get("From")
		to, okT := t.get("To")
		if !okF || !okT || !isStr(from) || !isStr(to) {
			continue
		}
		fi, okF := index[strVal(from)]
		ti, okT := index[strVal(to)]
		if !okF {
			c.add(from.line, joinKey(p, "From"), "%q is not the ID of a step of the Sequence", strVal(from))
		}
		if !okT {
			c.add(to.line, joinKey(p, "To"), "%q is not the ID of a step of the Sequence", strVal(to))
		}
		if !okF || !okT {
			continue
		}
		if ti != fi+1 {
			c.add(to.line, joinKey(p, "To"), "a transition goes from a step to the next one: after %q comes %s, not %q", strVal(from), nextStep(ms, fi), strVal(to))
			continue
		}
		if j, dup := seen[fi]; dup {
			c.add(t.line, p, "a second transition from %q (the first is Transitions[%d])", strVal(from), j)
		}
		seen[fi] = i
	}
}

func nextStep(ms []checkedMember, i int) string {
	if i+1 < len(ms) {
		return fmt.Sprintf("%q", ms[i+1].ID)
	}
	return "nothing (it is the last step)"
}

func buildMember(n *node) CorrelationMember {
	m := CorrelationMember{
		ID: str(n, "ID"), RuleID: str(n, "RuleID"), MinMatchCount: integer(n, "MinMatchCount", 1),
		MaxMatchCount: integer(n, "MaxMatchCount", 0), Absence: boolean(n, "Absence", false), Line: n.line,
	}
	if m.ID == "" {
		m.ID = m.RuleID
	}
	return m
}

// buildCorrelation builds the Correlation of a valid correlation rule's Detection.
func buildCorrelation(n *node) *Correlation {
	if n == nil || n.kind != seqNode || len(n.items) != 1 {
		return nil
	}
	it := n.items[0]
	c := &Correlation{
		LookbackWindowMinutes: integer(it, "LookbackWindowMinutes", 0),
		EventEvaluationOrder:  str(it, "EventEvaluationOrder"),
		MinMatchCount:         integer(it, "MinMatchCount", 0),
	}
	if s, ok := it.get("Schedule"); ok {
		c.Schedule = buildSchedule(s)
	}
	list, ok := it.get("Group")
	c.Kind = "Group"
	if !ok {
		list, _ = it.get("Sequence")
		c.Kind = "Sequence"
	}
	for _, m := range list.items {
		c.Members = append(c.Members, buildMember(m))
	}
	if crit, ok := it.get("MatchCriteria"); ok {
		for i, k := range crit.keys {
			mc := MatchCriterion{Name: k}
			for _, f := range crit.vals[i].items {
				mc.Fields = append(mc.Fields, CriterionField{GroupID: str(f, "GroupID"), Match: str(f, "Match")})
			}
			c.MatchCriteria = append(c.MatchCriteria, mc)
		}
	}
	if trs, ok := it.get("Transitions"); ok {
		for _, t := range trs.items {
			tr := Transition{ID: str(t, "ID"), From: str(t, "From"), To: str(t, "To"),
				WithinTimeFrameMinutes: integer(t, "WithinTimeFrameMinutes", 0)}
			if m, ok := t.get("Match"); ok && len(m.items) == 1 {
				tr.On, tr.FromField, tr.ToField = str(m.items[0], "On"), str(m.items[0], "From"), str(m.items[0], "To")
			}
			c.Transitions = append(c.Transitions, tr)
		}
	}
	return c
}
