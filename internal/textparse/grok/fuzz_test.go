package grok

import (
	"strings"
	"testing"
)

// FuzzCompile compiles arbitrary grok patterns and definitions, then matches
// and explains an arbitrary line.
func FuzzCompile(f *testing.F) {
	f.Add(`%{IP:ip} %{WORD:w}`, `%{INT}x`, "10.0.0.1 abc")
	f.Add(`%{COMBINEDAPACHELOG}`, `\d+`, `127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1 "-" "x"`)
	f.Add(`%{MINE:m}|(?P<x>%{NUMBER})`, `%{MINE}`, "12")
	f.Add(`(?i)[a-cé]x*|\bq?%{MINE}`, `.+`, "Éx")
	f.Add(`(?:ab)*\d{0,2}[^a]`, `x`, "\n")
	f.Fuzz(func(t *testing.T, pattern, def, line string) {
		lib, err := Builtin().With(map[string]string{"MINE": def})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "patternDefinitions.MINE: ") {
				t.Fatalf("error does not name the definition: %v", err)
			}
			return
		}
		p, err := lib.Compile(pattern)
		if err != nil {
			return
		}
		caps, ok := p.Match(line, nil)
		// The first-byte filter only rejects lines the expression rejects.
		if full := p.re.MatchString(line); full != ok {
			t.Fatalf("Match = %v but the expression says %v (first-byte filter)", ok, full)
		}
		if !ok {
			off, exp := p.Explain(line)
			if off < 0 || off > len(line) || exp == "" {
				t.Fatalf("Explain = %d, %q for a line of %d bytes", off, exp, len(line))
			}
			return
		}
		seen := map[string]bool{}
		for _, c := range caps {
			if seen[c.Name] {
				t.Fatalf("field %q captured twice", c.Name)
			}
			seen[c.Name] = true
		}
	})
}
