package simpledetect

import (
	"strings"
)

// titlePart is a literal or a {KeyPath} placeholder of AlertTitle.
type titlePart struct {
	lit string
	key *keySpec
}

// dynSeverity is one DynamicSeverities entry.
type dynSeverity struct {
	changeTo string // Title case severity, or "" for DEFAULT
	when     expr
}

// contextKV is one AlertContext entry.
type contextKV struct {
	name string
	key  keySpec
}

// Severities accepted by ChangeTo, mapped to the Title case of the YAML
// metadata. DEFAULT keeps the detection's own severity.
var severityNames = map[string]string{
	"info": "Info", "low": "Low", "medium": "Medium", "high": "High", "critical": "Critical", "default": "",
}

func (c *compiler) alertKeys(d *Detection, opts []Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.hasTitle {
		d.title, d.hasTitle = c.titleTemplate(cfg.title, []any{"AlertTitle"})
	}
	if cfg.hasSev {
		d.severities = c.dynamicSeverities(cfg.severities, []any{"DynamicSeverities"})
	}
	if cfg.hasCtx {
		d.context = c.alertContext(cfg.context, []any{"AlertContext"})
	}
	if cfg.hasGroup {
		d.groupBy = c.groupBy(cfg.groupBy, []any{"GroupBy"})
	}
}

// parseTitle splits a title template into literals and placeholders.
// Doubled braces {{ and }} stand for literal braces.
func (c *compiler) titleTemplate(v any, path []any) ([]titlePart, bool) {
	s, ok := v.(string)
	if !ok {
		c.errorf(path, "expected a title template string, got %s", typeName(v))
		return nil, false
	}
	var (
		parts []titlePart
		lit   strings.Builder
	)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i++
		case ch == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i++
		case ch == '{':
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				c.errorf(path, "unclosed { at offset %d of %q (write {{ for a literal brace)", i, s)
				return nil, false
			}
			name := strings.TrimSpace(s[i+1 : i+1+end])
			ks, err := parseKeyPath(name)
			if err != nil {
				c.errorf(path, "placeholder at offset %d: %v", i, err)
				return nil, false
			}
			if lit.Len() > 0 {
				parts = append(parts, titlePart{lit: lit.String()})
				lit.Reset()
			}
			parts = append(parts, titlePart{key: &ks})
			i += end + 1
		case ch == '}':
			c.errorf(path, "unmatched } at offset %d of %q (write }} for a literal brace)", i, s)
			return nil, false
		default:
			lit.WriteByte(ch)
		}
	}
	if lit.Len() > 0 {
		parts = append(parts, titlePart{lit: lit.String()})
	}
	return parts, true
}

func (c *compiler) dynamicSeverities(v any, path []any) []dynSeverity {
	items, ok := v.([]any)
	if !ok {
		c.errorf(path, "expected a list of {ChangeTo, Conditions}, got %s", typeName(v))
		return nil
	}
	out := make([]dynSeverity, 0, len(items))
	for i, it := range items {
		p := at(path, i)
		m, ok := c.mapping(it, p, "a mapping {ChangeTo, Conditions}")
		if !ok {
			continue
		}
		if !c.onlyKeys(m, p, "a dynamic severity", "ChangeTo", "Conditions") {
			continue
		}
		raw, present := m["ChangeTo"]
		name, isStr := raw.(string)
		sev, valid := severityNames[strings.ToLower(name)]
		switch {
		case !present:
			c.errorf(at(p, "ChangeTo"), "required key is missing")
			continue
		case !isStr || !valid:
			c.errorf(at(p, "ChangeTo"), "expected one of Info, Low, Medium, High, Critical or Default, got %s", typeName(raw))
			continue
		}
		conds, present := m["Conditions"]
		if !present {
			c.errorf(at(p, "Conditions"), "required key is missing")
			continue
		}
		body := c.list(conds, at(p, "Conditions"))
		if body == nil {
			continue
		}
		out = append(out, dynSeverity{changeTo: sev, when: &group{kind: groupAll, items: body}})
	}
	return out
}

