package lake

import (
	"sort"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
)

// Kind is a kind of data in the lake, and the top directory it is stored under.
type Kind string

// The kinds of lake data.
const (
	Logs        Kind = "logs"
	RuleMatches Kind = "rule_matches"
	RuleErrors  Kind = "rule_errors"
	Quarantine  Kind = "quarantine"
)

// Match is what a rule match or rule error adds to an event.
type Match struct {
	RuleID            string
	AlertID           string
	AlertContext      string // JSON text
	AlertCreationTime int64  // Unix nanoseconds
	AlertUpdateTime   int64
	Tags              []string
	Reports           map[string][]string
	Severity          string
	Title             string
	Dedup             string
	Error             string // rule errors only
}

// StandardColumns are the p_ columns every log table has, after the log type's own columns.
var StandardColumns = func() []string {
	cols := []string{"p_log_type", "p_row_id", "p_event_time", "p_parse_time", "p_source_id", "p_source_label", "p_source_address"}
	for _, k := range indicators.Kinds {
		cols = append(cols, k.Column())
	}
	return append(cols, "p_parse_warnings")
}()

// MatchColumns are the columns rule match tables add; rule error tables also have p_rule_error.
var MatchColumns = []string{"p_rule_id", "p_alert_id", "p_alert_context", "p_alert_creation_time",
	"p_alert_update_time", "p_rule_tags", "p_rule_reports", "p_rule_severity", "p_alert_title", "p_alert_dedup"}

// eventTable is the parquet layout of a table of events of one log type.
type eventTable struct {
	kind   Kind
	lt     *logschema.LogType
	schema *fileSchema
	root   *layout
}

func newEventTable(kind Kind, lt *logschema.LogType) *eventTable {
	root := groupNode("schema", false)
	add := func(n *node) { root.children = append(root.children, n) }
	for _, f := range lt.Root.Fields {
		add(typeNode(f.Column, f.Type))
	}
	add(stringLeaf("p_log_type", false))
	add(stringLeaf("p_row_id", false))
	add(timeLeaf("p_event_time", false))
	add(timeLeaf("p_parse_time", false))
	add(stringLeaf("p_source_id", true))
	add(stringLeaf("p_source_label", true))
	add(stringLeaf("p_source_address", true))
	for _, k := range indicators.Kinds {
		add(stringList(k.Column()))
	}
	add(warningsNode())
	if kind == RuleMatches || kind == RuleErrors {
		add(stringLeaf("p_rule_id", true))
		add(stringLeaf("p_alert_id", true))
		add(jsonLeaf("p_alert_context"))
		add(timeLeaf("p_alert_creation_time", true))
		add(timeLeaf("p_alert_update_time", true))
		add(stringList("p_rule_tags"))
		add(mapNode("p_rule_reports", stringLeaf("key", false), stringList("value")))
		add(stringLeaf("p_rule_severity", true))
		add(stringLeaf("p_alert_title", true))
		add(stringLeaf("p_alert_dedup", true))
		if kind == RuleErrors {
			add(stringLeaf("p_rule_error", true))
		}
	}
	return &eventTable{kind: kind, lt: lt, schema: newFileSchema(root), root: newLayout(lt.Root, 0)}
}

// build writes the column values of ev (and m for rule data).
func (t *eventTable) build(sh *shredder, ev *event.Event, m *Match) {
	// The root object is required: its fields start at definition level 0.
	for i, fl := range t.root.fields {
		sh.value(fl, &ev.Root.Items[i], 0, 0, 0)
	}
	c := t.root.leaves
	sh.str(c, ev.LogType.Name, false)
	sh.str(c+1, ev.RowID, false)
	sh.timestamp(c+2, ev.EventTime, false)
	sh.timestamp(c+3, ev.ParseTime, false)
	sh.str(c+4, ev.SourceID, true)
	sh.str(c+5, ev.SourceLabel, true)
	sh.str(c+6, ev.SourceAddress, true)
	c += 7
	for k := range indicators.Kinds {
		sh.strings(c+k, ev.Indicators[k])
	}
	c += len(indicators.Kinds)
	sh.warnings(c, ev.ParseWarnings)
	c += 3
	if m != nil {
		sh.str(c, m.RuleID, true)
		sh.str(c+1, m.AlertID, true)
		sh.str(c+2, m.AlertContext, true)
		sh.timestamp(c+3, m.AlertCreationTime, true)
		sh.timestamp(c+4, m.AlertUpdateTime, true)
		sh.strings(c+5, m.Tags)
		sh.reports(c+6, m.Reports)
		sh.str(c+8, m.Severity, true)
		sh.str(c+9, m.Title, true)
		sh.str(c+10, m.Dedup, true)
		if t.kind == RuleErrors {
			sh.str(c+11, m.Error, true)
		}
	}
}

// reports emits a map<string, list<string>> at columns col (key) and col+1 (value elements):
// map defined 1, entry 2 (key required), value list defined 3, entry 4, element 5.
func (s *shredder) reports(col int, m map[string][]string) {
	if len(m) == 0 {
		s.cols[col].null(0, 0)
		s.cols[col+1].null(0, 0)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		r := 0
		if i > 0 {
			r = 1
		}
		s.cols[col].str(r, 2, k)
		vals := m[k]
		if len(vals) == 0 {
			s.cols[col+1].null(r, 3)
			continue
		}
		for j, v := range vals {
			rr := r
			if j > 0 {
				rr = 2
			}
			s.cols[col+1].str(rr, 5, v)
		}
	}
}

// warningsNode is the p_parse_warnings column: a list of {field, value, error}, null when the
// event has no warnings.
func warningsNode() *node {
	return listNode("p_parse_warnings", groupNode("element", true,
		stringLeaf("field", true), stringLeaf("value", true), stringLeaf("error", true)))
}

// warnings emits p_parse_warnings at columns col to col+2: list defined 1, entry 2, struct
// defined 3, leaf defined 4.
func (s *shredder) warnings(col int, ws []event.Warning) {
	if len(ws) == 0 {
		for c := col; c < col+3; c++ {
			s.cols[c].null(0, 0)
		}
		return
	}
	for i := range ws {
		rep := 0
		if i > 0 {
			rep = 1
		}
		for c, v := range [3]string{ws[i].Field, ws[i].Value, ws[i].Error} {
			s.cols[col+c].str(rep, 4, v)
		}
	}
}
