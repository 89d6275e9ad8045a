package detect

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// Guards let the engine skip Python rules that cannot match an event. pyrun extracts, from the
// source of each rule() function, the leading field tests that make it return False without
// side effects; here they are compiled against a log type's schema and evaluated on the event
// tree, with Python's semantics: PantherEvent.get and deep_get (case-insensitive keys, the
// default when a key is missing or a step is not a mapping), == and `in` between str, int,
// float, bool and None, and truthiness. A test whose outcome cannot be known exactly here (a
// value inside free-form JSON, a container compared with constants) counts as passing, so a
// rule is skipped only when Python would certainly return False.

// tri is a three-valued truth.
type tri int8

const (
	unknown tri = iota
	no
	yes
)

// pyKind is the kind of a Python value a guard compares.
type pyKind uint8

const (
	pyUnknown pyKind = iota
	pyNone
	pyStr
	pyInt
	pyFloat
	pyBool
	pyContainer
)

type pyValue struct {
	kind  pyKind
	s     string
	i     int64
	f     float64
	empty bool // containers
}

// constant converts a guard constant (string, json.Number, bool, nil).
func constant(v any) pyValue {
	switch x := v.(type) {
	case nil:
		return pyValue{kind: pyNone}
	case string:
		return pyValue{kind: pyStr, s: x}
	case bool:
		if x {
			return pyValue{kind: pyBool, i: 1}
		}
		return pyValue{kind: pyBool}
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return pyValue{kind: pyInt, i: i}
		}
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return pyValue{kind: pyFloat, f: f}
		}
	}
	return pyValue{kind: pyUnknown}
}

func (v pyValue) numeric() (float64, bool) {
	switch v.kind {
	case pyInt, pyBool:
		return float64(v.i), true
	case pyFloat:
		return v.f, true
	}
	return 0, false
}

// equal is Python's == between a value and a constant; unknown when it cannot be decided.
func equal(v, c pyValue) tri {
	if v.kind == pyUnknown || c.kind == pyUnknown {
		return unknown
	}
	if v.kind == pyContainer {
		return unknown
	}
	if v.kind == pyNone || c.kind == pyNone {
		return boolTri(v.kind == c.kind)
	}
	if v.kind == pyStr || c.kind == pyStr {
		return boolTri(v.kind == c.kind && v.s == c.s)
	}
	if (v.kind == pyInt || v.kind == pyBool) && (c.kind == pyInt || c.kind == pyBool) {
		return boolTri(v.i == c.i)
	}
	a, _ := v.numeric()
	b, _ := c.numeric()
	if math.IsNaN(a) || math.IsNaN(b) {
		return unknown
	}
	return boolTri(a == b)
}

func boolTri(b bool) tri {
	if b {
		return yes
	}
	return no
}

