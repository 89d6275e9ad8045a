package simpledetect

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Error is one problem in a simple detection, located by the YAML path of
// the bad node, e.g. Detection[0].All[1].Condition.
type Error struct {
	// Path holds the map keys (string) and list indexes (int) from the
	// top-level YAML key down to the bad node.
	Path []any
	// Msg says what was expected and what was found.
	Msg string
}

// Error renders the path and the message.
func (e *Error) Error() string { return PathString(e.Path) + ": " + e.Msg }

// ErrorList holds every problem found by one compilation.
type ErrorList []*Error

// Error renders one problem per line.
func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap exposes the individual problems to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// PathString renders a path as Key[0].Sub[1].
func PathString(p []any) string {
	var b strings.Builder
	for _, el := range p {
		switch x := el.(type) {
		case int:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(x))
			b.WriteByte(']')
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, x)
		}
	}
	return b.String()
}

// Detection is a compiled simple detection: its match expression and its
// alert keys. It is safe for concurrent use.
type Detection struct {
	match      expr
	title      []titlePart
	hasTitle   bool
	severities []dynSeverity
	context    []contextKV
	groupBy    []keySpec
}

// Filter is a compiled InlineFilters list. It is safe for concurrent use.
type Filter struct {
	match expr
}

// Option adds an alert key to Compile.
type Option func(*config)

type config struct {
	title, severities, context, groupBy any
	hasTitle, hasSev, hasCtx, hasGroup  bool
}

// WithAlertTitle compiles the AlertTitle template ("... {KeyPath} ...").
func WithAlertTitle(v any) Option {
	return func(c *config) { c.title, c.hasTitle = v, true }
}

// WithDynamicSeverities compiles the DynamicSeverities list.
func WithDynamicSeverities(v any) Option {
	return func(c *config) { c.severities, c.hasSev = v, true }
}

// WithAlertContext compiles the AlertContext list of {KeyName, KeyValue}.
func WithAlertContext(v any) Option {
	return func(c *config) { c.context, c.hasCtx = v, true }
}

// WithGroupBy compiles the GroupBy list of key specifiers.
func WithGroupBy(v any) Option {
	return func(c *config) { c.groupBy, c.hasGroup = v, true }
}

// Compile compiles a Detection body (a list of match expressions) and the
// alert keys given as options. The error, when not nil, is an ErrorList
// with every problem found.
func Compile(detection any, opts ...Option) (*Detection, error) {
	c := &compiler{}
	d := &Detection{}
	if items := c.list(detection, []any{"Detection"}); items != nil {
		d.match = &group{kind: groupAll, items: items}
	}
	c.alertKeys(d, opts)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return d, nil
}

// CompileAlertKeys compiles only the alert keys, for Python rules that use
// AlertTitle, DynamicSeverities, AlertContext or GroupBy. The result has no
// match expression: its Match always reports false.
func CompileAlertKeys(opts ...Option) (*Detection, error) {
	c := &compiler{}
	d := &Detection{}
	c.alertKeys(d, opts)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return d, nil
}

// CompileFilters compiles an InlineFilters list. Filters accept KeyPath and
// Enrichment expressions grouped with All and Any, as PAT's schema does.
func CompileFilters(inlineFilters any) (*Filter, error) {
	c := &compiler{filter: true}
	items := c.list(inlineFilters, []any{"InlineFilters"})
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return &Filter{match: &group{kind: groupAll, items: items}}, nil
}

// Match reports whether the event matches the detection body.
func (d *Detection) Match(ev map[string]any) bool {
	if d == nil || d.match == nil {
		return false
	}
	return d.match.eval(ev)
}

// HasMatcher reports whether the detection has a match expression (false
// for the result of CompileAlertKeys).
func (d *Detection) HasMatcher() bool { return d != nil && d.match != nil }

