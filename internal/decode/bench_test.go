package decode_test

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/synth"
	"github.com/pantherlabs/panther/internal/textparse"
)

// BenchmarkJSONCloudTrail decodes realistic CloudTrail events with the managed schema,
// indicators included (the JSON parser family).
func BenchmarkJSONCloudTrail(b *testing.B) {
	reg, err := logtypes.Managed()
	if err != nil {
		b.Fatal(err)
	}
	lt := reg.Get("AWS.CloudTrail")
	var buf bytes.Buffer
	if err := synth.CloudTrail(&buf, 2000, 1); err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	var total int64
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
		total += int64(len(sc.Bytes()))
	}
	arena := &event.Arena{}
	d := &decode.Decoder{Arena: arena}
	b.SetBytes(total / int64(len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%256 == 0 {
			arena.Reset()
		}
		if _, err := d.JSON(lt.Root, lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFields decodes the string fields of a text parser (an nginx-like line) with a
// schema: the conversion step of the text parser families.
func BenchmarkFields(b *testing.B) {
	lt := compile(b, `version: 0
schema: Custom.Web
fields:
  - {name: remote_addr, type: string, indicators: [ip]}
  - {name: time_local, type: timestamp, timeFormat: "%d/%b/%Y:%H:%M:%S %z", isEventTime: true}
  - {name: request, type: string}
  - {name: status, type: smallint}
  - {name: body_bytes_sent, type: bigint}
  - {name: http_referer, type: string, indicators: [url]}
  - {name: http_user_agent, type: string}
`)
	fields := []textparse.Field{{Name: "remote_addr", Value: "203.0.113.9"}, {Name: "time_local", Value: "10/Oct/2024:13:55:36 +0000"},
		{Name: "request", Value: "GET /index.html HTTP/1.1"}, {Name: "status", Value: "200"}, {Name: "body_bytes_sent", Value: "2326"},
		{Name: "http_referer", Value: "https://example.com/start"}, {Name: "http_user_agent", Value: "Mozilla/5.0 (X11; Linux x86_64)"}}
	arena := &event.Arena{}
	d := &decode.Decoder{Arena: arena}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if i%256 == 0 {
			arena.Reset()
		}
		if _, err := d.Fields(lt.Root, fields); err != nil {
			b.Fatal(err)
		}
	}
}
