package pycompile

import (
	"math"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
)

// The views below give compiled code the event exactly as panther_core's PantherEvent shows it
// to a rule that received the JSON of event.AppendJSON: the fields present (absent ones are
// missing keys), in schema order, then the p_ standard fields; timestamps as strings in
// event.TimeLayout; floats with an integral value below 1e15 as ints (that is how the JSON
// writes them); json fields decoded (once per event); strings with invalid UTF-8 repaired as
// the JSON writer does.

// typeIndex resolves keys of one object type.
type typeIndex struct {
	exact map[string]int
	lower map[string][]int // lower-cased column -> field indexes, in schema order
	ascii bool             // every column is ASCII
	clash bool             // a column has the name of a standard p_ field (root types)
}

var typeIndexes sync.Map // *logschema.Type -> *typeIndex

func indexOf(t *logschema.Type) *typeIndex {
	if ti, ok := typeIndexes.Load(t); ok {
		return ti.(*typeIndex)
	}
	ti := &typeIndex{exact: make(map[string]int, len(t.Fields)), lower: make(map[string][]int), ascii: true}
	for i, f := range t.Fields {
		if _, dup := ti.exact[f.Column]; !dup {
			ti.exact[f.Column] = i
		}
		if !isASCII(f.Column) {
			ti.ascii = false
			continue
		}
		lc := asciiLower(f.Column)
		ti.lower[lc] = append(ti.lower[lc], i)
		if isStdField(f.Column) {
			ti.clash = true
		}
	}
	got, _ := typeIndexes.LoadOrStore(t, ti)
	return got.(*typeIndex)
}

// The standard fields of event.AppendJSON, in its order, after the schema fields.
const (
	stdLogType = iota
	stdRowID
	stdEventTime
	stdParseTime
	stdSourceID
	stdSourceLabel
	stdSourceAddress
	stdAny // + indicator kind
)

// stdParseWarnings is the last standard field.
var stdParseWarnings = stdAny + len(indicators.Kinds)

var stdNames = func() []string {
	n := []string{"p_log_type", "p_row_id", "p_event_time", "p_parse_time", "p_source_id", "p_source_label", "p_source_address"}
	for _, k := range indicators.Kinds {
		n = append(n, k.Column())
	}
	return append(n, "p_parse_warnings")
}()

var stdByName = func() map[string]int {
	m := make(map[string]int, len(stdNames))
	for i, n := range stdNames {
		m[n] = i
	}
	return m
}()

func isStdField(name string) bool {
	_, ok := stdByName[name]
	return ok
}

// stdPresent reports whether standard field i is in the event's JSON.
func stdPresent(e *event.Event, i int) bool {
	switch i {
	case stdLogType, stdRowID, stdEventTime, stdParseTime:
		return true
	case stdSourceID:
		return e.SourceID != ""
	case stdSourceLabel:
		return e.SourceLabel != ""
	case stdSourceAddress:
		return e.SourceAddress != ""
	case stdParseWarnings:
		return len(e.ParseWarnings) > 0
	}
	return len(e.Indicators[i-stdAny]) > 0
}

// stdValue returns standard field i as a rule sees it (raw: lists are not wrapped).
func stdValue(e *event.Event, i int) Value {
	switch i {
	case stdLogType:
		return Str(e.LogType.Name)
	case stdRowID:
		return Str(pyString(e.RowID))
	case stdEventTime:
		return Str(time.Unix(0, e.EventTime).UTC().Format(event.TimeLayout))
	case stdParseTime:
		return Str(time.Unix(0, e.ParseTime).UTC().Format(event.TimeLayout))
	case stdSourceID:
		return Str(pyString(e.SourceID))
	case stdSourceLabel:
		return Str(pyString(e.SourceLabel))
	case stdSourceAddress:
		return Str(pyString(e.SourceAddress))
	case stdParseWarnings:
		items := make([]Value, len(e.ParseWarnings))
		for j, w := range e.ParseWarnings {
			d := newDict(3)
			d.putStr("field", Str(pyString(w.Field)))
			d.putStr("value", Str(pyString(w.Value)))
			d.putStr("error", Str(pyString(w.Error)))
			items[j] = dictValue(d)
		}
		return listValue(newList(items))
	}
	vals := e.Indicators[i-stdAny]
	items := make([]Value, len(vals))
	for j, s := range vals {
		items[j] = Str(pyString(s))
	}
	return listValue(newList(items))
}

