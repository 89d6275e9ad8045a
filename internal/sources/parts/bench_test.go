package parts

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/pantherlabs/panther/internal/input"

	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/synth"
)

// BenchmarkSplit splits 20000 synthetic CloudTrail events (NDJSON), plain and gzip, into
// 4 MiB parts.
func BenchmarkSplit(b *testing.B) {
	var plain bytes.Buffer
	if err := synth.CloudTrail(&plain, 20000, 1); err != nil {
		b.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(plain.Bytes())
	zw.Close()
	for _, c := range []struct {
		name string
		data []byte
	}{{"plain", plain.Bytes()}, {"gzip", z.Bytes()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(plain.Len()))
			b.ReportAllocs()
			var recs int64
			for b.Loop() {
				st, err := Split(bytes.NewReader(c.data), Options{}, func(*sources.Payload) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
				recs += st.Records
			}
			b.ReportMetric(float64(recs)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkFrameOnly frames the same stream with input.Reader alone, the floor of Split.
func BenchmarkFrameOnly(b *testing.B) {
	var plain bytes.Buffer
	if err := synth.CloudTrail(&plain, 20000, 1); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(plain.Len()))
	b.ReportAllocs()
	for b.Loop() {
		rd := input.NewReader(bytes.NewReader(plain.Bytes()), input.Options{MaxRecordBytes: DefaultMaxPartBytes})
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
	}
}
