package textparse

import (
	"strings"
	"testing"
)

const nginxCombined = `%{remote_addr} - %{remote_user} [%{time_local}] "%{request}" %{status} %{body_bytes_sent} "%{http_referer}" "%{http_user_agent}"`

const nginxLine = `203.0.113.9 - - [10/Oct/2023:13:55:36 +0000] "GET /index.html?q=\"x\" HTTP/1.1" 200 612 "https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64) \"quoted\" agent"`

func TestFastmatch(t *testing.T) {
	long := strings.Repeat("é", 1<<18)
	tests := []struct {
		name  string
		opts  FastmatchOptions
		lines []string
		want  []result
	}{
		{
			name:  "two fields",
			opts:  FastmatchOptions{Match: []string{"%{foo} %{bar}"}},
			lines: []string{"foo bar", "foo bar baz", "foo"},
			want: []result{
				ok("foo", "foo", "bar", "bar"),
				ok("foo", "foo", "bar", "bar baz"),
				failed(`fastmatch: match[0]: at offset 0: expected " " after %{foo}`),
			},
		},
		{
			name:  "prefix and empty fields",
			opts:  FastmatchOptions{Match: []string{"LOG: %{foo} %{bar}"}},
			lines: []string{"LOG: foo bar", "LOG:  bar", "LOG: foo ", "log: foo bar"},
			want: []result{
				ok("foo", "foo", "bar", "bar"),
				ok("foo", "", "bar", "bar"),
				ok("foo", "foo", "bar", ""),
				failed(`fastmatch: match[0]: at offset 0: expected "LOG: "`),
			},
		},
		{
			name:  "double quoted value with escapes",
			opts:  FastmatchOptions{Match: []string{`"%{foo}" %{bar}`}},
			lines: []string{`"\"foo\" bar" baz`, `"a\\" b`, `"no end`},
			want: []result{
				ok("foo", `"foo" bar`, "bar", "baz"),
				ok("foo", `a\`, "bar", "b"),
				failed(`fastmatch: match[0]: at offset 1: expected a closing " for %{foo}`),
			},
		},
		{
			name:  "single quoted value",
			opts:  FastmatchOptions{Match: []string{`%{a} '%{b}'`}},
			lines: []string{`x 'it\'s "here"'`},
			want:  []result{ok("a", "x", "b", `it's "here"`)},
		},
		{
			name:  "other escapes are kept",
			opts:  FastmatchOptions{Match: []string{`"%{a}"`}},
			lines: []string{`"tab\there\x22"`},
			want:  []result{ok("a", `tab\there\x22`)},
		},
		{
			name:  "quote only when repeated after the placeholder",
			opts:  FastmatchOptions{Match: []string{`"%{a} %{b}"`}},
			lines: []string{`"x \"y"`},
			want:  []result{ok("a", "x", "b", `\"y`)},
		},
		{
			name:  "trailing literal must end the line",
			opts:  FastmatchOptions{Match: []string{"[%{msg}]"}},
			lines: []string{"[a]b]", "[a] extra"},
			want: []result{
				ok("msg", "a]b"),
				failed(`fastmatch: match[0]: at offset 9: expected "]" at the end of the line after %{msg}`),
			},
		},
		{
			name:  "quoted last field with trailing text",
			opts:  FastmatchOptions{Match: []string{`%{a} "%{b}"`}},
			lines: []string{`x "y" z`},
			want:  []result{failed(`fastmatch: match[0]: at offset 4: expected "\"" at the end of the line after %{b}`)},
		},
		{
			name:  "anonymous placeholders",
			opts:  FastmatchOptions{Match: []string{"%{foo} %{} %{-} %{bar}"}},
			lines: []string{"a b c d"},
			want:  []result{ok("foo", "a", "bar", "d")},
		},
		{
			name:  "first matching pattern wins",
			opts:  FastmatchOptions{Match: []string{"%{a}|%{b}", "%{c} %{d}", "%{e}"}},
			lines: []string{"1|2", "3 4", "5"},
			want:  []result{ok("a", "1", "b", "2"), ok("c", "3", "d", "4"), ok("e", "5")},
		},
		{
			name:  "no pattern matches",
			opts:  FastmatchOptions{Match: []string{"%{a}|%{b}", "<%{c}>"}},
			lines: []string{"nothing"},
			want: []result{failed(`fastmatch: no pattern matched: match[0]: at offset 0: expected "|" after %{a}; ` +
				`match[1]: at offset 0: expected "<"`)},
		},
		{
			name:  "nginx combined",
			opts:  FastmatchOptions{Match: []string{nginxCombined}, Common: Common{EmptyValues: []string{"-"}}},
			lines: []string{nginxLine},
			want: []result{ok(
				"remote_addr", "203.0.113.9",
				"time_local", "10/Oct/2023:13:55:36 +0000",
				"request", `GET /index.html?q="x" HTTP/1.1`,
				"status", "200",
				"body_bytes_sent", "612",
				"http_referer", "https://example.com/start",
				"http_user_agent", `Mozilla/5.0 (X11; Linux x86_64) "quoted" agent`,
			)},
		},
		{
			name:  "unicode and long values",
			opts:  FastmatchOptions{Match: []string{"%{a} → %{b}"}},
			lines: []string{"ünï → " + long},
			want:  []result{ok("a", "ünï", "b", long)},
		},
		{
			name:  "skipLines and skipPrefix",
			opts:  FastmatchOptions{Match: []string{"%{a}=%{b}"}, Common: Common{SkipLines: 1, SkipPrefix: "#"}},
			lines: []string{"x=1", "#y=2", "z=3"},
			want:  []result{skipped, skipped, ok("a", "z", "b", "3")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewFastmatch(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkResults(t, parseLines(t, f, tc.lines...), tc.want)
		})
	}
}

func TestFastmatchOptionErrors(t *testing.T) {
	tests := []struct {
		name  string
		match []string
		want  string
	}{
		{"no patterns", nil, "fastmatch: match: expected at least one pattern"},
		{"too short", []string{"%{}"}, `fastmatch: match[0]: pattern "%{}" is too short: expected at least 4 characters`},
		{"adjacent placeholders", []string{"%{a} %{b}", "x%{a}%{b}"}, "fastmatch: match[1]: %{b} at offset 5: two placeholders must be separated by literal text"},
		{"no placeholder", []string{"plain text"}, `fastmatch: match[0]: pattern "plain text" has no %{name} placeholder`},
		{"unclosed", []string{"%{a} %{b"}, `fastmatch: match[0]: unclosed "%{" at offset 5: expected "}"`},
		{"nested open", []string{"%{a %{b}"}, `fastmatch: match[0]: unclosed "%{" at offset 0: expected "}"`},
		{"duplicate", []string{"%{a} %{a}"}, "fastmatch: match[0]: duplicate field %{a} at offset 5"},
		{"line break", []string{"%{a}\n%{b}"}, "fastmatch: match[0]: line break at offset 4: a pattern is one line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewFastmatch(FastmatchOptions{Match: tc.match})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant %s", err, tc.want)
			}
		})
	}
}