// Match reports whether the event passes the filters (and so should be
// given to the detection logic).
func (f *Filter) Match(ev map[string]any) bool {
	if f == nil || f.match == nil {
		return true
	}
	return f.match.eval(ev)
}

type compiler struct {
	errs   ErrorList
	filter bool
}

func (c *compiler) errorf(path []any, format string, args ...any) {
	c.errs = append(c.errs, &Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// at returns a new path with el appended.
func at(path []any, el ...any) []any {
	p := make([]any, 0, len(path)+len(el))
	p = append(p, path...)
	return append(p, el...)
}

// typeName names the YAML type of a value for error messages.
func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the bool %v", x)
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "a mapping"
	}
	if _, ok := toNumber(v); ok {
		return fmt.Sprintf("the number %v", v)
	}
	return fmt.Sprintf("a value of Go type %T", v)
}

func (c *compiler) mapping(v any, path []any, what string) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			ks, ok := k.(string)
			if !ok {
				c.errorf(path, "expected %s with string keys, got the key %v", what, k)
				return nil, false
			}
			out[ks] = val
		}
		return out, true
	}
	c.errorf(path, "expected %s, got %s", what, typeName(v))
	return nil, false
}

func (c *compiler) list(v any, path []any) []expr {
	items, ok := v.([]any)
	if !ok {
		c.errorf(path, "expected a list of match expressions, got %s", typeName(v))
		return nil
	}
	out := make([]expr, 0, len(items))
	for i, it := range items {
		if e := c.expr(it, at(path, i)); e != nil {
			out = append(out, e)
		}
	}
	return out
}

var groupKinds = map[string]groupKind{"All": groupAll, "Any": groupAny, "OnlyOne": groupOnlyOne, "None": groupNone}

