package analysis

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Filter is one PAT --filter argument: KEY=V1,V2 keeps specs whose KEY
// matches any value; KEY!=V1,V2 drops them.
type Filter struct {
	Key    string
	Values []string
	Negate bool
}

// Filters are ANDed: a spec must pass every one.
type Filters []Filter

// filterKeys are the keys of the global, policy and rule schemas, which
// PAT accepts as filter keys.
var filterKeys = func() map[string]bool {
	keys := map[string]bool{}
	for _, s := range []*schema{globalSchema, policySchema, ruleSchema} {
		for _, f := range s.fields {
			keys[f.name] = true
		}
	}
	return keys
}()

// ParseFilter parses KEY=V1,V2 or KEY!=V1,V2. The key must be a key of the
// global, policy or rule schema; Enabled takes true or false.
func ParseFilter(arg string) (Filter, error) {
	var f Filter
	i := strings.Index(arg, "=")
	if i <= 0 {
		return f, fmt.Errorf("filter %q: expected KEY=VALUE[,VALUE...] or KEY!=VALUE[,VALUE...]", arg)
	}
	key, vals := arg[:i], arg[i+1:]
	if strings.HasSuffix(key, "!") {
		f.Negate = true
		key = key[:len(key)-1]
	}
	f.Key = strings.TrimSpace(key)
	if !filterKeys[f.Key] {
		valid := make([]string, 0, len(filterKeys))
		for k := range filterKeys {
			valid = append(valid, k)
		}
		sort.Strings(valid)
		return f, fmt.Errorf("filter %q: %q is not a key of the global, policy or rule schema (valid keys: %s)", arg, f.Key, strings.Join(valid, ", "))
	}
	for _, v := range strings.Split(vals, ",") {
		v = strings.TrimSpace(v)
		if f.Key == "Enabled" {
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil || (strings.ToLower(v) != "true" && strings.ToLower(v) != "false") {
				return f, fmt.Errorf("filter %q: Enabled takes true or false, got %q", arg, v)
			}
			v = strconv.FormatBool(b)
		}
		f.Values = append(f.Values, v)
	}
	return f, nil
}

// ParseFilters parses every --filter argument.
func ParseFilters(args []string) (Filters, error) {
	out := make(Filters, 0, len(args))
	for _, a := range args {
		f, err := ParseFilter(a)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// matches reports whether the spec's value for the key intersects the
// filter values, comparing case-insensitively. A list matches when any
// element does; a missing key counts as "".
func (f Filter) matches(raw map[string]any) bool {
	v, ok := raw[f.Key]
	if !ok {
		v = ""
	}
	var elems []any
	if l, isList := v.([]any); isList {
		elems = l
	} else {
		elems = []any{v}
	}
	for _, e := range elems {
		s, ok := scalarText(e)
		if !ok {
			continue
		}
		for _, want := range f.Values {
			if strings.EqualFold(s, want) {
				return true
			}
		}
	}
	return false
}

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return formatPythonFloat(x), true
	case nil:
		return "None", true
	}
	return "", false
}

// Match reports whether the spec passes every filter.
func (fs Filters) Match(s Spec) bool {
	raw := s.Meta().Raw
	for _, f := range fs {
		if f.matches(raw) == f.Negate {
			return false
		}
	}
	return true
}

// Keep is PAT's filter_analysis: specs in global helper and data model
// directories are always kept; the others must Match.
func (fs Filters) Keep(s Spec) bool {
	dir := s.Meta().WalkDir
	if fnmatch(dir, helpersDirPattern) || fnmatch(dir, dataModelDirPattern) {
		return true
	}
	return fs.Match(s)
}

// Apply returns the specs of c that Keep accepts, in load order.
func (fs Filters) Apply(c *Collection) []Spec {
	out := make([]Spec, 0, len(c.Specs))
	for _, s := range c.Specs {
		if fs.Keep(s) {
			out = append(out, s)
		}
	}
	return out
}
