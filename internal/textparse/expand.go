package textparse

import (
	"fmt"
	"slices"
	"strings"
)

// expansion is one compiled expandFields entry.
type expansion struct {
	name  string
	parts []templatePart
}

// templatePart is literal text, or a field reference when ref is true.
type templatePart struct {
	text string
	ref  bool
}

func compileExpansions(m map[string]string) ([]expansion, error) {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]expansion, 0, len(names))
	for _, name := range names {
		if name == "" {
			return nil, fmt.Errorf("expandFields: field name must not be empty")
		}
		parts, err := parseTemplate(m[name])
		if err != nil {
			return nil, fmt.Errorf("expandFields.%s: %w", name, err)
		}
		out = append(out, expansion{name: name, parts: parts})
	}
	return out, nil
}

func parseTemplate(tmpl string) ([]templatePart, error) {
	var parts []templatePart
	hasRef := false
	rest := tmpl
	for rest != "" {
		i := strings.Index(rest, "%{")
		if i < 0 {
			parts = append(parts, templatePart{text: rest})
			break
		}
		if i > 0 {
			parts = append(parts, templatePart{text: rest[:i]})
		}
		offset := len(tmpl) - len(rest) + i
		end := strings.IndexByte(rest[i+2:], '}')
		if end < 0 {
			return nil, fmt.Errorf(`unclosed "%%{" at offset %d: expected "}"`, offset)
		}
		name := rest[i+2 : i+2+end]
		if name == "" {
			return nil, fmt.Errorf(`empty placeholder "%%{}" at offset %d: expected a field name`, offset)
		}
		parts = append(parts, templatePart{text: name, ref: true})
		hasRef = true
		rest = rest[i+2+end+1:]
	}
	if !hasRef {
		return nil, fmt.Errorf("template %q has no %%{field} placeholder", tmpl)
	}
	return parts, nil
}

func lookupField(fields []Field, name string) (string, bool) {
	for i := range fields {
		if fields[i].Name == name {
			return fields[i].Value, true
		}
	}
	return "", false
}

// apply evaluates the template on dst[start:] and sets the result there.
func (e *expansion) apply(dst []Field, start int) []Field {
	fields := dst[start:]
	found := false
	var b strings.Builder
	for _, p := range e.parts {
		if !p.ref {
			b.WriteString(p.text)
			continue
		}
		if v, ok := lookupField(fields, p.text); ok {
			found = true
			b.WriteString(v)
		}
	}
	if !found {
		return dst
	}
	v := b.String()
	for i := range fields {
		if fields[i].Name == e.name {
			fields[i].Value = v
			return dst
		}
	}
	return append(dst, Field{Name: e.name, Value: v})
}
