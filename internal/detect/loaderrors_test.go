package detect_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
)

// TestLoadErrorsAreNotRun: rules that fail to load are left out of the engine (no error per
// event), each with one load error that says the cause and the fix.
func TestLoadErrorsAreNotRun(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
	fsys := fstest.MapFS{
		"missing.yml": {Data: []byte("AnalysisType: rule\nFilename: missing.py\nRuleID: Missing.Module\nEnabled: true\nLogTypes: [Custom.Guard]\nSeverity: Medium\n")},
		"missing.py":  {Data: []byte("import policyuniverse_not_here\n\ndef rule(e):\n    return True\n")},
		"norule.yml":  {Data: []byte("AnalysisType: rule\nFilename: norule.py\nRuleID: No.Rule\nEnabled: true\nLogTypes: [Custom.Guard]\nSeverity: Low\n")},
		"norule.py":   {Data: []byte("def title(e):\n    return 'x'\n")},
		"derived.yml": {Data: []byte("AnalysisType: rule\nRuleID: Derived.NoBase\nBaseDetection: Nope\nEnabled: true\n")},
		"ok.yml":      {Data: []byte("AnalysisType: rule\nFilename: ok.py\nRuleID: Ok.Rule\nEnabled: true\nLogTypes: [Custom.Guard]\nSeverity: Low\n")},
		"ok.py":       {Data: []byte("def rule(e):\n    return e.get('eventName') == 'ConsoleLogin'\n")},
	}
	col, err := analysis.LoadFS(fsys, "", analysis.Options{})
	if err != nil || len(col.Invalid) > 0 {
		t.Fatalf("%v %v", err, col.Problems())
	}
	eng, err := detect.New(context.Background(), col, detect.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var ids []string
	for _, r := range eng.Rules() {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "Ok.Rule" {
		t.Errorf("rules = %v", ids)
	}
	var got []string
	for _, le := range eng.LoadErrors {
		got = append(got, le.Error())
	}
	for i, want := range []string{
		"derived.yml: detection Derived.NoBase cannot run: its BaseDetection \"Nope\" is not among the loaded detections; add the rule Nope to the content, or remove BaseDetection from derived.yml",
		"missing.py:1: detection Missing.Module cannot run: ModuleNotFoundError: No module named 'policyuniverse_not_here'; rule Missing.Module imports policyuniverse_not_here, which is not installed in ",
		"norule.py: detection No.Rule cannot run: AssertionError: detection needs to have a method named 'rule'; fix the module and load the content again",
	} {
		if i >= len(got) || !strings.HasPrefix(got[i], want) {
			t.Errorf("load error %d:\n got %q\nwant %q...", i, got, want)
		}
	}

	s, _ := logschema.Parse("guard.yml", []byte(guardSchema))
	lt, _ := logschema.Compile(s)
	dec := &decode.Decoder{Arena: &event.Arena{}}
	var evs []*event.Event
	for i := 0; i < 50; i++ {
		v, err := dec.JSON(lt.Root, []byte(fmt.Sprintf(`{"eventName":%q}`, []string{"ConsoleLogin", "RunInstances"}[i%2])))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, &event.Event{LogType: lt, Root: v, RowID: fmt.Sprint(i), EventTime: 1, ParseTime: 1})
	}
	outs, err := eng.Evaluate(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if o.Err != nil || o.Rule.ID != "Ok.Rule" {
			t.Fatalf("outcome of %s: %+v", o.Rule.ID, o.Err)
		}
	}
	if len(outs) != 25 {
		t.Errorf("%d matches, want 25", len(outs))
	}

	at := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	ms := detect.LoadErrorMatches(eng.LoadErrors, at)
	if len(ms) != 3 || ms[1].Type != alerts.TypeRuleError || ms[1].Severity != "MEDIUM" || ms[1].DetectionID != "Missing.Module" ||
		ms[1].Dedup != "load error: ModuleNotFoundError: No module named 'policyuniverse_not_here'" || ms[0].Severity != "HIGH" {
		t.Errorf("matches: %+v", ms)
	}
	if again := detect.LoadErrorMatches(eng.LoadErrors, at.Add(time.Hour)); alerts.ID(&again[1]) != alerts.ID(&ms[1]) || again[1].EventKey != ms[1].EventKey {
		t.Error("the same load error an hour later is not the same alert and event")
	}
}
