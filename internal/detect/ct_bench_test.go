package detect_test

import (
	"context"
	"os"
	"syscall"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/synth/synthevents"
)

// BenchmarkContent evaluates the rules of $PANTHER_CONTENT (e.g. the CloudTrail rules of
// panther-analysis) on synthetic CloudTrail events (or the first 8192 of the JSON lines file
// $PANTHER_EVENTS), compiled and in CPython only.
func BenchmarkContent(b *testing.B) {
	dir := os.Getenv("PANTHER_CONTENT")
	if dir == "" {
		b.Skip("PANTHER_CONTENT is not set")
	}
	col, err := analysis.Load(dir, analysis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	evs := cloudTrailEvents(b, 4096)
	if f := os.Getenv("PANTHER_EVENTS"); f != "" {
		evs = synthevents.CloudTrailFile(b, f, 8192)
	}
	for _, c := range []struct {
		name      string
		noCompile bool
	}{{"compiled", false}, {"cpython", true}} {
		b.Run(c.name, func(b *testing.B) {
			eng, err := detect.New(context.Background(), col, detect.Options{Workers: 2, NoCompile: c.noCompile})
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				if _, err := eng.Evaluate(context.Background(), evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
			// CPU time of this process per event: less sensitive than wall time to a shared
			// machine (CPython workers' time is not included).
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*len(evs)), "go-cpu-ns/event")
		})
	}
}

func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
