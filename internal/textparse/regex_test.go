package textparse

import (
	"strings"
	"testing"
)

const apacheCombinedLine = `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`

func TestRegex(t *testing.T) {
	long := strings.Repeat("z", 1<<20)
	tests := []struct {
		name  string
		opts  RegexOptions
		lines []string
		want  []result
	}{
		{
			name:  "combined apache log",
			opts:  RegexOptions{Match: []string{`%{COMBINEDAPACHELOG}`}},
			lines: []string{apacheCombinedLine},
			want: []result{ok(
				"clientip", "127.0.0.1", "ident", "-", "auth", "frank",
				"timestamp", "10/Oct/2000:13:55:36 -0700", "verb", "GET", "request", "/apache_pb.gif",
				"httpversion", "1.0", "response", "200", "bytes", "2326",
				"referrer", `"http://www.example.com/start.html"`, "agent", `"Mozilla/4.08 [en] (Win98; I ;Nav)"`,
			)},
		},
		{
			name: "chunks, definitions and named groups",
			opts: RegexOptions{
				Match:              []string{`%{TIMESTAMP_ISO8601:time} `, `%{LEVEL:level} `, `(?P<msg>.*)`},
				PatternDefinitions: map[string]string{"LEVEL": `INFO|WARN|ERROR`},
			},
			lines: []string{"2024-03-01T12:00:00Z WARN disk almost full", "2024-03-01T12:00:00Z DEBUG x"},
			want: []result{
				ok("time", "2024-03-01T12:00:00Z", "level", "WARN", "msg", "disk almost full"),
				failed("regex: at offset 21: expected %{LEVEL:level}"),
			},
		},
		{
			name:  "anchored to the whole line",
			opts:  RegexOptions{Match: []string{`%{INT:n}`}},
			lines: []string{"12", "12 ", " 12"},
			want: []result{
				ok("n", "12"),
				failed("regex: at offset 2: expected the end of the line"),
				failed("regex: at offset 0: expected %{INT:n}"),
			},
		},
		{
			name:  "common options",
			opts:  RegexOptions{Match: []string{`%{WORD:k}=%{DATA:v}`}, Common: Common{SkipPrefix: "#", TrimSpace: true, EmptyValues: []string{"", "null"}, ExpandFields: map[string]string{"kv": "%{k}:%{v}"}}},
			lines: []string{"# header", "a= 1 ", "b=", "c=null"},
			want:  []result{skipped, ok("k", "a", "v", "1", "kv", "a:1"), ok("k", "b", "kv", "b:"), ok("k", "c", "kv", "c:")},
		},
		{
			name:  "unicode and long lines",
			opts:  RegexOptions{Match: []string{`%{DATA:a}: %{GREEDYDATA:b}`}},
			lines: []string{"名前: " + long},
			want:  []result{ok("a", "名前", "b", long)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewRegex(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkResults(t, parseLines(t, f, tc.lines...), tc.want)
		})
	}
}

// TestRegexCheapError: a mismatch's Error text does not run the costly explanation.
func TestRegexCheapError(t *testing.T) {
	f, err := NewRegex(RegexOptions{Match: []string{`%{INT:n}`}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, perr := f.NewParser().Parse(" 12", nil)
	if perr == nil || perr.Error() != "regex: the line does not match the pattern" {
		t.Fatalf("err = %v", perr)
	}
	if got := perr.(Explainer).Explain(); got != "regex: at offset 0: expected %{INT:n}" {
		t.Errorf("Explain = %q", got)
	}
}

func TestRegexOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts RegexOptions
		want string
	}{
		{"unknown pattern", RegexOptions{Match: []string{`%{FOO}`}}, "regex: match[0]: unknown pattern %{FOO}"},
		{"bad definition", RegexOptions{Match: []string{`%{A}`}, PatternDefinitions: map[string]string{"A": `(?<=x)y`}}, "regex: patternDefinitions.A: invalid regular expression: "},
		{"no match", RegexOptions{}, "regex: match: expected at least one pattern chunk"},
		{"bad common", RegexOptions{Match: []string{`x`}, Common: Common{SkipLines: -2}}, "regex: skipLines: expected a number >= 0, got -2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRegex(tc.opts)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant prefix %s", err, tc.want)
			}
		})
	}
}
