package correlate

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/state"
)

// benchWindow is a window of n signals spread over the members of r, joined on 1000 values.
func benchWindow(r *Rule, n int) *Window {
	fields := r.Fields()
	var sigs []*Signal
	for i := 0; i < n; i++ {
		m := r.Members[i%len(r.Members)]
		fs := map[string][]string{}
		for _, p := range fields[m.RuleID] {
			fs[p] = []string{fmt.Sprintf("v%d", (i/len(r.Members))%1000)}
		}
		s := sig(m.RuleID, i%1440, fs)
		s.Key = fmt.Sprint(i)
		sigs = append(sigs, s)
	}
	return window(r, 0, 1440, false, sigs...)
}

func benchEvaluate(b *testing.B, id string) {
	r := loadRule(b, id)
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			w := benchWindow(r, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.Evaluate(w)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "signals/s")
		})
	}
}

func BenchmarkEvaluateGroup(b *testing.B)    { benchEvaluate(b, "Test.Group.Join") }
func BenchmarkEvaluateSequence(b *testing.B) { benchEvaluate(b, "Test.Sequence.On") }

// BenchmarkRecord measures keeping signals (one transaction per batch of 256, as the sink
// records a batch's matches).
func BenchmarkRecord(b *testing.B) {
	db, err := state.Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, err := OpenStore(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	doc := []byte(`{"eventName":"CreateUser","requestParameters":{"userName":"alice"},"p_alert_context":{"user":"alice"}}`)
	fields := func(string) []string { return []string{"p_alert_context.user"} }
	batch := make([]Signal, 256)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for j := range batch {
			batch[j] = Signal{RuleID: "R", Time: int64(i*256 + j), Key: fmt.Sprintf("%d-%d", i, j), Doc: doc}
		}
		if err := st.Record(context.Background(), batch, fields, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(256*b.N)/b.Elapsed().Seconds(), "signals/s")
}
