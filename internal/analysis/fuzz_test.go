package analysis

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// FuzzResolveScalar checks that scalar resolution never panics and that a
// scalar resolving to a string is returned unchanged.
func FuzzResolveScalar(f *testing.F) {
	for _, s := range []string{"", "~", "true", "TRUE", "yes", "012", "0x1F", "0b1_0", "0o17", "1:30:00",
		"2024-01-02", "1.5e3", ".inf", "-.NaN", "9223372036854775808", "-9223372036854775809", "_", "+_1", "1e999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		switch v := ResolveScalar(s).(type) {
		case string:
			if v != s {
				t.Fatalf("string result %q differs from input %q", v, s)
			}
		case float64:
			if math.IsNaN(v) && s != ".nan" && s != ".NaN" && s != ".NAN" {
				t.Fatalf("%q resolved to NaN", s)
			}
		case nil, bool, int64:
		default:
			t.Fatalf("unexpected type %T", v)
		}
	})
}

// FuzzLoad loads arbitrary bytes as a spec file; nothing may panic and
// every problem must name the file.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("testdata/bad/*.yml")
	more, _ := filepath.Glob("testdata/valid/*/*.yml")
	corr, _ := filepath.Glob("testdata/correlation/*.yml")
	more = append(more, corr...)
	for _, p := range append(paths, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("AnalysisType: rule\nRuleID: a\nEnabled: true\nLogTypes: [x]\nSeverity: Low\nDetection: [{Key: a, Condition: Exists}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"spec.yml": {Data: data},
			"rule.py":  {Data: []byte("def rule(e):\n    return True\n")},
		}
		c, err := LoadFS(fsys, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Problems() {
			if p.File != "spec.yml" {
				t.Fatalf("problem without the file: %v", p)
			}
		}
		for _, d := range c.Detections {
			for _, tc := range d.Tests {
				_ = tc.DataJSON
			}
			if d.Simple != nil {
				d.Simple.Match(map[string]any{"a": 1})
			}
		}
	})
}