// pyString returns s as Python decodes the JSON event.AppendString writes: each byte of
// invalid UTF-8 becomes U+FFFD.
func pyString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// Event views.

func typedEvent(e *event.Event) Value {
	return Value{K: KEvent, P: unsafe.Pointer(e), O: e.LogType.Root}
}

func genericEvent(d *Dict) Value { return Value{K: KEvent, O: d} }

// isRoot reports whether a mapping view is over the root of an event: the PantherEvent, or the
// plain ImmutableCaseInsensitiveDict of the same container that data model methods receive
// (a KEvDict with N = 1).
func isRoot(m Value) bool { return m.K == KEvent || (m.K == KEvDict && m.N == 1) }

// wrap is panther_core's _wrap: raw dicts and lists returned through a view are wrapped.
func wrap(v Value) Value {
	switch v.K {
	case KDict:
		return Value{K: KEvDict, O: v.O}
	case KList:
		return Value{K: KEvList, O: v.O}
	}
	return v
}

// rawDict returns the raw *Dict behind a generic mapping view or a dict.
func rawDict(v Value) *Dict { return v.O.(*Dict) }

// fromTyped converts a typed event value (not Null) of type t to what a view returns.
func (x *Evaluator) fromTyped(ev *event.Value, t *logschema.Type) (Value, *Exception) {
	switch ev.Kind {
	case event.String:
		return Str(pyString(ev.S)), nil
	case event.Int:
		return Int(ev.N), nil
	case event.Float:
		f := ev.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return None, bailf("a non-finite float in the event")
		}
		if f == float64(int64(f)) && f < 1e15 && f > -1e15 {
			return Int(int64(f)), nil
		}
		return Float(f), nil
	case event.Bool:
		return Bool(ev.N != 0), nil
	case event.Time:
		return Str(time.Unix(0, ev.N).UTC().Format(event.TimeLayout)), nil
	case event.JSON:
		v, err := x.jsonField(ev)
		if err != nil {
			return None, err
		}
		return wrap(v), nil
	case event.Object:
		return Value{K: KEvDict, P: unsafe.Pointer(ev), O: t}, nil
	case event.Array:
		return Value{K: KEvList, P: unsafe.Pointer(ev), O: t}, nil
	case event.Null:
		return None, nil
	}
	return None, bailf("an event value of kind %d", ev.Kind)
}

// jsonField decodes a json field, once per event.
func (x *Evaluator) jsonField(ev *event.Value) (Value, *Exception) {
	for i := range x.jsonCache {
		if x.jsonCache[i].ev == ev {
			return x.jsonCache[i].v, nil
		}
	}
	v, err := parseJSON(ev.S)
	if err != nil {
		return None, bailf("a json field that does not decode: %s", err.Msg)
	}
	x.jsonCache = append(x.jsonCache, jsonEntry{ev, v})
	return v, nil
}

type jsonEntry struct {
	ev *event.Value
	v  Value
}

// viewGet is Mapping.get on a view (PantherEvent or ImmutableCaseInsensitiveDict): the
// value (wrapped) and whether the key is present.
func (x *Evaluator) viewGet(m Value, key Value) (Value, bool, *Exception) {
	if !m.typed() {
		v, ok, err := rawDict(m).lookupCI(key)
		if err != nil || !ok {
			return None, ok, err
		}
		return wrap(v), true, nil
	}
	if key.K != KStr {
		if !hashable(key) {
			return None, false, unhashable(key)
		}
		return None, false, nil // keys are all str
	}
	if isRoot(m) {
		return x.rootGet(m.evEvent(), key.S)
	}
	return x.objGet(m.evValue(), m.evType(), key.S)
}

func (x *Evaluator) objGet(ev *event.Value, t *logschema.Type, key string) (Value, bool, *Exception) {
	ti := indexOf(t)
	if i, ok := ti.exact[key]; ok && ev.Items[i].Kind != event.Null {
		v, err := x.fromTyped(&ev.Items[i], t.Fields[i].Type)
		return v, err == nil, err
	}
	if !isASCII(key) || !ti.ascii {
		return None, false, bailf("case-insensitive lookup with non-ASCII keys")
	}
	for _, i := range ti.lower[asciiLower(key)] {
		if ev.Items[i].Kind != event.Null {
			v, err := x.fromTyped(&ev.Items[i], t.Fields[i].Type)
			return v, err == nil, err
		}
	}
	return None, false, nil
}

