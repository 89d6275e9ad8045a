package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Sources say where the configuration comes from, in order of precedence (later wins).
type Sources struct {
	// File is the YAML file (empty: none).
	File string
	// Getenv reads the environment (default os.Getenv); empty values count as unset.
	Getenv func(string) string
	// Sets are "key=value" settings from the command line, applied last.
	Sets []string
}

// Load builds the configuration: defaults, then the file, then the environment, then the
// settings; it returns every error found, then validates.
func Load(src Sources) (Config, error) {
	c := Default()
	var errs []error
	if src.File != "" {
		data, err := os.ReadFile(src.File)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		errs = append(errs, decodeYAML(&c, src.File, data)...)
	}
	getenv := src.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, k := range keys(&c) {
		if v := getenv(k.Env); v != "" {
			if err := setValue(k.field, v); err != nil {
				errs = append(errs, fmt.Errorf("environment %s: %s: %w", k.Env, k.Name, err))
			}
		}
	}
	for _, s := range src.Sets {
		if err := c.Set(s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Set applies one "key=value" setting.
func (c *Config) Set(setting string) error {
	name, value, ok := strings.Cut(setting, "=")
	if !ok {
		return fmt.Errorf("setting %q: expected key=value", setting)
	}
	name = strings.TrimSpace(name)
	for _, k := range keys(c) {
		if k.Name == name {
			if err := setValue(k.field, value); err != nil {
				return fmt.Errorf("setting %s: %w", name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("setting %q: unknown key%s", name, suggest(name, KeyNames()))
}

// Key describes one configuration key.
type Key struct {
	Name    string // dotted path: lake.flush_interval
	Env     string // PANTHER_LAKE_FLUSH_INTERVAL
	Doc     string
	Default string // the default, formatted as a value of the key
	field   reflect.Value
}

// Keys lists every key with its default, in declaration order.
func Keys() []Key {
	c := Default()
	ks := keys(&c)
	for i := range ks {
		ks[i].Default = formatValue(ks[i].field)
		ks[i].field = reflect.Value{}
	}
	return ks
}

// KeyNames lists the names of every key.
func KeyNames() []string {
	var names []string
	for _, k := range Keys() {
		names = append(names, k.Name)
	}
	return names
}

// Get returns the value of a key formatted as in a file.
func (c *Config) Get(name string) (string, bool) {
	for _, k := range keys(c) {
		if k.Name == name {
			return formatValue(k.field), true
		}
	}
	return "", false
}

var (
	durationType = reflect.TypeFor[Duration]()
	sizeType     = reflect.TypeFor[Size]()
)

// isLeaf reports whether a field holds a value rather than a section.
func isLeaf(t reflect.Type) bool {
	return t.Kind() != reflect.Struct || t == durationType || t == sizeType
}

func keys(c *Config) []Key {
	var out []Key
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := prefix + f.Tag.Get("yaml")
			if isLeaf(f.Type) {
				out = append(out, Key{Name: name, Env: "PANTHER_" + strings.ToUpper(strings.ReplaceAll(name, ".", "_")),
					Doc: f.Tag.Get("doc"), field: v.Field(i)})
				continue
			}
			walk(v.Field(i), name+".")
		}
	}
	walk(reflect.ValueOf(c).Elem(), "")
	return out
}

// decodeYAML applies a YAML document to c strictly: unknown keys, keys given twice and
// values of the wrong kind are errors naming the file, line and key.
func decodeYAML(c *Config, file string, data []byte) []error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []error{fmt.Errorf("%s: %w", file, err)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	var errs []error
	at := func(n *yaml.Node) string { return fmt.Sprintf("%s:%d:%d", file, n.Line, n.Column) }
	var walk func(n *yaml.Node, v reflect.Value, prefix string)
	walk = func(n *yaml.Node, v reflect.Value, prefix string) {
		section := strings.TrimSuffix(prefix, ".")
		if n.Kind != yaml.MappingNode {
			what := "the top level"
			if section != "" {
				what = section
			}
			errs = append(errs, fmt.Errorf("%s: %s must be a mapping of keys, not %s", at(n), what, nodeKind(n)))
			return
		}
		t := v.Type()
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			name := prefix + kn.Value
			if seen[kn.Value] {
				errs = append(errs, fmt.Errorf("%s: key %s given twice", at(kn), name))
				continue
			}
			seen[kn.Value] = true
			idx := -1
			var known []string
			for j := 0; j < t.NumField(); j++ {
				tag := t.Field(j).Tag.Get("yaml")
				known = append(known, prefix+tag)
				if tag == kn.Value {
					idx = j
				}
			}
			if idx < 0 {
				errs = append(errs, fmt.Errorf("%s: unknown key %s%s", at(kn), name, suggest(name, known)))
				continue
			}
			fv := v.Field(idx)
			if !isLeaf(fv.Type()) {
				walk(vn, fv, name+".")
				continue
			}
			if vn.Kind != yaml.ScalarNode {
				errs = append(errs, fmt.Errorf("%s: %s: expected a value, not %s", at(vn), name, nodeKind(vn)))
				continue
			}
			if vn.Tag == "!!null" {
				errs = append(errs, fmt.Errorf("%s: %s: no value", at(vn), name))
				continue
			}
			if err := setValue(fv, vn.Value); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %w", at(vn), name, err))
			}
		}
	}
	walk(root, reflect.ValueOf(c).Elem(), "")
	return errs
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("the value %q", n.Value)
}

// suggest names the closest known key, if one is close.
func suggest(name string, known []string) string {
	best, bestD := "", 4
	for _, k := range known {
		if d := distance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
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

// setValue parses text into a leaf field.
func setValue(f reflect.Value, text string) error {
	text = strings.TrimSpace(text)
	switch f.Type() {
	case durationType:
		d, err := ParseDuration(text)
		if err != nil {
			return err
		}
		f.Set(reflect.ValueOf(d))
		return nil
	case sizeType:
		s, err := ParseSize(text)
		if err != nil {
			return err
		}
		f.Set(reflect.ValueOf(s))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(text)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%q is not true or false", text)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", text)
		}
		f.SetInt(n)
	default:
		return fmt.Errorf("unsupported field type %s", f.Type())
	}
	return nil
}

func formatValue(f reflect.Value) string {
	switch v := f.Interface().(type) {
	case Duration:
		return v.String()
	case Size:
		return v.String()
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return fmt.Sprint(f.Interface())
}

// Duration is a time.Duration that reads and prints as "90s", "5m", "1h30m".
type Duration time.Duration

// ParseDuration parses a Go duration ("90s", "1h30m"); "0" is zero.
func ParseDuration(s string) (Duration, error) {
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 90s, 5m or 1h30m", s)
	}
	return Duration(d), nil
}

// String prints d with the largest units that divide it exactly.
func (d Duration) String() string {
	t := time.Duration(d)
	switch {
	case t == 0:
		return "0s"
	case t%time.Hour == 0:
		return fmt.Sprintf("%dh", t/time.Hour)
	case t%time.Minute == 0:
		return fmt.Sprintf("%dm", t/time.Minute)
	case t%time.Second == 0:
		return fmt.Sprintf("%ds", t/time.Second)
	case t%time.Millisecond == 0:
		return fmt.Sprintf("%dms", t/time.Millisecond)
	}
	return t.String()
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Size is a number of bytes that reads "8MiB", "512KB", "1048576".
type Size int64

var units = []struct {
	suffix string
	n      int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// ParseSize parses a size: a whole number of bytes, or a number with a unit.
func ParseSize(s string) (Size, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.n
			break
		}
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	if err != nil || n < 0 || n*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q is not a size such as 1048576, 512KiB, 8MiB or 1GiB", s)
	}
	return Size(n * float64(mult)), nil
}

// String prints s with the largest binary unit that divides it exactly.
func (s Size) String() string {
	for _, u := range slices.Backward(units[:4]) {
		if s != 0 && int64(s)%u.n == 0 {
			return fmt.Sprintf("%d%s", int64(s)/u.n, u.suffix)
		}
	}
	return strconv.FormatInt(int64(s), 10)
}
