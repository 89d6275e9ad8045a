package textparse

import (
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
)

// reportLines adds a lines/s figure to a benchmark that parses one line per
// iteration.
func reportLines(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "lines/s")
	}
}

func benchParse(b *testing.B, f Factory, line string) {
	b.Helper()
	p := f.NewParser()
	if _, ok, err := p.Parse(line, nil); !ok || err != nil {
		b.Fatalf("benchmark line does not parse: ok=%v err=%v", ok, err)
	}
	dst := make([]Field, 0, 32)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dst, _, _ = p.Parse(line, dst[:0])
	}
	reportLines(b)
}

func csv20() (cols []string, line string) {
	vals := make([]string, 20)
	for i := range vals {
		cols = append(cols, "col"+strconv.Itoa(i))
		switch i % 4 {
		case 0:
			vals[i] = strconv.Itoa(1000000 + i)
		case 1:
			vals[i] = "10.0.0." + strconv.Itoa(i)
		case 2:
			vals[i] = `"quoted, with comma"`
		default:
			vals[i] = "2024-03-01T12:00:00Z"
		}
	}
	return cols, strings.Join(vals, ",")
}

func BenchmarkCSV20Columns(b *testing.B) {
	cols, line := csv20()
	f, err := NewCSV(CSVOptions{Columns: cols})
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, f, line)
}

// BenchmarkCSV20ColumnsEncodingCSV is the baseline: encoding/csv with lazy
// quotes on the same line, one reader per line as a line-at-a-time parser
// would need.
func BenchmarkCSV20ColumnsEncodingCSV(b *testing.B) {
	_, line := csv20()
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		r := csv.NewReader(strings.NewReader(line))
		r.LazyQuotes = true
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil {
			b.Fatal(err)
		}
	}
	reportLines(b)
}

func BenchmarkFastmatchNginxCombined(b *testing.B) {
	f, err := NewFastmatch(FastmatchOptions{Match: []string{nginxCombined}})
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, f, nginxLine)
}

func BenchmarkRegexCombinedApacheLog(b *testing.B) {
	f, err := NewRegex(RegexOptions{Match: []string{`%{COMBINEDAPACHELOG}`}})
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, f, apacheCombinedLine)
}

// BenchmarkRegexNoMatch measures a line of another log type, the common case
// during classification, including the error explanation.
func BenchmarkRegexNoMatch(b *testing.B) {
	f, err := NewRegex(RegexOptions{Match: []string{`%{COMBINEDAPACHELOG}`}})
	if err != nil {
		b.Fatal(err)
	}
	p := f.NewParser()
	line := `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole"},"eventTime":"2024-03-01T12:00:00Z"}`
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.Parse(line, nil); err == nil {
			b.Fatal("expected no match")
		}
	}
	reportLines(b)
}

func BenchmarkSyslogRFC5424(b *testing.B) {
	line := `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...`
	benchParse(b, NewSyslogRFC5424(), line)
}

func BenchmarkSyslogRFC3164(b *testing.B) {
	line := "<38>Mar 14 09:00:01 web-1 sshd[4242]: Accepted publickey for root from 203.0.113.9 port 52314 ssh2"
	benchParse(b, NewSyslogRFC3164(fixedNow), line)
}