func (c *compiler) expr(v any, path []any) expr {
	m, ok := c.mapping(v, path, "a match expression (a mapping)")
	if !ok {
		return nil
	}
	keys := sortedKeys(m)
	for _, k := range keys {
		gk, isGroup := groupKinds[k]
		if !isGroup {
			continue
		}
		if len(m) != 1 {
			others := make([]string, 0, len(keys))
			for _, o := range keys {
				if o != k {
					others = append(others, o)
				}
			}
			c.errorf(path, "the combinator %s must be the only key of its match expression, found also %s", k, strings.Join(others, ", "))
			return nil
		}
		if c.filter && gk != groupAll && gk != groupAny {
			c.errorf(at(path, k), "InlineFilters support only the All and Any combinators")
			return nil
		}
		items := c.list(m[k], at(path, k))
		if items == nil {
			return nil
		}
		return &group{kind: gk, items: items}
	}

	condV, hasCond := m["Condition"]
	cond, isStr := condV.(string)
	switch {
	case !hasCond:
		c.errorf(at(path, "Condition"), "required key is missing")
		return nil
	case !isStr:
		c.errorf(at(path, "Condition"), "expected a condition name, got %s", typeName(condV))
		return nil
	}

	_, hasEnrich := m["Enrichment"]
	specKey := ""
	for _, k := range []string{"Key", "DeepKey", "KeyPath"} {
		if _, ok := m[k]; ok {
			if specKey != "" {
				c.errorf(at(path, k), "use exactly one of Key, DeepKey or KeyPath, found both %s and %s", specKey, k)
				return nil
			}
			specKey = k
		}
	}
	if hasEnrich && specKey != "" {
		c.errorf(at(path, specKey), "an Enrichment match expression takes no %s", specKey)
		return nil
	}

	switch {
	case cond == condAlwaysTrue || cond == condAlwaysFalse:
		if c.filter {
			c.errorf(at(path, "Condition"), "InlineFilters do not support %s", cond)
			return nil
		}
		if !c.onlyKeys(m, path, "an absolute match expression", "Condition") {
			return nil
		}
		return absolute(cond == condAlwaysTrue)
	case isListCond(cond):
		return c.listComp(m, path, cond, specKey)
	}

	spec, known := conditions[cond]
	if !known {
		msg := fmt.Sprintf("unknown condition %q", cond)
		if s := suggestCondition(cond); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		c.errorf(at(path, "Condition"), "%s", msg)
		return nil
	}

	if specKey == "" && !hasEnrich {
		if _, hasValues := m["Values"]; hasValues && !c.filter {
			return c.multiKey(m, path, cond, spec)
		}
		c.errorf(path, "expected a key specifier (Key, DeepKey or KeyPath) or an Enrichment")
		return nil
	}

	var ks keySpec
	if hasEnrich {
		var ok bool
		if ks, ok = c.enrichment(m["Enrichment"], at(path, "Enrichment")); !ok {
			return nil
		}
		specKey = "Enrichment"
	} else {
		if c.filter && specKey != "KeyPath" {
			c.errorf(at(path, specKey), "InlineFilters identify fields with KeyPath, not %s", specKey)
			return nil
		}
		var ok bool
		if ks, ok = c.keySpec(specKey, m[specKey], at(path, specKey)); !ok {
			return nil
		}
	}

	l := &leaf{key: ks, filter: c.filter, pred: predicate{spec: spec}}
	switch spec.use {
	case useNone:
		if !c.onlyKeys(m, path, "condition "+cond, specKey, "Condition") {
			return nil
		}
	case useValue:
		if _, ok := m["Values"]; ok {
			c.errorf(at(path, "Values"), "condition %s takes a single Value, not Values", cond)
			return nil
		}
		if !c.onlyKeys(m, path, "condition "+cond, specKey, "Condition", "Value") {
			return nil
		}
		val, ok := m["Value"]
		if !ok {
			c.errorf(at(path, "Value"), "required by condition %s", cond)
			return nil
		}
		if !c.value(l, cond, val, at(path, "Value")) {
			return nil
		}
	case useValues:
		if _, ok := m["Value"]; ok {
			c.errorf(at(path, "Value"), "condition %s takes a Values list, not Value", cond)
			return nil
		}
		if !c.onlyKeys(m, path, "condition "+cond, specKey, "Condition", "Values") {
			return nil
		}
		vals, ok := m["Values"]
		if !ok {
			c.errorf(at(path, "Values"), "required by condition %s", cond)
			return nil
		}
		set, ok := c.valueSet(vals, at(path, "Values"))
		if !ok {
			return nil
		}
		l.pred.set = set
	}
	return l
}

// onlyKeys reports unknown keys of a match expression.
func (c *compiler) onlyKeys(m map[string]any, path []any, what string, allowed ...string) bool {
	ok := true
	for _, k := range sortedKeys(m) {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			c.errorf(at(path, k), "unknown key for %s (allowed: %s)", what, strings.Join(allowed, ", "))
			ok = false
		}
	}
	return ok
}

func (c *compiler) keySpec(kind string, v any, path []any) (keySpec, bool) {
	switch kind {
	case "Key":
		s, ok := v.(string)
		if !ok || s == "" {
			c.errorf(path, "expected a non-empty field name, got %s", typeName(v))
			return keySpec{}, false
		}
		return keySpec{steps: []step{{kind: stepKey, key: s}}, src: s}, true
	case "DeepKey":
		items, ok := v.([]any)
		if !ok || len(items) == 0 {
			c.errorf(path, "expected a non-empty list of field names and list indexes, got %s", typeName(v))
			return keySpec{}, false
		}
		ks := keySpec{}
		parts := make([]string, 0, len(items))
		for i, it := range items {
			if s, isStr := it.(string); isStr {
				ks.steps = append(ks.steps, step{kind: stepKey, key: s})
				parts = append(parts, s)
				continue
			}
			n, isNum := toNumber(it)
			if !isNum || !n.isInt {
				c.errorf(at(path, i), "expected a field name or an integer list index, got %s", typeName(it))
				return keySpec{}, false
			}
			ks.steps = append(ks.steps, step{kind: stepIndex, idx: int(n.i)})
			parts = append(parts, "["+strconv.FormatInt(n.i, 10)+"]")
		}
		ks.src = strings.Join(parts, ".")
		return ks, true
	}
	s, ok := v.(string)
	if !ok {
		c.errorf(path, "expected a key path string such as a.b[0].c, got %s", typeName(v))
		return keySpec{}, false
	}
	ks, err := parseKeyPath(s)
	if err != nil {
		c.errorf(path, "%v", err)
		return keySpec{}, false
	}
	return ks, true
}