func (x *Evaluator) rootGet(e *event.Event, key string) (Value, bool, *Exception) {
	t := e.LogType.Root
	ti := indexOf(t)
	if ti.clash {
		return None, false, bailf("a field named like a standard p_ field")
	}
	if i, ok := ti.exact[key]; ok && e.Root.Items[i].Kind != event.Null {
		v, err := x.fromTyped(&e.Root.Items[i], t.Fields[i].Type)
		return v, err == nil, err
	}
	if i, ok := stdByName[key]; ok && stdPresent(e, i) {
		return wrap(stdValue(e, i)), true, nil
	}
	if !isASCII(key) || !ti.ascii {
		return None, false, bailf("case-insensitive lookup with non-ASCII keys")
	}
	lk := asciiLower(key)
	for _, i := range ti.lower[lk] {
		if e.Root.Items[i].Kind != event.Null {
			v, err := x.fromTyped(&e.Root.Items[i], t.Fields[i].Type)
			return v, err == nil, err
		}
	}
	if i, ok := stdByName[lk]; ok && stdPresent(e, i) {
		return wrap(stdValue(e, i)), true, nil
	}
	return None, false, nil
}

// viewLen is len() of a mapping view.
func viewLen(m Value) int {
	if !m.typed() {
		return rawDict(m).Len()
	}
	var items []event.Value
	n := 0
	if isRoot(m) {
		e := m.evEvent()
		items = e.Root.Items
		for i := range stdNames {
			if stdPresent(e, i) {
				n++
			}
		}
	} else {
		items = m.evValue().Items
	}
	for i := range items {
		if items[i].Kind != event.Null {
			n++
		}
	}
	return n
}

// viewItems calls f with each key and (raw, unwrapped) value of a mapping view, in order,
// until f returns false.
func (x *Evaluator) viewItems(m Value, f func(k, v Value) (bool, *Exception)) *Exception {
	if !m.typed() {
		d := rawDict(m)
		for i := 0; i < len(d.keys); i++ {
			more, err := f(d.keys[i], d.vals[i])
			if err != nil || !more {
				return err
			}
		}
		return nil
	}
	var ev *event.Value
	var t *logschema.Type
	var e *event.Event
	if isRoot(m) {
		e = m.evEvent()
		ev, t = &e.Root, e.LogType.Root
		if indexOf(t).clash {
			return bailf("a field named like a standard p_ field")
		}
	} else {
		ev, t = m.evValue(), m.evType()
	}
	for i := range ev.Items {
		if ev.Items[i].Kind == event.Null {
			continue
		}
		v, err := x.fromTyped(&ev.Items[i], t.Fields[i].Type)
		if err != nil {
			return err
		}
		more, err := f(Str(t.Fields[i].Column), unwrap(v))
		if err != nil || !more {
			return err
		}
	}
	if e != nil {
		for i := range stdNames {
			if !stdPresent(e, i) {
				continue
			}
			more, err := f(Str(stdNames[i]), stdValue(e, i))
			if err != nil || !more {
				return err
			}
		}
	}
	return nil
}

// unwrap turns a generic view back into the raw container it wraps; typed views stay views
// (they stand for their raw container).
func unwrap(v Value) Value {
	if v.P == nil {
		switch v.K {
		case KEvDict, KEvent:
			return Value{K: KDict, O: v.O}
		case KEvList:
			return Value{K: KList, O: v.O}
		}
	}
	return v
}

// Typed lists.

func listLen(v Value) int {
	switch v.K {
	case KEvList:
		if v.typed() {
			return len(v.evValue().Items)
		}
		return len(v.list().items)
	case KList, KTuple:
		return len(v.list().items)
	}
	return 0
}

// listItem returns item i of a list, tuple or list view (views wrap it), i in range.
func (x *Evaluator) listItem(v Value, i int) (Value, *Exception) {
	if v.K == KEvList {
		if v.typed() {
			return x.fromTyped(&v.evValue().Items[i], v.evType().Elem)
		}
		return wrap(v.list().items[i]), nil
	}
	return v.list().items[i], nil
}

// rawItem returns item i of a list, tuple or list view as its container holds it: for views
// over decoded JSON the item itself (a raw dict, or a wrapper a data model method put in a
// list); for typed views the value standing for it.
func (x *Evaluator) rawItem(v Value, i int) (Value, *Exception) {
	if v.K == KEvList && v.typed() {
		it, err := x.listItem(v, i)
		return unwrap(it), err
	}
	return v.list().items[i], nil
}
