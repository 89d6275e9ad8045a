package pycompile

import (
	"fmt"
	"strings"
)

// The methods of PantherEvent, as our panther_core implements them.

func eventMethods() map[string]methodFn {
	m := viewMethods()
	m["deep_get"] = evDeepGet
	m["deep_walk"] = evDeepWalk
	m["udm"] = evUDM
	return m
}

// kwOnly reads the keyword arguments of a *args method.
func kwOnly(name string, kw []kwArg, names ...string) (map[string]Value, *Exception) {
	out := map[string]Value{}
	for _, k := range kw {
		ok := false
		for _, n := range names {
			if n == k.name {
				ok = true
			}
		}
		if !ok {
			return nil, typeError("%s() got an unexpected keyword argument '%s'", name, k.name)
		}
		out[k.name] = k.v
	}
	return out, nil
}

// deepGet walks mappings by keys: at each step a mapping's get(key, default), anything else
// yields default; a final None is default.
func (x *Evaluator) deepGet(out Value, keys []Value, def Value) (Value, *Exception) {
	for _, k := range keys {
		switch out.K {
		case KEvent, KEvDict:
			v, ok, err := x.viewGet(out, k)
			if err != nil {
				return None, err
			}
			if ok {
				out = v
			} else {
				out = def
			}
		case KDict:
			v, ok, err := out.dict().get(k)
			if err != nil {
				return None, err
			}
			if ok {
				out = v
			} else {
				out = def
			}
		default:
			out = def
		}
	}
	if out.K == KNone {
		return def, nil
	}
	return out, nil
}

func evDeepGet(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	kws, err := kwOnly("deep_get", kw, "default")
	if err != nil {
		return None, err
	}
	def, ok := kws["default"]
	if !ok {
		def = None
	}
	return x.deepGet(r, args, def)
}

func evDeepWalk(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	kws, err := kwOnly("deep_walk", kw, "default", "return_val")
	if err != nil {
		return None, err
	}
	def, ok := kws["default"]
	if !ok {
		def = None
	}
	rv, ok := kws["return_val"]
	if !ok {
		rv = Str("all")
	}
	v, err := x.deepWalk(r, args, def, rv, 0)
	if err != nil {
		return None, err
	}
	// The method hands back containers as plain copies (panther_core does).
	switch v.K {
	case KEvent, KEvDict, KEvList:
		return x.deepCopy(v, 0)
	}
	return v, nil
}

func isListLike(v Value) bool { return v.K == KList || v.K == KTuple || v.K == KEvList }

// deepWalk is panther_core's deep_walk.
func (x *Evaluator) deepWalk(obj Value, keys []Value, def, rv Value, depth int) (Value, *Exception) {
	if depth > maxDepth {
		return None, bailf("deep_walk nested too deeply")
	}
	if len(keys) == 0 {
		if obj.K == KNone {
			return def, nil
		}
		if isListLike(obj) {
			empty, err := x.allEmpty(obj, 0)
			if err != nil {
				return None, err
			}
			if empty {
				return def, nil
			}
		}
		return obj, nil
	}
	if isMapping(obj) {
		var nxt Value
		var ok bool
		var err *Exception
		if obj.K == KDict {
			nxt, ok, err = obj.dict().get(keys[0])
		} else {
			nxt, ok, err = x.viewGet(obj, keys[0])
		}
		if err != nil {
			return None, err
		}
		if !ok || nxt.K == KNone {
			return def, nil
		}
		return x.deepWalk(nxt, keys[1:], def, rv, depth+1)
	}
	found := newDict(4)
	if isListLike(obj) {
		n := listLen(obj)
		for i := 0; i < n; i++ {
			item, err := x.listItem(obj, i)
			if err != nil {
				return None, err
			}
			v, err := x.deepWalk(item, keys, def, rv, depth+1)
			if err != nil {
				return None, err
			}
			if v.K == KNone {
				continue
			}
			if isListLike(v) {
				subs, err := x.collect(v, -1)
				if err != nil {
					return None, err
				}
				for _, s := range subs {
					if err := found.put(s, None); err != nil {
						return None, err
					}
				}
			} else if err := found.put(v, None); err != nil {
				return None, err
			}
		}
	} else if obj.K == KOpaque {
		return None, bailf("%s", obj.S)
	}
	if found.Len() == 0 {
		return def, nil
	}
	values := found.keys
	if rv.K == KStr {
		switch rv.S {
		case "first":
			return values[0], nil
		case "last":
			return values[len(values)-1], nil
		case "all":
			if len(values) == 1 {
				return values[0], nil
			}
			return listValue(newList(values)), nil
		}
	}
	if !hashable(rv) {
		return None, unhashable(rv)
	}
	return Str("all"), nil
}

// allEmpty is the empty() helper of deep_walk: a list of (lists of...) nothing.
func (x *Evaluator) allEmpty(v Value, depth int) (bool, *Exception) {
	if depth > maxDepth {
		return false, bailf("deep_walk nested too deeply")
	}
	if !isListLike(v) {
		return false, nil
	}
	n := listLen(v)
	for i := 0; i < n; i++ {
		it, err := x.listItem(v, i)
		if err != nil {
			return false, err
		}
		e, err := x.allEmpty(it, depth+1)
		if err != nil || !e {
			return false, err
		}
	}
	return true, nil
}

// DataModelSpec is a data model: its log types and mappings. Method names refer to functions of
// the module named Module (the data model's ID).
type DataModelSpec struct {
	ID       string
	LogTypes []string
	Module   string
	Mappings []MappingSpec
}

// MappingSpec maps a UDM name to a JSONPath or a method.
type MappingSpec struct {
	Name, Path, Method string
}