// keySpecMap compiles a mapping holding exactly one key specifier.
func (c *compiler) keySpecMap(v any, path []any) (keySpec, bool) {
	m, ok := c.mapping(v, path, "a key specifier mapping (Key, DeepKey or KeyPath)")
	if !ok {
		return keySpec{}, false
	}
	found := ""
	for _, k := range []string{"Key", "DeepKey", "KeyPath"} {
		if _, ok := m[k]; ok {
			if found != "" {
				c.errorf(at(path, k), "use exactly one of Key, DeepKey or KeyPath, found both %s and %s", found, k)
				return keySpec{}, false
			}
			found = k
		}
	}
	if found == "" {
		c.errorf(path, "expected one of Key, DeepKey or KeyPath")
		return keySpec{}, false
	}
	if !c.onlyKeys(m, path, "a key specifier", found) {
		return keySpec{}, false
	}
	return c.keySpec(found, m[found], at(path, found))
}

func (c *compiler) enrichment(v any, path []any) (keySpec, bool) {
	m, ok := c.mapping(v, path, "an Enrichment mapping {Table, Selector, FieldPath}")
	if !ok {
		return keySpec{}, false
	}
	if !c.onlyKeys(m, path, "an Enrichment", "Table", "Selector", "FieldPath") {
		return keySpec{}, false
	}
	get := func(k string) (string, bool) {
		s, ok := m[k].(string)
		if !ok || s == "" {
			if _, present := m[k]; !present {
				c.errorf(at(path, k), "required key is missing")
			} else {
				c.errorf(at(path, k), "expected a non-empty string, got %s", typeName(m[k]))
			}
			return "", false
		}
		return s, true
	}
	table, ok1 := get("Table")
	sel, ok2 := get("Selector")
	fp, ok3 := get("FieldPath")
	if !ok1 || !ok2 || !ok3 {
		return keySpec{}, false
	}
	field, err := parseKeyPath(fp)
	if err != nil {
		c.errorf(at(path, "FieldPath"), "%v", err)
		return keySpec{}, false
	}
	ks := keySpec{
		steps: append([]step{{kind: stepKey, key: "p_enrichment"}, {kind: stepKey, key: table}, {kind: stepKey, key: sel}}, field.steps...),
		wild:  field.wild,
		src:   "p_enrichment." + table + "." + sel + "." + fp,
	}
	return ks, true
}

// value compiles the Value of a key/value expression.
func (c *compiler) value(l *leaf, cond string, v any, path []any) bool {
	op, ok := toOperand(v)
	if !ok {
		c.errorf(path, "expected a string, number or bool, got %s", typeName(v))
		return false
	}
	spec := l.pred.spec
	switch spec.base {
	case baseStartsWith, baseEndsWith:
		if op.kind != opString {
			c.errorf(path, "condition %s needs a string Value, got %s", cond, typeName(v))
			return false
		}
	case baseGreater, baseGreaterEq, baseLess, baseLessEq:
		if op.kind == opBool {
			c.errorf(path, "condition %s needs a number or string Value, got %s", cond, typeName(v))
			return false
		}
	case baseInCIDR:
		pfx, err := netip.ParsePrefix(strings.TrimSpace(op.s))
		if op.kind != opString || err != nil {
			c.errorf(path, "condition %s needs a CIDR such as 10.0.0.0/8, got %s", cond, typeName(v))
			return false
		}
		l.pred.prefix = pfx.Masked()
	}
	if spec.ci && op.kind != opString {
		c.errorf(path, "case-insensitive condition %s needs a string Value, got %s", cond, typeName(v))
		return false
	}
	l.pred.op = op
	return true
}

