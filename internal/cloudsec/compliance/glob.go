package compliance

import (
	"fmt"
	"strings"
)

// Glob is a suppression pattern on resource ids: `*` matches any run of characters (slashes
// and colons included), every other character itself; the match is anchored at both ends, as
// Panther's suppressions were.
type Glob struct {
	pattern string
	parts   []string // the literal runs between stars
}

// ParseGlob checks a suppression pattern.
func ParseGlob(p string) (Glob, error) {
	if strings.TrimSpace(p) == "" {
		return Glob{}, fmt.Errorf("suppression pattern %q is empty", p)
	}
	return Glob{pattern: p, parts: strings.Split(p, "*")}, nil
}

// String returns the pattern.
func (g Glob) String() string { return g.pattern }

// Match reports whether the whole of s matches the pattern.
func (g Glob) Match(s string) bool {
	parts := g.parts
	if len(parts) == 1 {
		return s == parts[0]
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
