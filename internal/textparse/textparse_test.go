package textparse

import (
	"reflect"
	"strings"
	"sync"
	"testing"
)

// result is the outcome of one Parse call.
type result struct {
	fields []Field
	ok     bool
	err    string
}

// parseLines runs one parser over lines, as for one file.
func parseLines(t *testing.T, f Factory, lines ...string) []result {
	t.Helper()
	p := f.NewParser()
	out := make([]result, 0, len(lines))
	for _, line := range lines {
		// A non-empty dst checks that parsers append and keep what is there.
		dst := []Field{{"pre", "x"}}
		got, ok, err := p.Parse(line, dst)
		if got[0] != (Field{"pre", "x"}) {
			t.Fatalf("Parse clobbered dst[0]: %v", got[0])
		}
		r := result{fields: got[1:], ok: ok}
		if err != nil {
			// The detailed explanation where there is one (the cheap Error text is checked in
			// TestRegexCheapError).
			r.err = err.Error()
			if ex, isEx := err.(Explainer); isEx {
				r.err = ex.Explain()
			}
			if ok || len(got) != 1 {
				t.Fatalf("Parse returned an error with ok=%v and %d new fields", ok, len(got)-1)
			}
		}
		if len(r.fields) == 0 {
			r.fields = nil
		}
		out = append(out, r)
	}
	return out
}

func fields(kv ...string) []Field {
	var out []Field
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Field{kv[i], kv[i+1]})
	}
	return out
}

func ok(kv ...string) result { return result{fields: fields(kv...), ok: true} }

var skipped = result{}

func failed(msg string) result { return result{err: msg} }

func checkResults(t *testing.T, got, want []result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("line %d:\n got %+v\nwant %+v", i+1, got[i], want[i])
		}
	}
}

func TestCommonOptions(t *testing.T) {
	tests := []struct {
		name   string
		common Common
		lines  []string
		want   []result
	}{
		{
			name:   "skipLines counts every line, empty ones included",
			common: Common{SkipLines: 2},
			lines:  []string{"", "a,b", "c,d"},
			want:   []result{skipped, skipped, ok("x", "c", "y", "d")},
		},
		{
			name:   "skipPrefix",
			common: Common{SkipPrefix: "#"},
			lines:  []string{"#Version: 1.0", "a,b", "# comment"},
			want:   []result{skipped, ok("x", "a", "y", "b"), skipped},
		},
		{
			name:  "empty line is skipped",
			lines: []string{""},
			want:  []result{skipped},
		},
		{
			name:   "emptyValues drop placeholders",
			common: Common{EmptyValues: []string{"-", ""}},
			lines:  []string{"-,b", "a,", "-,"},
			want:   []result{ok("y", "b"), ok("x", "a"), {ok: true}},
		},
		{
			name:   "trimSpace before emptyValues",
			common: Common{TrimSpace: true, EmptyValues: []string{"-"}},
			lines:  []string{"  a , - "},
			want:   []result{ok("x", "a")},
		},
		{
			name: "expandFields",
			common: Common{ExpandFields: map[string]string{
				"both":    "%{x}:%{y}",
				"missing": "<%{nope}>",
				"partial": "%{x}/%{nope}",
				"y":       "[%{y}]",
				"pct":     "100% %{x}",
			}},
			lines: []string{"a,b"},
			want:  []result{ok("x", "a", "y", "[b]", "both", "a:b", "partial", "a/", "pct", "100% a")},
		},
		{
			name:   "expandFields sees trimmed values, not dropped ones",
			common: Common{TrimSpace: true, EmptyValues: []string{"-"}, ExpandFields: map[string]string{"z": "%{x}+%{y}"}},
			lines:  []string{" a ,-"},
			want:   []result{ok("x", "a", "z", "a+")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewCSV(CSVOptions{Common: tc.common, Columns: []string{"x", "y"}})
			if err != nil {
				t.Fatal(err)
			}
			checkResults(t, parseLines(t, f, tc.lines...), tc.want)
		})
	}
}

