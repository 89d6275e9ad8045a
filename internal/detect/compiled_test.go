package detect_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
)

// outcomeLines renders every outcome with all the generated alert fields.
func outcomeLines(t *testing.T, col *analysis.Collection, evs []*event.Event, o detect.Options) ([]string, *detect.Engine) {
	t.Helper()
	eng, err := detect.New(context.Background(), col, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	outs, err := eng.Evaluate(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, o := range outs {
		a := o.Alert
		res := "match"
		if o.Err != nil {
			res = "error " + o.Err.Type
		}
		lines = append(lines, fmt.Sprintf("%d %s %s title=%q dedup=%q sev=%s desc=%q ref=%q runbook=%q dest=%q ctx=%s unique=%q/%v",
			o.Event, o.Rule.ID, res, a.Title, a.Dedup, a.Severity, a.Description, a.Reference, a.Runbook, a.Destinations,
			a.AlertContext, a.Unique, o.HasUnique))
	}
	return lines, eng
}

func diffLines(t *testing.T, what string, with, without []string) {
	t.Helper()
	if strings.Join(with, "\n") == strings.Join(without, "\n") {
		return
	}
	for i := 0; i < len(with) || i < len(without); i++ {
		var a, b string
		if i < len(with) {
			a = with[i]
		}
		if i < len(without) {
			b = without[i]
		}
		if a != b {
			t.Fatalf("%s: outcome %d differs:\ncompiled: %s\n CPython: %s", what, i, a, b)
		}
	}
}

// TestCompiledRulesMatchCPython runs the same events through the engine with the rules compiled
// to Go and with every rule in CPython: the outcomes, with every alert field, must be the same.
func TestCompiledRulesMatchCPython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
	t.Run("bench corpus", func(t *testing.T) {
		col, err := analysis.Load("../pyrun/testdata/bench_rules", analysis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		evs := cloudTrailEvents(t, 3000)
		with, eng := outcomeLines(t, col, evs, detect.Options{Workers: 1, Parallel: 2})
		without, _ := outcomeLines(t, col, evs, detect.Options{Workers: 1, NoCompile: true})
		diffLines(t, "bench corpus", with, without)
		compiled := 0
		for _, r := range eng.Rules() {
			if r.Compiled() {
				compiled++
			}
		}
		if compiled < len(eng.Rules())*3/4 {
			t.Errorf("only %d of %d rules compiled", compiled, len(eng.Rules()))
		}
		t.Logf("%d outcomes, %d of %d rules compiled", len(with), compiled, len(eng.Rules()))
	})
	t.Run("guard rules on random events", func(t *testing.T) {
		s, err := logschema.Parse("guard.yml", []byte(guardSchema))
		if err != nil {
			t.Fatal(err)
		}
		lt, err := logschema.Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		col, err := analysis.Load("testdata/guards", analysis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(3, 4))
		dec := &decode.Decoder{Arena: &event.Arena{}}
		var evs []*event.Event
		for i := 0; i < 3000; i++ {
			v, err := dec.JSON(lt.Root, []byte(randomEvent(r)))
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, &event.Event{LogType: lt, Root: v, RowID: fmt.Sprint(i), EventTime: 1, ParseTime: 1})
		}
		with, _ := outcomeLines(t, col, evs, detect.Options{Workers: 1, Parallel: 3})
		without, _ := outcomeLines(t, col, evs, detect.Options{Workers: 1, NoCompile: true})
		sort.Strings(with)
		sort.Strings(without)
		diffLines(t, "guard rules", with, without)
	})
}
