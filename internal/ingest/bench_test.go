package ingest_test

import (
	"bytes"
	"context"
	"fmt"
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

// nginxLine is the i-th line of a file of nginx "combined" access log lines.
func nginxLine(i int) string {
	agents := []string{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "curl/8.5.0", "Googlebot/2.1 (+http://www.google.com/bot.html)"}
	return fmt.Sprintf("10.%d.%d.%d - - [15/Oct/2024:13:%02d:%02d +0000] \"GET /api/v1/items/%d?page=%d HTTP/1.1\" %d %d \"https://example.com/start\" \"%s\"",
		i%250, (i/250)%250, i%200+1, (i/60)%60, i%60, i, i%9, []int{200, 200, 200, 304, 404, 500}[i%6], 100+i%5000, agents[i%3])
}

func benchText(b *testing.B, ts []*logtypes.LogType, want string) {
	benchLines(b, ts, nginxLine, func(s *ingest.Stats) bool { return s.Types[want] != nil && s.Types[want].Events == 20000 })
}

// BenchmarkParseNginx: a text format with only its type enabled, then with every managed type
// (text types are tried in adaptive order: the last winner first).
func BenchmarkParseNginx(b *testing.B) { benchText(b, types(b, "Nginx.Access"), "Nginx.Access") }

// BenchmarkParseNginxAllTypes: as above with every managed type enabled.
func BenchmarkParseNginxAllTypes(b *testing.B) { benchText(b, types(b), "Nginx.Access") }

// linesFile writes n lines made by line(i).
func linesFile(b *testing.B, n int, line func(i int) string) (string, int64) {
	b.Helper()
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		buf.WriteString(line(i))
		buf.WriteByte('\n')
	}
	path := filepath.Join(b.TempDir(), "lines.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return path, int64(buf.Len())
}

func benchLines(b *testing.B, ts []*logtypes.LogType, line func(i int) string, check func(*ingest.Stats) bool) {
	const n = 20000
	path, size := linesFile(b, n, line)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := ingest.New(ingest.Options{Types: ts, Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		stats, err := p.Run(context.Background(), []string{path})
		if err != nil {
			b.Fatal(err)
		}
		if !check(stats) {
			b.Fatalf("events = %+v quarantined %d", stats.Types, stats.Quarantined)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}

func syslogLine(i int) string {
	return fmt.Sprintf("<38>Oct %2d 13:%02d:%02d bastion-%d sshd[%d]: Accepted publickey for deploy from 198.51.100.%d port %d ssh2",
		i%28+1, (i/60)%60, i%60, i%4, 1000+i, i%250, 40000+i%20000)
}

// BenchmarkParseSyslogAllTypes: RFC 3164 lines with every managed type enabled; syslog is the
// envelope type, tried after the text types of lower rank.
func BenchmarkParseSyslogAllTypes(b *testing.B) {
	benchLines(b, types(b), syslogLine, func(s *ingest.Stats) bool {
		return s.Types["Syslog.RFC3164"] != nil && s.Types["Syslog.RFC3164"].Events == 20000
	})
}

// BenchmarkQuarantineAllTypes: lines of no known format with every managed type enabled: each
// is tried with every text type and quarantined with its reasons, the closest type first.
func BenchmarkQuarantineAllTypes(b *testing.B) {
	benchLines(b, types(b), func(i int) string {
		return fmt.Sprintf("2024-06-10 14:03:%02d,%03d ERROR [worker-%d] com.example.Job - job %d failed: timeout", i%60, i%1000, i%8, i)
	}, func(s *ingest.Stats) bool { return s.Quarantined == 20000 })
}
