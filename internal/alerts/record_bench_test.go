package alerts_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
)

// BenchmarkRecord records batches of 500 matches, as the pipeline hands them over: into a
// few alerts (20 dedup strings: the common case of a noisy rule) or each into its own alert.
// The figure is per match.
func BenchmarkRecord(b *testing.B) {
	for _, groups := range []int{20, 500} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			s, _ := open(b, nil)
			const batch = 500
			ms := make([]alerts.Match, batch)
			n := 0
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				for j := range ms {
					n++
					ms[j] = match("Bench.Rule", fmt.Sprintf("dedup-%d-%d", i/batch%10, j%groups), t0.Add(time.Duration(n)*time.Millisecond))
				}
				if _, _, err := s.Record(context.Background(), ms); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