// DataModel is a compiled data model.
type DataModel struct {
	ID       string
	mappings map[string]*udmMapping
	// Err is set when the data model cannot be used in Go; udm() calls then bail.
	Err string
}

type udmMapping struct {
	path   []string // a simple chain of keys
	method *Function
	err    string // why this mapping cannot run in Go
	text   string
}

func (p *Program) addDataModel(spec DataModelSpec) {
	dm := &DataModel{ID: spec.ID, mappings: map[string]*udmMapping{}}
	var mod *Module
	if spec.Module != "" {
		mod = p.dmModules[spec.Module]
	}
	for _, mp := range spec.Mappings {
		um := &udmMapping{text: mp.Path}
		switch {
		case mp.Path != "":
			steps, ok := simplePath(mp.Path)
			if !ok {
				um.err = fmt.Sprintf("JSONPath %q is not a simple chain of keys", mp.Path)
			}
			um.path = steps
		case mp.Method != "":
			if mod == nil {
				um.err = "no data model module"
				break
			}
			f := mod.Func(mp.Method)
			if f == nil {
				um.err = "method " + mp.Method + " is not a function of the module"
				break
			}
			um.method = f
		}
		if _, dup := dm.mappings[mp.Name]; !dup {
			dm.mappings[mp.Name] = um
		}
	}
	for _, lt := range spec.LogTypes {
		if _, claimed := p.dataModels[lt]; !claimed {
			p.dataModels[lt] = dm
		}
	}
}

// simplePath parses the JSONPaths our panther_core handles without jsonpath_ng that are plain
// key chains: name, $.a.b, $['a'].b. Paths with indexes, wildcards or filters are not
// compiled.
func simplePath(text string) ([]string, bool) {
	s := strings.TrimSpace(text)
	pos := 0
	if strings.HasPrefix(s, "$") {
		pos = 1
		if pos == len(s) {
			return nil, false
		}
		if s[pos] == '.' {
			pos++
		}
	}
	isNameStart := func(c byte) bool {
		return c == '_' || c == '@' || c == '$' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
	}
	isNameChar := func(c byte) bool {
		return isNameStart(c) || ('0' <= c && c <= '9') || c == '-' || c == ':'
	}
	var steps []string
	first := true
	for pos < len(s) {
		if s[pos] == '[' {
			end := strings.IndexByte(s[pos:], ']')
			if end < 0 {
				return nil, false
			}
			inner := strings.TrimSpace(s[pos+1 : pos+end])
			if len(inner) >= 2 && inner[0] == inner[len(inner)-1] && (inner[0] == '\'' || inner[0] == '"') {
				steps = append(steps, inner[1:len(inner)-1])
			} else {
				return nil, false // an index
			}
			pos += end + 1
			first = false
			continue
		}
		if !first {
			if s[pos] != '.' {
				return nil, false
			}
			pos++
			if pos < len(s) && s[pos] == '[' {
				continue
			}
		}
		if pos >= len(s) || !isNameStart(s[pos]) {
			return nil, false
		}
		start := pos
		for pos < len(s) && isNameChar(s[pos]) {
			pos++
		}
		if s[start:pos] == "$" {
			return nil, false
		}
		steps = append(steps, s[start:pos])
		first = false
	}
	return steps, len(steps) > 0
}

// dataModel returns the data model of the current event's log type.
func (x *Evaluator) dataModel() *DataModel { return x.dm }

func evUDM(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	kws, err := kwOnly("udm", kw, "default")
	if err != nil {
		return None, err
	}
	def, ok := kws["default"]
	if !ok {
		def = None
	}
	if dm := x.dataModel(); dm != nil && len(args) == 1 {
		if args[0].K == KStr {
			if mp, ok := dm.mappings[args[0].S]; ok {
				if mp.err != "" {
					return None, bailf("udm(%q): %s", args[0].S, mp.err)
				}
				if mp.path != nil {
					v, found, err := x.rawPath(r, mp.path)
					if err != nil {
						return None, err
					}
					if found {
						return wrap(v), nil
					}
				} else {
					// The method receives the event as an ImmutableCaseInsensitiveDict: a
					// mapping view of the same container, without PantherEvent's methods.
					arg := r
					arg.K, arg.N = KEvDict, 1
					// Compiled functions are pure: the method's result on the current event is
					// computed once per event when it is immutable.
					for i := range x.memo {
						if m := &x.memo[i]; m.fn == mp.method && m.arg == r.O && m.argP == r.P {
							return wrap(m.v), nil
						}
					}
					v, err := x.callFunc(mp.method, nil, []Value{arg}, nil)
					if err != nil {
						return None, err
					}
					if r.K == KEvent && v.K <= KStr {
						x.memo = append(x.memo, memoEntry{fn: mp.method, arg: r.O, argP: r.P, v: v})
					}
					return wrap(v), nil
				}
			}
		} else if !hashable(args[0]) {
			return None, unhashable(args[0])
		}
	}
	v, err := x.deepGet(r, append([]Value{Str("p_udm")}, args...), None)
	if err != nil {
		return None, err
	}
	if t, err := truth(v); err != nil || t {
		return v, err
	}
	v, err = x.deepGet(r, args, None)
	if err != nil {
		return None, err
	}
	if t, err := truth(v); err != nil || t {
		return v, err
	}
	return def, nil
}

// rawPath follows a simple JSONPath on the raw container of a view: case-sensitive keys.
func (x *Evaluator) rawPath(r Value, path []string) (Value, bool, *Exception) {
	cur := r
	for _, step := range path {
		switch cur.K {
		case KEvent, KEvDict, KDict:
			v, ok, err := x.rawGetExact(cur, Str(step))
			if err != nil || !ok {
				return None, false, err
			}
			cur = v
		default:
			return None, false, nil
		}
	}
	return unwrap(cur), true, nil
}
