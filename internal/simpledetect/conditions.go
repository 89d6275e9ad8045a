package simpledetect

import (
	"net/netip"
	"sort"
	"strings"
)

// baseKind is the positive test behind a condition name.
type baseKind uint8

const (
	baseEquals baseKind = iota
	baseContains
	baseStartsWith
	baseEndsWith
	baseGreater
	baseGreaterEq
	baseLess
	baseLessEq
	baseIn
	baseInCIDR
	baseIsIP
	baseIsIPv4
	baseIsIPv6
	baseIPPublic
	baseIPPrivate
	baseExists
	baseNotNull
	baseNotEmpty
)

// valueUse says what operand a condition takes.
type valueUse uint8

const (
	useValue  valueUse = iota // a single Value (or a second key in multi-key form)
	useValues                 // a Values list
	useNone                   // no operand
)

// condSpec describes one condition name.
type condSpec struct {
	base      baseKind
	negate    bool
	ci        bool
	use       valueUse
	existence bool // evaluated on presence, even in filters
}

var conditions = map[string]condSpec{
	"Equals":               {base: baseEquals},
	"DoesNotEqual":         {base: baseEquals, negate: true},
	"IEquals":              {base: baseEquals, ci: true},
	"IDoesNotEqual":        {base: baseEquals, ci: true, negate: true},
	"Contains":             {base: baseContains},
	"DoesNotContain":       {base: baseContains, negate: true},
	"IContains":            {base: baseContains, ci: true},
	"IDoesNotContain":      {base: baseContains, ci: true, negate: true},
	"StartsWith":           {base: baseStartsWith},
	"DoesNotStartWith":     {base: baseStartsWith, negate: true},
	"IStartsWith":          {base: baseStartsWith, ci: true},
	"IDoesNotStartWith":    {base: baseStartsWith, ci: true, negate: true},
	"EndsWith":             {base: baseEndsWith},
	"DoesNotEndWith":       {base: baseEndsWith, negate: true},
	"IEndsWith":            {base: baseEndsWith, ci: true},
	"IDoesNotEndWith":      {base: baseEndsWith, ci: true, negate: true},
	"IsGreaterThan":        {base: baseGreater},
	"IsGreaterThanOrEqual": {base: baseGreaterEq},
	"IsLessThan":           {base: baseLess},
	"IsLessThanOrEqual":    {base: baseLessEq},
	"IsIn":                 {base: baseIn, use: useValues},
	"IsNotIn":              {base: baseIn, use: useValues, negate: true},
	"IsIPAddressInCIDR":    {base: baseInCIDR},
	"IsIPAddressNotInCIDR": {base: baseInCIDR, negate: true},
	"IsIPAddress":          {base: baseIsIP, use: useNone},
	"IsIPv4Address":        {base: baseIsIPv4, use: useNone},
	"IsIPv6Address":        {base: baseIsIPv6, use: useNone},
	"IsIPAddressPublic":    {base: baseIPPublic, use: useNone},
	"IsIPAddressPrivate":   {base: baseIPPrivate, use: useNone},
	"Exists":               {base: baseExists, use: useNone, existence: true},
	"DoesNotExist":         {base: baseExists, use: useNone, existence: true, negate: true},
	"IsNotNull":            {base: baseNotNull, use: useNone, existence: true},
	"IsNull":               {base: baseNotNull, use: useNone, existence: true, negate: true},
	"IsNotNullOrEmpty":     {base: baseNotEmpty, use: useNone, existence: true},
	"IsNullOrEmpty":        {base: baseNotEmpty, use: useNone, existence: true, negate: true},
}

// List comprehension and absolute conditions are structural.
const (
	condAnyElement     = "AnyElement"
	condAllElements    = "AllElements"
	condOnlyOneElement = "OnlyOneElement"
	condNoElement      = "NoElement"
	condAlwaysTrue     = "AlwaysTrue"
	condAlwaysFalse    = "AlwaysFalse"
)

func isListCond(c string) bool {
	return c == condAnyElement || c == condAllElements || c == condOnlyOneElement || c == condNoElement
}

// suggestCondition returns the condition name that differs from c only in
// case, or "".
func suggestCondition(c string) string {
	names := ConditionNames()
	for _, n := range names {
		if strings.EqualFold(n, c) {
			return n
		}
	}
	return ""
}

// ConditionNames lists every condition name the compiler accepts, sorted.
func ConditionNames() []string {
	names := make([]string, 0, len(conditions)+6)
	for n := range conditions {
		names = append(names, n)
	}
	names = append(names, condAnyElement, condAllElements, condOnlyOneElement, condNoElement, condAlwaysTrue, condAlwaysFalse)
	sort.Strings(names)
	return names
}

type operandKind uint8

const (
	opString operandKind = iota
	opNumber
	opBool
)

// operand is a compiled comparison value.
type operand struct {
	kind  operandKind
	s     string
	lower string
	n     number
	b     bool
}

// toOperand converts a scalar to an operand.
func toOperand(v any) (operand, bool) {
	switch x := v.(type) {
	case string:
		return operand{kind: opString, s: x, lower: strings.ToLower(x)}, true
	case bool:
		return operand{kind: opBool, b: x}, true
	}
	if n, ok := toNumber(v); ok {
		return operand{kind: opNumber, n: n}, true
	}
	return operand{}, false
}