func TestCommonOptionErrors(t *testing.T) {
	tests := []struct {
		name   string
		common Common
		want   string
	}{
		{"negative skipLines", Common{SkipLines: -1}, "csv: skipLines: expected a number >= 0, got -1"},
		{"unclosed template", Common{ExpandFields: map[string]string{"a": "x%{y"}}, `csv: expandFields.a: unclosed "%{" at offset 1: expected "}"`},
		{"empty placeholder", Common{ExpandFields: map[string]string{"a": "%{}"}}, `csv: expandFields.a: empty placeholder "%{}" at offset 0: expected a field name`},
		{"no placeholder", Common{ExpandFields: map[string]string{"a": "const"}}, `csv: expandFields.a: template "const" has no %{field} placeholder`},
		{"empty name", Common{ExpandFields: map[string]string{"": "%{x}"}}, "csv: expandFields: field name must not be empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCSV(CSVOptions{Common: tc.common, Columns: []string{"x"}})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestParsersAreIndependent checks that per-file state (skipLines, header)
// starts over with each parser of a factory.
func TestParsersAreIndependent(t *testing.T) {
	f, err := NewCSV(CSVOptions{Common: Common{SkipLines: 1}, HasHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	for file := 0; file < 2; file++ {
		got := parseLines(t, f, "junk", "a,b", "1,2")
		checkResults(t, got, []result{skipped, skipped, ok("a", "1", "b", "2")})
	}
}

func TestParseErrorText(t *testing.T) {
	e := &ParseError{Parser: "fastmatch", Pattern: 1, Offset: 7, Msg: `expected " "`}
	if got, want := e.Error(), `fastmatch: match[1]: at offset 7: expected " "`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	e = &ParseError{Parser: "csv", Pattern: -1, Offset: -1, Msg: "row has 1 columns, expected 2"}
	if got, want := e.Error(), "csv: row has 1 columns, expected 2"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	m := &NoMatchError{Parser: "fastmatch", Errs: []*ParseError{
		{Pattern: 0, Offset: 0, Msg: "a"}, {Pattern: 1, Offset: 3, Msg: "b"},
	}}
	if got, want := m.Error(), "fastmatch: no pattern matched: match[0]: at offset 0: a; match[1]: at offset 3: b"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if n := len(m.Unwrap()); n != 2 {
		t.Errorf("Unwrap has %d errors, want 2", n)
	}
}

// TestErrorsDoNotLeakLine checks that no parser copies the line into its
// error message.
func TestErrorsDoNotLeakLine(t *testing.T) {
	const secret = "SECRETTOKENVALUE"
	line := "x " + secret + " " + strings.Repeat("y", 100)
	factories := map[string]Factory{}
	var err error
	if factories["csv"], err = NewCSV(CSVOptions{Columns: []string{"a", "b", "c"}}); err != nil {
		t.Fatal(err)
	}
	if factories["fastmatch"], err = NewFastmatch(FastmatchOptions{Match: []string{"%{a} [%{b}]"}}); err != nil {
		t.Fatal(err)
	}
	if factories["regex"], err = NewRegex(RegexOptions{Match: []string{`%{IP:a} %{GREEDYDATA:b}`}}); err != nil {
		t.Fatal(err)
	}
	factories["rfc3164"] = NewSyslogRFC3164(fixedNow)
	factories["rfc5424"] = NewSyslogRFC5424()
	for name, f := range factories {
		_, _, err := f.NewParser().Parse(line, nil)
		if err == nil {
			t.Errorf("%s: expected an error", name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error contains the line: %v", name, err)
		}
	}
}

// TestConcurrentParsers runs parsers of shared factories on several
// goroutines; run with -race. It also exercises the lazily built error
// explanations of the regex parser.
func TestConcurrentParsers(t *testing.T) {
	csvF, err := NewCSV(CSVOptions{HasHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	fmF, err := NewFastmatch(FastmatchOptions{Match: []string{nginxCombined}})
	if err != nil {
		t.Fatal(err)
	}
	reF, err := NewRegex(RegexOptions{Match: []string{`%{COMBINEDAPACHELOG}`}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		f     Factory
		lines []string
	}{
		{csvF, []string{"a,b", "1,2", "3"}},
		{fmF, []string{nginxLine, "garbage"}},
		{reF, []string{apacheCombinedLine, "garbage", `127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET`}},
		{NewSyslogRFC5424(), []string{"<1>1 - - - - - -", "<1>x"}},
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range cases {
				p := c.f.NewParser()
				var failures []string
				for _, line := range c.lines {
					_, _, err := p.Parse(line, nil)
					if err != nil {
						failures = append(failures, err.Error())
					}
				}
				if len(failures) == 0 {
					errs <- "expected at least one error per case"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
