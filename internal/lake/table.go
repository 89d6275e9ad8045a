package lake

import (
	"sort"

	"github.com/parquet-go/parquet-go"

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
	cols := []string{"p_log_type", "p_row_id", "p_event_time", "p_parse_time", "p_source_id", "p_source_label"}
	for _, k := range indicators.Kinds {
		cols = append(cols, k.Column())
	}
	return cols
}()

// MatchColumns are the columns rule match tables add; rule error tables also have p_rule_error.
var MatchColumns = []string{"p_rule_id", "p_alert_id", "p_alert_context", "p_alert_creation_time",
	"p_alert_update_time", "p_rule_tags", "p_rule_reports", "p_rule_severity", "p_alert_title", "p_alert_dedup"}

// eventTable is the parquet layout of a table of events of one log type.
type eventTable struct {
	kind   Kind
	lt     *logschema.LogType
	schema *parquet.Schema
	root   *layout
	ncols  int
}

func newEventTable(kind Kind, lt *logschema.LogType) *eventTable {
	b := newGroup(false)
	for _, f := range lt.Root.Fields {
		b.add(f.Column, node(f.Type))
	}
	b.add("p_log_type", requiredString).
		add("p_row_id", requiredString).
		add("p_event_time", requiredTime).
		add("p_parse_time", requiredTime).
		add("p_source_id", optionalString).
		add("p_source_label", optionalString)
	for _, k := range indicators.Kinds {
		b.add(k.Column(), stringList)
	}
	if kind == RuleMatches || kind == RuleErrors {
		b.add("p_rule_id", optionalString).
			add("p_alert_id", optionalString).
			add("p_alert_context", parquet.Optional(parquet.JSON())).
			add("p_alert_creation_time", optionalTime).
			add("p_alert_update_time", optionalTime).
			add("p_rule_tags", stringList).
			add("p_rule_reports", parquet.Optional(parquet.Map(parquet.String(), stringList))).
			add("p_rule_severity", optionalString).
			add("p_alert_title", optionalString).
			add("p_alert_dedup", optionalString)
		if kind == RuleErrors {
			b.add("p_rule_error", optionalString)
		}
	}
	t := &eventTable{kind: kind, lt: lt, schema: parquet.NewSchema(lt.Table, b.g)}
	t.root = newLayout(lt.Root, 0)
	t.ncols = len(t.schema.Columns())
	return t
}

// build appends the parquet row of ev (and m for rule data) to row.
func (t *eventTable) build(sh *shredder, row parquet.Row, ev *event.Event, m *Match) parquet.Row {
	sh.reset(t.ncols)
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
	c += 6
	for k := range indicators.Kinds {
		sh.strings(c+k, ev.Indicators[k])
	}
	c += len(indicators.Kinds)
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
	return sh.row(row)
}

// reports emits a map<string, list<string>> at columns col (key) and col+1 (value elements).
func (s *shredder) reports(col int, m map[string][]string) {
	if len(m) == 0 {
		s.put(col, parquet.NullValue().Level(0, 0, col))
		s.put(col+1, parquet.NullValue().Level(0, 0, col+1))
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
		s.put(col, parquet.ByteArrayValue(bytesOf(k)).Level(r, 2, col))
		vals := m[k]
		if len(vals) == 0 {
			s.put(col+1, parquet.NullValue().Level(r, 3, col+1))
			continue
		}
		for j, v := range vals {
			rr := r
			if j > 0 {
				rr = 2
			}
			s.put(col+1, parquet.ByteArrayValue(bytesOf(v)).Level(rr, 5, col+1))
		}
	}
}