func (c *compiler) alertContext(v any, path []any) []contextKV {
	items, ok := v.([]any)
	if !ok {
		c.errorf(path, "expected a list of {KeyName, KeyValue}, got %s", typeName(v))
		return nil
	}
	out := make([]contextKV, 0, len(items))
	seen := map[string]int{}
	for i, it := range items {
		p := at(path, i)
		m, ok := c.mapping(it, p, "a mapping {KeyName, KeyValue}")
		if !ok || !c.onlyKeys(m, p, "an alert context entry", "KeyName", "KeyValue") {
			continue
		}
		name, isStr := m["KeyName"].(string)
		if !isStr || name == "" {
			if _, present := m["KeyName"]; !present {
				c.errorf(at(p, "KeyName"), "required key is missing")
			} else {
				c.errorf(at(p, "KeyName"), "expected a non-empty string, got %s", typeName(m["KeyName"]))
			}
			continue
		}
		if j, dup := seen[name]; dup {
			c.errorf(at(p, "KeyName"), "duplicate KeyName %q (also at AlertContext[%d])", name, j)
			continue
		}
		seen[name] = i
		kv, present := m["KeyValue"]
		if !present {
			c.errorf(at(p, "KeyValue"), "required key is missing")
			continue
		}
		ks, ok := c.keySpecMap(kv, at(p, "KeyValue"))
		if !ok {
			continue
		}
		out = append(out, contextKV{name: name, key: ks})
	}
	return out
}

func (c *compiler) groupBy(v any, path []any) []keySpec {
	items, ok := v.([]any)
	if !ok {
		c.errorf(path, "expected a list of key specifiers, got %s", typeName(v))
		return nil
	}
	out := make([]keySpec, 0, len(items))
	for i, it := range items {
		if ks, ok := c.keySpecMap(it, at(path, i)); ok {
			out = append(out, ks)
		}
	}
	return out
}

// renderKey renders the value(s) a key selects; wildcard values are joined
// with ", ".
func renderKey(ks *keySpec, ev map[string]any) string {
	if !ks.wild {
		v, _ := ks.get(ev)
		return render(v)
	}
	var parts []string
	ks.each(ev, func(v any) bool {
		parts = append(parts, render(v))
		return false
	})
	return strings.Join(parts, ", ")
}

// Title renders AlertTitle for the event; ok is false when the detection
// has no AlertTitle.
func (d *Detection) Title(ev map[string]any) (title string, ok bool) {
	if d == nil || !d.hasTitle {
		return "", false
	}
	var b strings.Builder
	for i := range d.title {
		p := &d.title[i]
		if p.key == nil {
			b.WriteString(p.lit)
			continue
		}
		b.WriteString(renderKey(p.key, ev))
	}
	return b.String(), true
}

// Severity returns the ChangeTo of the first DynamicSeverities entry whose
// Conditions match, or def when none matches (or the match says Default).
func (d *Detection) Severity(ev map[string]any, def string) string {
	if d == nil {
		return def
	}
	for _, s := range d.severities {
		if s.when.eval(ev) {
			if s.changeTo == "" {
				return def
			}
			return s.changeTo
		}
	}
	return def
}

// AlertContext returns the AlertContext values for the event: one entry per
// KeyName, nil when the key is missing. Values alias the event's data.
// It returns nil when the detection has no AlertContext.
func (d *Detection) AlertContext(ev map[string]any) map[string]any {
	if d == nil || len(d.context) == 0 {
		return nil
	}
	out := make(map[string]any, len(d.context))
	for i := range d.context {
		kv := &d.context[i]
		if !kv.key.wild {
			v, _ := kv.key.get(ev)
			out[kv.name] = v
			continue
		}
		var vals []any
		kv.key.each(ev, func(v any) bool {
			vals = append(vals, v)
			return false
		})
		out[kv.name] = vals
	}
	return out
}

// Dedup returns the dedup string built from GroupBy: the rendered values
// joined with ":". ok is false when the detection has no GroupBy. An empty
// string means the engine's default dedup string applies, as with a Python
// dedup() that returns "".
func (d *Detection) Dedup(ev map[string]any) (dedup string, ok bool) {
	if d == nil || len(d.groupBy) == 0 {
		return "", false
	}
	parts := make([]string, len(d.groupBy))
	empty := true
	for i := range d.groupBy {
		parts[i] = renderKey(&d.groupBy[i], ev)
		if parts[i] != "" {
			empty = false
		}
	}
	if empty {
		return "", true
	}
	return strings.Join(parts, ":"), true
}
