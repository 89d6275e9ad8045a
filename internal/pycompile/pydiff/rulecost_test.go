package pydiff

import (
	"context"
	"os"
	"sort"
	"syscall"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pycompile"
	"github.com/pantherlabs/panther/internal/synth/synthevents"
)

func cpuNow() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// TestRuleCost measures the CPU time of each compiled rule() on CloudTrail events of
// $PANTHER_EVENTS (JSON lines), for $PANTHER_ANALYSIS content.
func TestRuleCost(t *testing.T) {
	dir, evFile := os.Getenv("PANTHER_ANALYSIS"), os.Getenv("PANTHER_EVENTS")
	if dir == "" || evFile == "" {
		t.Skip("PANTHER_ANALYSIS and PANTHER_EVENTS are not set")
	}
	col, _ := analysis.Load(dir, analysis.Options{})
	var dets []*analysis.Detection
	for _, d := range col.Detections {
		if d.Type == analysis.TypeRule && d.PythonSource != "" {
			dets = append(dets, d)
		}
	}
	srcs, dms := Sources(col, dets)
	prog, err := pycompile.Compile(context.Background(), "", srcs, dms)
	if err != nil {
		t.Fatal(err)
	}
	evs := synthevents.CloudTrailFile(t, evFile, 5000)
	x := pycompile.NewEvaluator(prog)
	type cost struct {
		id   string
		ns   float64
		skip int
	}
	var costs []cost
	var total float64
	for _, d := range dets {
		cd := prog.Detection(d.ID)
		if cd == nil || cd.Rule == nil {
			continue
		}
		g := cd.Rule.Guard()
		start := cpuNow()
		skips := 0
		for _, e := range evs {
			ev := x.SetEvent(e)
			if os.Getenv("PANTHER_GUARDS") != "" && x.GuardFails(g, ev) {
				skips++
				continue
			}
			x.RunRule(cd.Rule, ev)
		}
		ns := float64(cpuNow()-start) / float64(len(evs))
		total += ns
		costs = append(costs, cost{d.ID, ns, skips})
	}
	sort.Slice(costs, func(i, j int) bool { return costs[i].ns > costs[j].ns })
	for i, c := range costs {
		if i < 25 {
			t.Logf("%8.0f ns/event  guard skips %5d  %s", c.ns, c.skip, c.id)
		}
	}
	t.Logf("total %.0f ns/event over %d rules, %d events", total, len(costs), len(evs))
}

func TestOneRuleCost(t *testing.T) {
	id := os.Getenv("PANTHER_RULE")
	if id == "" {
		t.Skip()
	}
	dir, evFile := os.Getenv("PANTHER_ANALYSIS"), os.Getenv("PANTHER_EVENTS")
	col, _ := analysis.Load(dir, analysis.Options{})
	var dets []*analysis.Detection
	for _, d := range col.Detections {
		if d.Type == analysis.TypeRule && d.PythonSource != "" {
			dets = append(dets, d)
		}
	}
	srcs, dms := Sources(col, dets)
	prog, _ := pycompile.Compile(context.Background(), "", srcs, dms)
	evs := synthevents.CloudTrailFile(t, evFile, 5000)
	x := pycompile.NewEvaluator(prog)
	cd := prog.Detection(id)
	start := cpuNow()
	for r := 0; r < 20; r++ {
		for _, e := range evs {
			x.RunRule(cd.Rule, x.SetEvent(e))
		}
	}
	t.Logf("%s: %.0f ns/event", id, float64(cpuNow()-start)/float64(20*len(evs)))
}
