package grok

import (
	"bufio"
	"os"
	"reflect"
	"regexp/syntax"
	"strings"
	"testing"
)

// TestLibraryGolden checks every built-in pattern against the cases of
// testdata/library.txt, and that every pattern has both kinds of case.
func TestLibraryGolden(t *testing.T) {
	f, err := os.Open("testdata/library.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lib := Builtin()
	compiled := map[string]*Pattern{}
	plus, minus := map[string]int{}, map[string]int{}
	sc := bufio.NewScanner(f)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 || (parts[1] != "+" && parts[1] != "-") {
			t.Fatalf("library.txt:%d: expected NAME<TAB>+|-<TAB>value", lineNo)
		}
		name, want, value := parts[0], parts[1] == "+", strings.ReplaceAll(parts[2], "{LF}", "\n")
		p, ok := compiled[name]
		if !ok {
			if _, known := lib.Definition(name); !known {
				t.Fatalf("library.txt:%d: %s is not a built-in pattern", lineNo, name)
			}
			if p, err = lib.Compile("%{" + name + "}"); err != nil {
				t.Fatalf("library.txt:%d: %v", lineNo, err)
			}
			compiled[name] = p
		}
		if want {
			plus[name]++
		} else {
			minus[name]++
		}
		if _, got := p.Match(value, nil); got != want {
			t.Errorf("library.txt:%d: %%{%s} on %q: match=%v, want %v", lineNo, name, value, got, want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range lib.Names() {
		if plus[name] == 0 || minus[name] == 0 {
			t.Errorf("%s: library.txt needs at least one matching and one rejected value (have %d and %d)", name, plus[name], minus[name])
		}
	}
}

func TestBuiltinNames(t *testing.T) {
	required := strings.Fields(`USERNAME USER EMAILLOCALPART EMAILADDRESS INT BASE10NUM NUMBER BASE16NUM
		BASE16FLOAT POSINT NONNEGINT WORD NOTSPACE SPACE DATA GREEDYDATA QUOTEDSTRING QS UUID MAC CISCOMAC
		WINDOWSMAC COMMONMAC IPV6 IPV4 IP HOSTNAME IPORHOST HOSTPORT PATH UNIXPATH TTY WINPATH URIPROTO
		URIHOST URIPATH URIPARAM URIPATHPARAM URI MONTH MONTHNUM MONTHNUM2 MONTHDAY DAY YEAR HOUR MINUTE
		SECOND TIME DATE_US DATE_EU ISO8601_TIMEZONE ISO8601_SECOND TIMESTAMP_ISO8601 DATE DATESTAMP TZ
		DATESTAMP_RFC822 DATESTAMP_RFC2822 DATESTAMP_OTHER DATESTAMP_EVENTLOG SYSLOGTIMESTAMP PROG
		SYSLOGPROG SYSLOGHOST SYSLOGFACILITY HTTPDATE LOGLEVEL NS COMMONAPACHELOG COMBINEDAPACHELOG`)
	lib := Builtin()
	for _, name := range required {
		if _, ok := lib.Definition(name); !ok {
			t.Errorf("built-in pattern %s is missing", name)
		}
	}
	if n := len(lib.Names()); n < 67 {
		t.Errorf("built-in library has %d patterns, want at least 67", n)
	}
}

func TestCompileFields(t *testing.T) {
	tests := []struct {
		name    string
		chunks  []string
		line    string
		want    []Capture
		noMatch bool
	}{
		{
			name:   "named placeholders",
			chunks: []string{`%{IP:src} %{INT:port}`},
			line:   "10.0.0.1 443",
			want:   []Capture{{"src", "10.0.0.1"}, {"port", "443"}},
		},
		{
			name:   "chunks are concatenated",
			chunks: []string{`%{WORD:verb} `, `%{NOTSPACE:path}`},
			line:   "GET /index.html",
			want:   []Capture{{"verb", "GET"}, {"path", "/index.html"}},
		},
		{
			name:   "unnamed placeholder and unnamed group are not fields",
			chunks: []string{`%{WORD} (\d+) %{WORD:w}`},
			line:   "abc 12 def",
			want:   []Capture{{"w", "def"}},
		},
		{
			name:   "user named groups both syntaxes",
			chunks: []string{`(?P<a>\d+)-(?<b>[a-z]+)`},
			line:   "12-ab",
			want:   []Capture{{"a", "12"}, {"b", "ab"}},
		},
		{
			name:   "field names any text",
			chunks: []string{`%{INT:src.port}/%{WORD:proto-name}`},
			line:   "53/udp",
			want:   []Capture{{"src.port", "53"}, {"proto-name", "udp"}},
		},
		{
			name:   "type suffix ignored",
			chunks: []string{`%{INT:bytes:int}`},
			line:   "1024",
			want:   []Capture{{"bytes", "1024"}},
		},
		{
			name:    "anchored at both ends",
			chunks:  []string{`%{INT:n}`},
			line:    "12 ",
			noMatch: true,
		},
		{
			name:    "anchored at start",
			chunks:  []string{`%{INT:n}`},
			line:    "x12",
			noMatch: true,
		},
		{
			name:   "optional group that did not take part is omitted",
			chunks: []string{`%{WORD:a}(?: %{INT:b})?`},
			line:   "abc",
			want:   []Capture{{"a", "abc"}},
		},
		{
			name:   "empty capture kept",
			chunks: []string{`%{WORD:a}=%{DATA:b};`},
			line:   "abc=;",
			want:   []Capture{{"a", "abc"}, {"b", ""}},
		},
		{
			name:   "duplicate field name: first participating group wins",
			chunks: []string{`(?:%{INT:v}|%{WORD:v})!`},
			line:   "abc!",
			want:   []Capture{{"v", "abc"}},
		},
		{
			name:   "nested captures of library patterns are fields",
			chunks: []string{`%{SYSLOGBASE} %{GREEDYDATA:msg}`},
			line:   "Oct 11 22:14:15 mymachine sshd[42]: Accepted publickey",
			want: []Capture{
				{"timestamp", "Oct 11 22:14:15"}, {"logsource", "mymachine"},
				{"program", "sshd"}, {"pid", "42"}, {"msg", "Accepted publickey"},
			},
		},
		{
			name:   "unicode",
			chunks: []string{`%{DATA:a}→%{GREEDYDATA:b}`},
			line:   "héllo→wörld ✓",
			want:   []Capture{{"a", "héllo"}, {"b", "wörld ✓"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Builtin().Compile(tc.chunks...)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := p.Match(tc.line, nil)
			if ok == tc.noMatch {
				t.Fatalf("match=%v, want %v", ok, !tc.noMatch)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCombinedApacheLogFields(t *testing.T) {
	p, err := Builtin().Compile(`%{COMBINEDAPACHELOG}`)
	if err != nil {
		t.Fatal(err)
	}
	line := `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`
	got, ok := p.Match(line, nil)
	if !ok {
		t.Fatal("no match")
	}
	want := []Capture{
		{"clientip", "127.0.0.1"}, {"ident", "-"}, {"auth", "frank"},
		{"timestamp", "10/Oct/2000:13:55:36 -0700"}, {"verb", "GET"}, {"request", "/apache_pb.gif"},
		{"httpversion", "1.0"}, {"response", "200"}, {"bytes", "2326"},
		{"referrer", `"http://www.example.com/start.html"`}, {"agent", `"Mozilla/4.08 [en] (Win98; I ;Nav)"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	wantFields := []string{"clientip", "ident", "auth", "timestamp", "verb", "request", "httpversion", "rawrequest", "response", "bytes", "referrer", "agent"}
	if f := p.Fields(); !reflect.DeepEqual(f, wantFields) {
		t.Errorf("Fields() = %q, want %q", f, wantFields)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		defs   map[string]string
		chunks []string
		want   string
	}{
		{name: "unknown pattern", chunks: []string{`%{FOO:x}`}, want: "match[0]: unknown pattern %{FOO}"},
		{name: "unknown in second chunk", chunks: []string{`%{INT} `, `%{NOPE}`}, want: "match[1]: unknown pattern %{NOPE}"},
		{
			name:   "definitions that refer to each other",
			defs:   map[string]string{"OUTER": `%{INNER}x`, "INNER": `%{WORD}`},
			chunks: []string{`a%{OUTER}`},
			want:   "",
		},
		{name: "unclosed placeholder", chunks: []string{`%{INT:x} %{WORD`}, want: `match[0]: unclosed "%{" at offset 9: expected "}"`},
		{name: "bad placeholder name", chunks: []string{`%{IN T}`}, want: "match[0]: invalid placeholder %{IN T} at offset 0"},
		{name: "invalid regexp", chunks: []string{`(%{INT}`}, want: "match: invalid regular expression: error parsing regexp: missing closing )"},
		{name: "no chunks", chunks: nil, want: "match: expected at least one pattern chunk"},
		{name: "reserved group name", chunks: []string{`%{INT:a}(?P<_0>x)`}, want: `match: group name "_0" is reserved`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lib := Builtin()
			if tc.defs != nil {
				var err error
				if lib, err = lib.With(tc.defs); err != nil {
					t.Fatal(err)
				}
			}
			_, err := lib.Compile(tc.chunks...)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestWithErrors(t *testing.T) {
	tests := []struct {
		name string
		defs map[string]string
		want string
	}{
		{name: "bad name", defs: map[string]string{"MY-PAT": `\d+`}, want: "patternDefinitions.MY-PAT: invalid name: expected letters, digits and underscores"},
		{name: "unknown reference", defs: map[string]string{"A": `%{NOPE}`}, want: "patternDefinitions.A: unknown pattern %{NOPE}"},
		{name: "nested unknown reference", defs: map[string]string{"A": `%{B}`, "B": `%{NOPE}`}, want: "patternDefinitions.A: unknown pattern %{NOPE} (in %{B})"},
		{name: "self reference", defs: map[string]string{"A": `x%{A}`}, want: "patternDefinitions.A: recursive pattern: %{A} -> %{A}"},
		{name: "cycle", defs: map[string]string{"A": `%{B}`, "B": `%{A}`}, want: "patternDefinitions.A: recursive pattern: %{A} -> %{B} -> %{A}"},
		{name: "bad regexp", defs: map[string]string{"A": `[a-`}, want: "patternDefinitions.A: invalid regular expression: error parsing regexp: missing closing ]: `[a-`"},
		{name: "lookahead is not RE2", defs: map[string]string{"A": `a(?=b)`}, want: "patternDefinitions.A: invalid regular expression: error parsing regexp: invalid or unsupported Perl syntax"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Builtin().With(tc.defs)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestWithOverridesAndAdds(t *testing.T) {
	lib, err := Builtin().With(map[string]string{
		"WORD":   `[a-z]+`, // Narrower than the built-in one.
		"KVPAIR": `%{WORD:key}=%{INT:value}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Compile(`%{KVPAIR}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := p.Match("abc=12", nil); !ok || !reflect.DeepEqual(got, []Capture{{"key", "abc"}, {"value", "12"}}) {
		t.Errorf("Match = %q, %v", got, ok)
	}
	if _, ok := p.Match("ABC=12", nil); ok {
		t.Error("the override of WORD was not used")
	}
	// The built-in library is unchanged.
	if d, _ := Builtin().Definition("WORD"); d == `[a-z]+` {
		t.Error("With modified the built-in library")
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name         string
		chunks       []string
		line         string
		wantOffset   int
		wantExpected string
	}{
		{
			name:         "first element fails",
			chunks:       []string{`%{IP:ip} %{WORD:w}`},
			line:         "nope x",
			wantOffset:   0,
			wantExpected: "%{IP:ip}",
		},
		{
			name:         "literal after a field",
			chunks:       []string{`%{INT:a} - %{INT:b}`},
			line:         "12 + 13",
			wantOffset:   2,
			wantExpected: `" - "`,
		},
		{
			name:         "trailing text",
			chunks:       []string{`%{INT:a}`},
			line:         "12 extra",
			wantOffset:   2,
			wantExpected: "the end of the line",
		},
		{
			name:         "inside a single library pattern",
			chunks:       []string{`%{COMBINEDAPACHELOG}`},
			line:         `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 "-"`,
			wantOffset:   76,
			wantExpected: `" "`,
		},
		{
			name:         "unnamed placeholder is named in the message",
			chunks:       []string{`%{WORD} %{HTTPDATE}`},
			line:         "abc 10/Oct/2000",
			wantOffset:   4,
			wantExpected: "%{HTTPDATE}",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Builtin().Compile(tc.chunks...)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := p.Match(tc.line, nil); ok {
				t.Fatal("line unexpectedly matches")
			}
			off, exp := p.Explain(tc.line)
			if off != tc.wantOffset || exp != tc.wantExpected {
				t.Errorf("Explain = %d, %s; want %d, %s", off, exp, tc.wantOffset, tc.wantExpected)
			}
		})
	}
}

// TestProgramSizes keeps the common composite patterns small enough for Go's
// backtracking matcher (at most 500 instructions), which is several times
// faster than the NFA it falls back to.
func TestProgramSizes(t *testing.T) {
	const budget = 500
	for _, name := range []string{"COMBINEDAPACHELOG", "COMMONAPACHELOG", "SYSLOGBASE", "URI"} {
		p, err := Builtin().Compile("%{" + name + "}")
		if err != nil {
			t.Fatal(err)
		}
		re, err := syntax.Parse(p.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			t.Fatal(err)
		}
		if n := len(prog.Inst); n > budget {
			t.Errorf("%%{%s} compiles to %d instructions, more than %d", name, n, budget)
		}
	}
}
