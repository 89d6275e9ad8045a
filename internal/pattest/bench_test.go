package pattest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/simpledetect"
)

// writeCorpus writes n Python rules and/or n simple detections with five
// tests each under dir/rules.
func writeCorpus(tb testing.TB, dir string, n int, python, simple bool) {
	tb.Helper()
	rules := filepath.Join(dir, "rules")
	if err := os.MkdirAll(rules, 0o755); err != nil {
		tb.Fatal(err)
	}
	tests := func(i int) string {
		var b strings.Builder
		b.WriteString("Tests:\n")
		for n := 0; n < 5; n++ {
			fmt.Fprintf(&b, "  - Name: Case %d\n    ExpectedResult: %v\n    Log:\n      kind: k%d\n      n: %d\n      user: user%d\n", n, n%2 == 0, i, n, n)
		}
		return b.String()
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(rules, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		if python {
			write(fmt.Sprintf("rule_%03d.yml", i), fmt.Sprintf(
				"AnalysisType: rule\nRuleID: Bench.Rule.%03d\nFilename: rule_%03d.py\nEnabled: true\nLogTypes:\n  - Bench.Log\nSeverity: Low\n%s",
				i, i, tests(i)))
			write(fmt.Sprintf("rule_%03d.py", i), fmt.Sprintf(
				"def rule(event):\n    return event.get(\"kind\") == \"k%d\" and event.get(\"n\", 1) %% 2 == 0\n\n\n"+
					"def title(event):\n    return f\"rule %d saw {event.get('user')}\"\n", i, i))
		}
		if simple {
			write(fmt.Sprintf("simple_%03d.yml", i), fmt.Sprintf(
				"AnalysisType: rule\nRuleID: Bench.Simple.%03d\nEnabled: true\nLogTypes:\n  - Bench.Log\nSeverity: Low\n"+
					"Detection:\n  - KeyPath: kind\n    Condition: Equals\n    Value: k%d\n  - KeyPath: n\n    Condition: IsIn\n    Values: [0, 2, 4]\n"+
					"AlertTitle: \"simple %d saw {user}\"\n%s", i, i, i, tests(i)))
		}
	}
}

// TestGeneratedCorpus checks that the benchmark corpus passes, so the
// benchmark measures successful runs.
func TestGeneratedCorpus(t *testing.T) {
	requirePython(t)
	dir := t.TempDir()
	writeCorpus(t, dir, 20, true, true)
	sum, code := Run(context.Background(), Options{Path: dir, Workers: 2})
	if code != ExitOK || sum.Detections != 40 || sum.Cases.Passed != 200 {
		t.Errorf("exit %d, %d detections, cases %+v; want exit 0, 40 detections, 200 passed", code, sum.Detections, sum.Cases)
	}
}

// BenchmarkRun is the wall time of `panther test` on 300 Python rules
// with 5 tests each: load, worker start-up, 1500 tests and the report.
func BenchmarkRun(b *testing.B) {
	requirePython(b)
	dir := b.TempDir()
	writeCorpus(b, dir, 300, true, false)
	b.ResetTimer()
	for b.Loop() {
		sum, code := Run(context.Background(), Options{Path: dir})
		if code != ExitOK || sum.Cases.Passed != 1500 {
			b.Fatalf("exit %d, cases %+v", code, sum.Cases)
		}
	}
	b.ReportMetric(1500*float64(b.N)/b.Elapsed().Seconds(), "tests/s")
}

// BenchmarkRunSimple is the same for 300 simple detections, evaluated in
// Go without Python.
func BenchmarkRunSimple(b *testing.B) {
	dir := b.TempDir()
	writeCorpus(b, dir, 300, false, true)
	b.ResetTimer()
	for b.Loop() {
		sum, code := Run(context.Background(), Options{Path: dir, Python: "/nonexistent/python3"})
		if code != ExitOK || sum.Cases.Passed != 1500 {
			b.Fatalf("exit %d, cases %+v", code, sum.Cases)
		}
	}
	b.ReportMetric(1500*float64(b.N)/b.Elapsed().Seconds(), "tests/s")
}

// BenchmarkEvalSimple is one test of a simple detection with alert keys.
func BenchmarkEvalSimple(b *testing.B) {
	body := []any{
		map[string]any{"KeyPath": "action", "Condition": "Equals", "Value": "login"},
		map[string]any{"KeyPath": "src.ip", "Condition": "IsIPAddressPublic"},
	}
	sd, err := simpledetect.Compile(body, simpledetect.WithAlertTitle("Login by {user} from {src.ip}"),
		simpledetect.WithGroupBy([]any{map[string]any{"KeyPath": "user"}}))
	if err != nil {
		b.Fatal(err)
	}
	d := &analysis.Detection{Header: analysis.Header{Type: analysis.TypeRule, ID: "B"}, Simple: sd}
	log := `{"action":"login","user":"bob","src":{"ip":"8.8.8.8","port":443},"tags":["a","b"]}`
	var v any
	if err := json.Unmarshal([]byte(log), &v); err != nil {
		b.Fatal(err)
	}
	t := analysis.Test{Name: "T", ExpectedResult: true, Log: v, DataJSON: json.RawMessage(log)}
	for b.Loop() {
		if res := evalSimple(d, t, false); !res.Passed {
			b.Fatal("test failed")
		}
	}
}