func (c *compiler) valueSet(v any, path []any) (*inSet, bool) {
	items, ok := v.([]any)
	if !ok {
		c.errorf(path, "expected a list of strings, numbers or bools, got %s", typeName(v))
		return nil, false
	}
	set := &inSet{strs: make(map[string]struct{}, len(items))}
	good := true
	for i, it := range items {
		switch x := it.(type) {
		case string:
			set.strs[x] = struct{}{}
		case bool:
			if x {
				set.bools[1] = true
			} else {
				set.bools[0] = true
			}
		default:
			n, isNum := toNumber(it)
			if !isNum {
				c.errorf(at(path, i), "expected a string, number or bool, got %s", typeName(it))
				good = false
				continue
			}
			set.nums = append(set.nums, n)
		}
	}
	return set, good
}

func (c *compiler) multiKey(m map[string]any, path []any, cond string, spec condSpec) expr {
	if spec.use == useNone {
		c.errorf(at(path, "Condition"), "condition %s does not compare two keys; a multi-key match expression needs a comparison such as Equals or IsGreaterThan", cond)
		return nil
	}
	if !c.onlyKeys(m, path, "a multi-key match expression", "Condition", "Values") {
		return nil
	}
	items, ok := m["Values"].([]any)
	if !ok || len(items) != 2 {
		c.errorf(at(path, "Values"), "a multi-key match expression needs exactly two key specifiers in Values, got %s", describeLen(m["Values"]))
		return nil
	}
	left, ok1 := c.keySpecMap(items[0], at(path, "Values", 0))
	right, ok2 := c.keySpecMap(items[1], at(path, "Values", 1))
	if !ok1 || !ok2 {
		return nil
	}
	return &multiKey{left: left, right: right, spec: spec}
}

func describeLen(v any) string {
	if l, ok := v.([]any); ok {
		return fmt.Sprintf("a list of %d", len(l))
	}
	return typeName(v)
}

func (c *compiler) listComp(m map[string]any, path []any, cond, specKey string) expr {
	if c.filter {
		c.errorf(at(path, "Condition"), "InlineFilters do not support list comprehension (%s)", cond)
		return nil
	}
	if specKey == "" {
		c.errorf(path, "condition %s needs a key specifier (Key, DeepKey or KeyPath) naming a list", cond)
		return nil
	}
	if !c.onlyKeys(m, path, "a list comprehension", specKey, "Condition", "Expressions") {
		return nil
	}
	ks, ok := c.keySpec(specKey, m[specKey], at(path, specKey))
	if !ok {
		return nil
	}
	body, present := m["Expressions"]
	if !present {
		c.errorf(at(path, "Expressions"), "required by condition %s", cond)
		return nil
	}
	items := c.list(body, at(path, "Expressions"))
	if items == nil {
		return nil
	}
	kinds := map[string]listKind{condAnyElement: listAny, condAllElements: listAll, condOnlyOneElement: listOnlyOne, condNoElement: listNone}
	return &listComp{key: ks, kind: kinds[cond], body: &group{kind: groupAll, items: items}}
}

// Always reports whether the filter accepts every event: it has no conditions, only (nested)
// empty All groups. Callers can then skip it, and the event map it reads.
func (f *Filter) Always() bool {
	return f == nil || f.match == nil || alwaysTrue(f.match)
}

func alwaysTrue(e expr) bool {
	g, ok := e.(*group)
	if !ok || g.kind != groupAll {
		return false
	}
	for _, it := range g.items {
		if !alwaysTrue(it) {
			return false
		}
	}
	return true
}
