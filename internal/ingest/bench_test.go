package ingest_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/synth"
)

func cloudTrailFile(b *testing.B, n int) (string, int64) {
	b.Helper()
	var buf bytes.Buffer
	if err := synth.CloudTrail(&buf, n, 7); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "ct.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return path, int64(buf.Len())
}

func types(b *testing.B, names ...string) []*logtypes.LogType {
	b.Helper()
	reg, err := logtypes.Managed()
	if err != nil {
		b.Fatal(err)
	}
	if len(names) == 0 {
		return reg.All()
	}
	var out []*logtypes.LogType
	for _, n := range names {
		out = append(out, reg.Get(n))
	}
	return out
}

func benchPipeline(b *testing.B, ts []*logtypes.LogType, withLake bool) {
	const n = 20000
	path, size := cloudTrailFile(b, n)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var sinks []ingest.Sink
		var w *lake.Writer
		if withLake {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			w = lake.NewWriter(lake.Options{Dir: dir})
			sinks = append(sinks, ingest.LakeSink{W: w})
		}
		p, err := ingest.New(ingest.Options{Types: ts, Sinks: sinks, Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		stats, err := p.Run(context.Background(), []string{path})
		if err != nil {
			b.Fatal(err)
		}
		if w != nil {
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
		if stats.Types["AWS.CloudTrail"].Events != n {
			b.Fatalf("events = %+v quarantined %d", stats.Types, stats.Quarantined)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkParseCloudTrail: read, classify (one type), decode and normalize; no output.
func BenchmarkParseCloudTrail(b *testing.B) { benchPipeline(b, types(b, "AWS.CloudTrail"), false) }

// BenchmarkParseCloudTrailAllTypes: as above with every managed type enabled.
func BenchmarkParseCloudTrailAllTypes(b *testing.B) { benchPipeline(b, types(b), false) }

// BenchmarkIngestCloudTrail: the whole pipeline into Parquet files.
func BenchmarkIngestCloudTrail(b *testing.B) { benchPipeline(b, types(b, "AWS.CloudTrail"), true) }
