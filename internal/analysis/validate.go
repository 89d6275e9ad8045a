package analysis

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// check collects the problems of one spec file.
type check struct {
	file string
	// ignoreExtra relaxes unknown top-level keys (rule, policy and derived
	// schemas only) and tolerates the JSON-schema test keys in tests.
	ignoreExtra bool
	probs       []Problem
}

func (c *check) add(line int, path, format string, args ...any) {
	c.probs = append(c.probs, Problem{File: c.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *check) warn(line int, path, format string, args ...any) {
	c.probs = append(c.probs, Problem{File: c.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...), Warning: true})
}

func (c *check) errors() int {
	n := 0
	for _, p := range c.probs {
		if !p.Warning {
			n++
		}
	}
	return n
}

func joinKey(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func joinIndex(base string, i int) string {
	return base + "[" + strconv.Itoa(i) + "]"
}

// kindName names the YAML type of a node for messages.
func kindName(n *node) string {
	switch n.kind {
	case mapNode:
		return "a mapping"
	case seqNode:
		return "a list"
	}
	switch n.val.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	}
	return "a string"
}

// checker validates one value.
type checker func(c *check, n *node, path string)

func isStr(n *node) bool {
	_, ok := n.val.(string)
	return n.kind == scalarNode && ok
}

func strVal(n *node) string {
	if n == nil {
		return ""
	}
	s, _ := n.val.(string)
	return s
}

func chkStr(c *check, n *node, path string) {
	if !isStr(n) {
		c.add(n.line, path, "expected a string, got %s", kindName(n))
	}
}

func chkNonEmptyStr(c *check, n *node, path string) {
	if !isStr(n) || strVal(n) == "" {
		c.add(n.line, path, "expected a non-empty string, got %s", describe(n))
	}
}

func chkBool(c *check, n *node, path string) {
	if _, ok := n.val.(bool); n.kind != scalarNode || !ok {
		c.add(n.line, path, "expected a bool (true or false), got %s", describe(n))
	}
}

func chkInt(c *check, n *node, path string) {
	if _, ok := n.val.(int64); n.kind != scalarNode || !ok {
		c.add(n.line, path, "expected an integer, got %s", describe(n))
	}
}

func chkAny(*check, *node, string) {}

// describe is kindName plus the value of short scalars.
func describe(n *node) string {
	if n.kind == scalarNode {
		switch x := n.val.(type) {
		case string:
			if len(x) <= 60 {
				return fmt.Sprintf("the string %q", x)
			}
		case bool:
			return fmt.Sprintf("the bool %v", x)
		case int64:
			return fmt.Sprintf("the integer %d", x)
		}
	}
	return kindName(n)
}

func chkStrList(c *check, n *node, path string) {
	if n.kind != seqNode {
		c.add(n.line, path, "expected a list of strings, got %s", kindName(n))
		return
	}
	for i, it := range n.items {
		chkStr(c, it, joinIndex(path, i))
	}
}

// listOf validates a list whose items pass item.
func listOf(item checker) checker {
	return func(c *check, n *node, path string) {
		if n.kind != seqNode {
			c.add(n.line, path, "expected a list, got %s", kindName(n))
			return
		}
		for i, it := range n.items {
			item(c, it, joinIndex(path, i))
		}
	}
}

// idRe is PAT's NAME_ID_VALIDATION_REGEX.
var idRe = regexp.MustCompile(`^[^<>&"%]+$`)

func chkID(c *check, n *node, path string) {
	if !isStr(n) {
		c.add(n.line, path, "expected a string, got %s", kindName(n))
		return
	}
	if !idRe.MatchString(strVal(n)) {
		c.add(n.line, path, "%q must be non-empty and must not contain any of < > & \" %%", strVal(n))
	}
}

func oneOf(values ...string) checker {
	return func(c *check, n *node, path string) {
		s, ok := n.val.(string)
		if n.kind == scalarNode && ok {
			for _, v := range values {
				if s == v {
					return
				}
			}
		}
		c.add(n.line, path, "expected one of %s, got %s", strings.Join(values, ", "), describe(n))
	}
}

var chkSeverity = oneOf("Info", "Low", "Medium", "High", "Critical")

// chkReports validates {framework: [control ids]}.
func chkReports(c *check, n *node, path string) {
	if n.kind != mapNode {
		c.add(n.line, path, "expected a mapping of framework names to lists, got %s", kindName(n))
		return
	}
	for i, k := range n.keys {
		v := n.vals[i]
		p := joinKey(path, k)
		if v.kind != seqNode {
			c.add(v.line, p, "expected a list of control IDs, got %s", kindName(v))
			continue
		}
		for j, it := range v.items {
			switch it.val.(type) {
			case string, int64, float64:
				if it.kind == scalarNode {
					continue
				}
			}
			c.add(it.line, joinIndex(p, j), "expected a string or a number, got %s", kindName(it))
		}
	}
}

func chkFalseOnly(c *check, n *node, path string) {
	if b, ok := n.val.(bool); n.kind != scalarNode || !ok || b {
		c.add(n.line, path, "may only be false, got %s", describe(n))
	}
}

var promptNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func chkPromptName(c *check, n *node, path string) {
	if !isStr(n) {
		c.add(n.line, path, "expected a string, got %s", kindName(n))
		return
	}
	if !promptNameRe.MatchString(strVal(n)) {
		c.add(n.line, path, "%q must match ^[a-z][a-z0-9_]*$ (lower case letters, digits and _, starting with a letter)", strVal(n))
	}
}

// field is one key of a mapping schema.
type field struct {
	name string
	req  bool
	chk  checker
}

// schema describes a mapping.
type schema struct {
	what   string
	fields []field
	// exactlyOne lists groups of keys of which exactly one must be present.
	exactlyOne [][]string
	// atLeastOne lists groups of keys of which one or more must be present.
	atLeastOne [][]string
	// relaxable schemas accept unknown keys under IgnoreExtraKeys.
	relaxable bool
	// tolerated keys are accepted under IgnoreExtraKeys (test items).
	tolerated []string
}

func (s *schema) field(name string) (field, bool) {
	for _, f := range s.fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// mapping validates n against s.
func (c *check) mapping(n *node, path string, s *schema) bool {
	if n.kind != mapNode {
		c.add(n.line, path, "expected a mapping (%s), got %s", s.what, kindName(n))
		return false
	}
	before := c.errors()
	for i, k := range n.keys {
		v := n.vals[i]
		f, ok := s.field(k)
		if !ok {
			if c.ignoreExtra && (s.relaxable || contains(s.tolerated, k)) {
				continue
			}
			c.add(n.keyLines[i], joinKey(path, k), "unknown key for %s%s", s.what, suggest(k, s))
			continue
		}
		f.chk(c, v, joinKey(path, k))
	}
	for _, f := range s.fields {
		if f.req {
			if _, ok := n.get(f.name); !ok {
				c.add(n.line, joinKey(path, f.name), "required key is missing")
			}
		}
	}
	for _, g := range s.exactlyOne {
		var present []string
		for _, k := range g {
			if _, ok := n.get(k); ok {
				present = append(present, k)
			}
		}
		switch {
		case len(present) == 0:
			c.add(n.line, path, "exactly one of %s is required, found none", orList(g))
		case len(present) > 1:
			c.add(n.keyLine(present[1]), joinKey(path, present[1]), "exactly one of %s is allowed, found %s", orList(g), strings.Join(present, " and "))
		}
	}
	for _, g := range s.atLeastOne {
		found := false
		for _, k := range g {
			if _, ok := n.get(k); ok {
				found = true
			}
		}
		if !found {
			c.add(n.line, path, "one of %s is required, found none", orList(g))
		}
	}
	return c.errors() == before
}

func orList(keys []string) string {
	if len(keys) < 2 {
		return strings.Join(keys, "")
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " or " + keys[len(keys)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest proposes the known key closest to an unknown one.
func suggest(k string, s *schema) string {
	best, bestD := "", 3
	consider := func(name string) {
		if strings.EqualFold(name, k) {
			best, bestD = name, 0
			return
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = name, d
		}
	}
	for _, f := range s.fields {
		consider(f.name)
	}
	for _, groups := range [][][]string{s.exactlyOne, s.atLeastOne} {
		for _, g := range groups {
			for _, name := range g {
				consider(name)
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