// inSet is the compiled Values list of IsIn / IsNotIn.
type inSet struct {
	strs  map[string]struct{}
	nums  []number
	bools [2]bool // [false, true]
}

func (s *inSet) has(v any) bool {
	switch x := v.(type) {
	case string:
		_, ok := s.strs[x]
		return ok
	case bool:
		if x {
			return s.bools[1]
		}
		return s.bools[0]
	}
	if n, ok := toNumber(v); ok {
		for _, m := range s.nums {
			if c, ok := n.cmp(m); ok && c == 0 {
				return true
			}
		}
	}
	return false
}

// predicate is the positive test of a condition against one value.
type predicate struct {
	spec   condSpec
	op     operand
	set    *inSet
	prefix netip.Prefix
}

// test applies the positive test to a present value.
func (p *predicate) test(v any) bool {
	switch p.spec.base {
	case baseExists:
		return true
	case baseNotNull:
		return v != nil
	case baseNotEmpty:
		return !isEmpty(v)
	case baseIn:
		return p.set.has(v)
	case baseInCIDR:
		s, ok := v.(string)
		if !ok {
			return false
		}
		a, ok := parseIP(s)
		return ok && p.prefix.Contains(a)
	}
	return testOperand(p.spec.base, p.spec.ci, v, &p.op)
}

// testOperand applies a value-taking base test with the operand op.
func testOperand(base baseKind, ci bool, v any, op *operand) bool {
	switch base {
	case baseEquals:
		return equalOperand(v, op, ci)
	case baseContains:
		switch x := v.(type) {
		case string:
			if op.kind != opString {
				return false
			}
			if ci {
				return strings.Contains(strings.ToLower(x), op.lower)
			}
			return strings.Contains(x, op.s)
		case []any:
			for _, e := range x {
				if equalOperand(e, op, ci) {
					return true
				}
			}
		}
		return false
	case baseStartsWith, baseEndsWith:
		x, ok := v.(string)
		if !ok || op.kind != opString {
			return false
		}
		if ci {
			return hasAffixFold(x, op.s, op.lower, base == baseStartsWith)
		}
		if base == baseStartsWith {
			return strings.HasPrefix(x, op.s)
		}
		return strings.HasSuffix(x, op.s)
	case baseGreater, baseGreaterEq, baseLess, baseLessEq:
		c, ok := orderOperand(v, op)
		if !ok {
			return false
		}
		switch base {
		case baseGreater:
			return c > 0
		case baseGreaterEq:
			return c >= 0
		case baseLess:
			return c < 0
		}
		return c <= 0
	case baseInCIDR:
		s, ok := v.(string)
		if !ok || op.kind != opString {
			return false
		}
		pfx, err := netip.ParsePrefix(strings.TrimSpace(op.s))
		if err != nil {
			return false
		}
		a, ok := parseIP(s)
		return ok && pfx.Masked().Contains(a)
	case baseIsIP, baseIsIPv4, baseIsIPv6, baseIPPublic, baseIPPrivate:
		s, ok := v.(string)
		if !ok {
			return false
		}
		a, ok := parseIP(s)
		if !ok {
			return false
		}
		switch base {
		case baseIsIPv4:
			return a.Is4()
		case baseIsIPv6:
			return !a.Is4()
		case baseIPPublic:
			return isPublicIP(a)
		case baseIPPrivate:
			return a.IsPrivate()
		}
		return true
	}
	return false
}

func equalOperand(v any, op *operand, ci bool) bool {
	switch op.kind {
	case opString:
		s, ok := v.(string)
		if !ok {
			return false
		}
		if ci {
			return strings.EqualFold(s, op.s)
		}
		return s == op.s
	case opBool:
		b, ok := v.(bool)
		return ok && b == op.b
	}
	n, ok := toNumber(v)
	if !ok {
		return false
	}
	c, ok := n.cmp(op.n)
	return ok && c == 0
}

// orderOperand compares v with op: numbers numerically (numeric strings in
// the event are parsed), strings lexically.
func orderOperand(v any, op *operand) (int, bool) {
	switch op.kind {
	case opNumber:
		n, ok := toNumber(v)
		if !ok {
			s, isStr := v.(string)
			if !isStr {
				return 0, false
			}
			n, ok = parseNumber(s)
			if !ok {
				return 0, false
			}
		}
		return n.cmp(op.n)
	case opString:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(s, op.s), true
	}
	return 0, false
}

// parseIP parses an IP address, unmapping IPv4-mapped IPv6 addresses and
// dropping any zone.
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

var nonPublicV4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

func isPublicIP(a netip.Addr) bool {
	if !a.IsValid() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	if a.Is4() {
		for _, p := range nonPublicV4 {
			if p.Contains(a) {
				return false
			}
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hasAffixFold is a case-insensitive HasPrefix (or HasSuffix) that avoids
// allocating for ASCII text.
func hasAffixFold(x, want, wantLower string, prefix bool) bool {
	if hasNonASCII(x) || hasNonASCII(want) {
		x = strings.ToLower(x)
		if prefix {
			return strings.HasPrefix(x, wantLower)
		}
		return strings.HasSuffix(x, wantLower)
	}
	if len(x) < len(want) {
		return false
	}
	if prefix {
		return strings.EqualFold(x[:len(want)], want)
	}
	return strings.EqualFold(x[len(x)-len(want):], want)
}