func not(t tri) tri {
	switch t {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

// truthy is Python's truth value.
func truthy(v pyValue) tri {
	switch v.kind {
	case pyNone:
		return no
	case pyStr:
		return boolTri(v.s != "")
	case pyInt, pyBool:
		return boolTri(v.i != 0)
	case pyFloat:
		return boolTri(v.f != 0)
	case pyContainer:
		return boolTri(!v.empty)
	}
	return unknown
}

// guardCond is a guard condition compiled for one log type.
type guardCond struct {
	op     string
	values []pyValue
	def    pyValue
	// How to read the field: a path of field indexes into the event tree; or a standard
	// field; missing when the schema has no such field (the default is read); opaque when
	// the value cannot be known (a path into free-form JSON).
	path    []int
	pfield  string
	missing bool
	opaque  bool
}

// compileGuard resolves a guard against a log type's schema. It returns nil when the guard
// cannot skip anything.
func compileGuard(conds []pyrun.GuardCond, lt *logschema.LogType) []guardCond {
	var out []guardCond
	for _, c := range conds {
		g := guardCond{op: c.Op, def: constant(c.Default)}
		for _, v := range c.Values {
			g.values = append(g.values, constant(v))
		}
		g.resolve(c.Path, lt.Root)
		if g.opaque {
			continue // a condition we cannot evaluate never rules anything out
		}
		out = append(out, g)
	}
	return out
}

// standard lists the p_ fields a guard can read, by lower-case name.
var standard = map[string]string{"p_log_type": "p_log_type", "p_source_id": "p_source_id",
	"p_source_label": "p_source_label", "p_source_address": "p_source_address", "p_row_id": "p_row_id", "p_event_time": "p_event_time",
	"p_parse_time": "p_parse_time"}

func (g *guardCond) resolve(path []string, t *logschema.Type) {
	if name, ok := standard[strings.ToLower(path[0])]; ok && len(path) == 1 {
		g.pfield = name
		return
	}
	if strings.HasPrefix(strings.ToLower(path[0]), "p_") {
		g.opaque = true // p_any_*, p_udm, p_enrichment...
		return
	}
	for depth, key := range path {
		switch t.Kind {
		case logschema.KindObject:
		case logschema.KindJSON:
			g.opaque = true
			return
		default:
			// A step into a list or a scalar: deep_get yields the default; so does a missing key.
			if depth > 0 {
				g.missing = true
				return
			}
		}
		idx := -1
		for i, f := range t.Fields {
			if f.Column == key {
				idx = i
				break
			}
		}
		if idx < 0 {
			for i, f := range t.Fields {
				if strings.EqualFold(f.Column, key) {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			g.missing = true
			return
		}
		g.path = append(g.path, idx)
		t = t.Fields[idx].Type
	}
	if t.Kind == logschema.KindJSON {
		g.opaque = true
	}
}

// read returns the value the guard's field has in ev.
func (g *guardCond) read(ev *event.Event) pyValue {
	if g.missing {
		return g.def
	}
	if g.pfield != "" {
		var s string
		switch g.pfield {
		case "p_log_type":
			s = ev.LogType.Name
		case "p_source_id":
			s = ev.SourceID
		case "p_source_label":
			s = ev.SourceLabel
		case "p_source_address":
			s = ev.SourceAddress
		case "p_row_id":
			s = ev.RowID
		case "p_event_time":
			s = time.Unix(0, ev.EventTime).UTC().Format(event.TimeLayout)
		case "p_parse_time":
			s = time.Unix(0, ev.ParseTime).UTC().Format(event.TimeLayout)
		}
		if s == "" {
			return g.def
		}
		return pyValue{kind: pyStr, s: s}
	}
	v := &ev.Root
	for _, i := range g.path {
		if v.Kind != event.Object {
			return g.def // a step into a value that is not a mapping
		}
		v = &v.Items[i]
		if v.Kind == event.Null {
			return g.def
		}
	}
	switch v.Kind {
	case event.String:
		return pyValue{kind: pyStr, s: v.S}
	case event.Int:
		return pyValue{kind: pyInt, i: v.N}
	case event.Float:
		return pyValue{kind: pyFloat, f: v.Float()}
	case event.Bool:
		return pyValue{kind: pyBool, i: v.N}
	case event.Time:
		return pyValue{kind: pyStr, s: time.Unix(0, v.N).UTC().Format(event.TimeLayout)}
	case event.Object:
		empty := true
		for i := range v.Items {
			if v.Items[i].Kind != event.Null {
				empty = false
				break
			}
		}
		return pyValue{kind: pyContainer, empty: empty}
	case event.Array:
		return pyValue{kind: pyContainer, empty: len(v.Items) == 0}
	}
	return pyValue{kind: pyUnknown}
}

// eval evaluates one condition.
func (g *guardCond) eval(ev *event.Event) tri {
	v := g.read(ev)
	switch g.op {
	case "eq", "ne", "in", "notin":
		if v.kind == pyContainer || v.kind == pyUnknown {
			return unknown // unhashable in a set, or not comparable here
		}
		r := no
		for _, c := range g.values {
			switch equal(v, c) {
			case yes:
				r = yes
			case unknown:
				if r == no {
					r = unknown
				}
			}
			if r == yes {
				break
			}
		}
		if g.op == "ne" || g.op == "notin" {
			return not(r)
		}
		return r
	case "none":
		if v.kind == pyUnknown {
			return unknown
		}
		return boolTri(v.kind == pyNone)
	case "notnone":
		if v.kind == pyUnknown {
			return unknown
		}
		return boolTri(v.kind != pyNone)
	case "truthy":
		return truthy(v)
	case "falsy":
		return not(truthy(v))
	}
	return unknown
}

// mayMatch reports whether the rule with this compiled guard may match ev.
func mayMatch(guard []guardCond, ev *event.Event) bool {
	for i := range guard {
		if guard[i].eval(ev) == no {
			return false
		}
	}
	return true
}
