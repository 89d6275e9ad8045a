package timefmt

import (
	"testing"
	"time"
)

// sink keeps benchmark results alive.
var sink time.Time

func benchParser(b *testing.B, p Parser, s string) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		t, err := p.Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		sink = t
	}
}

// BenchmarkRFC3339 compares the hand-written parser with time.Parse on the shapes that
// CloudTrail, GuardDuty and most JSON logs use.
func BenchmarkRFC3339(b *testing.B) {
	cases := []struct{ name, in string }{
		{"seconds", "2021-06-15T13:14:15Z"},
		{"millis", "2021-06-15T13:14:15.123Z"},
		{"micros_offset", "2021-06-15T13:14:15.123456+01:00"},
		{"nanos", "2021-06-15T13:14:15.123456789Z"},
	}
	for _, c := range cases {
		b.Run("timefmt/"+c.name, func(b *testing.B) { benchParser(b, rfc3339Parser{}, c.in) })
		b.Run("time.Parse/"+c.name, func(b *testing.B) {
			benchParser(b, ParserFunc(func(s string) (time.Time, error) {
				t, err := time.Parse(time.RFC3339Nano, s)
				return t.UTC(), err
			}), c.in)
		})
	}
}

func BenchmarkUnix(b *testing.B) {
	for _, c := range []struct{ format, in string }{
		{Unix, "1609459200"},
		{Unix, "1609459200.123456"},
		{UnixMilli, "1609459200123"},
		{UnixNano, "1609459200123456789"},
		{Cloudflare, "1609459200123456789"},
	} {
		p, err := New(c.format)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.format+"/"+c.in, func(b *testing.B) { benchParser(b, p, c.in) })
	}
}

func BenchmarkStrftime(b *testing.B) {
	for _, c := range []struct{ name, format, in string }{
		{"syslog", "%b %e %H:%M:%S", "Jan  5 10:00:00"},
		{"apache", "%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700"},
		{"iso", "%Y-%m-%d %H:%M:%S.%f", "2021-03-04 05:06:07.123456"},
		{"layout_apache", "layout=02/Jan/2006:15:04:05 -0700", "10/Oct/2000:13:55:36 -0700"},
	} {
		p, err := NewWithNow(c.format, fixedNow)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) { benchParser(b, p, c.in) })
	}
}
