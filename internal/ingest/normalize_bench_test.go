package ingest

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/pantherlabs/panther/internal/classify"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/synth"
)

// BenchmarkNormalize measures the normalization of decoded CloudTrail events: event time,
// p_row_id and the p_any_* indicator lists.
func BenchmarkNormalize(b *testing.B) {
	reg, err := logtypes.Managed()
	if err != nil {
		b.Fatal(err)
	}
	lt := reg.Get("AWS.CloudTrail")
	var buf bytes.Buffer
	if err := synth.CloudTrail(&buf, 1, 1); err != nil {
		b.Fatal(err)
	}
	line, _, _ := bufio.NewReader(&buf).ReadLine()
	p, err := New(Options{Types: []*logtypes.LogType{lt}})
	if err != nil {
		b.Fatal(err)
	}
	batch := newBatch()
	dec := &decode.Decoder{Arena: &batch.Arena}
	root, err := dec.JSON(lt.Root, line)
	if err != nil {
		b.Fatal(err)
	}
	res := classify.Result{LogType: lt, Root: root, OK: true}
	var scratch []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(batch.Events) == 256 {
			batch.Events = batch.Events[:0]
		}
		scratch = p.finish(batch, dec, &res, source{}, scratch)
	}
}
