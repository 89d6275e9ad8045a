package pydiff

import (
	"context"
	"encoding/json"
	"os/exec"
	"sync"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pycompile"
)

var fuzzProg struct {
	once sync.Once
	prog *pycompile.Program
	dets []*pycompile.Detection
	err  error
}

// fuzzProgram compiles the CloudTrail corpus once for the fuzz target.
func fuzzProgram(t testing.TB) (*pycompile.Program, []*pycompile.Detection) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
	fuzzProg.once.Do(func() {
		col, err := analysis.Load("../../pyrun/testdata/bench_rules", analysis.Options{})
		if err != nil {
			fuzzProg.err = err
			return
		}
		var dets []*analysis.Detection
		for _, d := range col.Detections {
			if d.Type == analysis.TypeRule && d.PythonSource != "" {
				dets = append(dets, d)
			}
		}
		srcs, dms := Sources(col, dets)
		fuzzProg.prog, fuzzProg.err = pycompile.Compile(context.Background(), "", srcs, dms)
		if fuzzProg.err != nil {
			return
		}
		for _, d := range dets {
			if cd := fuzzProg.prog.Detection(d.ID); cd != nil && cd.Rule != nil {
				fuzzProg.dets = append(fuzzProg.dets, cd)
			}
		}
	})
	if fuzzProg.err != nil {
		t.Fatal(fuzzProg.err)
	}
	return fuzzProg.prog, fuzzProg.dets
}

// FuzzCompiled runs every compiled function of the corpus on arbitrary JSON events: no panic,
// the same outcome when run twice on the event, and a rule whose guard fails never matches in
// Go (the guard's soundness, in the compiled code's own semantics; TestCorpus checks both
// against CPython).
func FuzzCompiled(f *testing.F) {
	for _, ev := range []string{
		`{"eventName":"PutBucketPolicy","eventSource":"s3.amazonaws.com","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}`,
		`{"eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Failure"},"userIdentity":{"type":"Root"},"p_log_type":"AWS.CloudTrail"}`,
		`{"eventSource":"rds.amazonaws.com","eventName":"ModifyDBSnapshotAttribute","requestParameters":{"attributeName":"restore","valuesToAdd":["all",1,null]}}`,
		`{"eventSource":["iam.amazonaws.com"],"eventName":{"a":1},"errorCode":"","userIdentity":null}`,
		`{"EVENTNAME":"DeleteTrail","userIdentity":{"sessionContext":{"sessionIssuer":{"userName":"AWSReservedSSO_x"}},"type":"AssumedRole","principalId":"a:b"},"p_log_type":"AWS.CloudTrail"}`,
		`{"eventName":"\u00e9\ud83d\ude00","sourceIPAddress":"10.0.0.1","requestParameters":{"policyArn":12345678901234567890}}`,
	} {
		f.Add(ev)
	}
	f.Fuzz(func(t *testing.T, js string) {
		var probe map[string]any
		if json.Unmarshal([]byte(js), &probe) != nil {
			return
		}
		prog, dets := fuzzProgram(t)
		x := pycompile.NewEvaluator(prog)
		for _, cd := range dets {
			var first [1 + pycompile.NumAux]any
			for round := 0; round < 2; round++ {
				ev, err := x.SetJSONEvent(js)
				if err != nil {
					return
				}
				fns := append([]*pycompile.Function{cd.Rule}, cd.Aux[:]...)
				for i, fn := range fns {
					if fn == nil {
						continue
					}
					v, exc := x.Call(fn, ev)
					var got any
					if exc != nil {
						got = exc.Error()
					} else {
						if tv, err := x.Tag(v); err == nil {
							got = tv
						} else {
							got = "untaggable"
						}
					}
					if round == 0 {
						first[i] = got
					} else if !pycompile.SameTagged(first[i], got) {
						t.Fatalf("%s function %d: %v, then %v", fn.Module.Name, i, first[i], got)
					}
				}
				if x.GuardFails(cd.Rule.Guard(), ev) {
					if m, ok := x.RunRule(cd.Rule, ev); ok && m {
						t.Fatalf("%s: the guard fails but rule() matched", cd.Rule.Module.Name)
					}
				}
			}
		}
	})
}
