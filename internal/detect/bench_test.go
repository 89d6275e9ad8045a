package detect_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/synth/synthevents"
)

// cloudTrailEvents decodes n synthetic CloudTrail events with the managed schema.
func cloudTrailEvents(tb testing.TB, n int) []*event.Event { return synthevents.CloudTrail(tb, n) }

// BenchmarkCorpus evaluates the 121 CloudTrail rules of internal/pyrun/testdata/bench_rules
// (written in the style of the public panther-analysis corpus) on realistic CloudTrail events,
// through the engine: LogTypes selection, guards, batching to the Python workers.
func BenchmarkCorpus(b *testing.B) {
	col, err := analysis.Load("../pyrun/testdata/bench_rules", analysis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if len(col.Invalid) > 0 {
		b.Fatalf("invalid corpus: %v", col.Problems())
	}
	evs := cloudTrailEvents(b, 4096)
	for _, c := range []struct {
		workers  int
		noGuards bool
	}{{1, false}, {2, false}, {1, true}, {2, true}} {
		b.Run(fmt.Sprintf("workers=%d/guards=%v", c.workers, !c.noGuards), func(b *testing.B) {
			eng, err := detect.New(context.Background(), col, detect.Options{Workers: c.workers, NoGuards: c.noGuards})
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			if n := len(eng.Rules()); n < 100 {
				b.Fatalf("%d rules", n)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := eng.Evaluate(context.Background(), evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
		})
	}
}
