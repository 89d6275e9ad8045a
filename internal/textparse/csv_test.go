package textparse

import (
	"reflect"
	"strings"
	"testing"
)

func TestCSV(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	tests := []struct {
		name  string
		opts  CSVOptions
		lines []string
		want  []result
	}{
		{
			name:  "plain",
			opts:  CSVOptions{Columns: []string{"a", "b", "c"}},
			lines: []string{"1,2,3"},
			want:  []result{ok("a", "1", "b", "2", "c", "3")},
		},
		{
			name:  "empty fields are emitted as empty strings",
			opts:  CSVOptions{Columns: []string{"a", "b", "c"}},
			lines: []string{",,", "1,,3"},
			want:  []result{ok("a", "", "b", "", "c", ""), ok("a", "1", "b", "", "c", "3")},
		},
		{
			name:  "quoted fields",
			opts:  CSVOptions{Columns: []string{"a", "b", "c"}},
			lines: []string{`"x,y","say ""hi""",""`},
			want:  []result{ok("a", "x,y", "b", `say "hi"`, "c", "")},
		},
		{
			name:  "lazy quotes",
			opts:  CSVOptions{Columns: []string{"a", "b"}},
			lines: []string{`5" tall,b"c`, `"a"b",c`, `"open,c`},
			want: []result{
				ok("a", `5" tall`, "b", `b"c`),
				ok("a", `a"b`, "b", "c"),
				failed("csv: row has 1 columns, expected 2"),
			},
		},
		{
			name:  "unterminated quote runs to the end",
			opts:  CSVOptions{Columns: []string{"a", "b"}},
			lines: []string{`x,"open, still open`},
			want:  []result{ok("a", "x", "b", "open, still open")},
		},
		{
			name:  "trailing delimiter adds a column",
			opts:  CSVOptions{Columns: []string{"a", "b"}},
			lines: []string{"1,2,", "1,2"},
			want:  []result{failed("csv: row has 3 columns, expected 2"), ok("a", "1", "b", "2")},
		},
		{
			name:  "unicode",
			opts:  CSVOptions{Columns: []string{"a", "b"}},
			lines: []string{`日本,"Zürich, CH ✓"`},
			want:  []result{ok("a", "日本", "b", "Zürich, CH ✓")},
		},
		{
			name:  "very long line",
			opts:  CSVOptions{Columns: []string{"a", "b"}},
			lines: []string{long + ",end"},
			want:  []result{ok("a", long, "b", "end")},
		},
		{
			name:  "tab delimiter written as backslash t",
			opts:  CSVOptions{Delimiter: `\t`, Columns: []string{"a", "b"}},
			lines: []string{"x,y\tz"},
			want:  []result{ok("a", "x,y", "b", "z")},
		},
		{
			name:  "tab delimiter as a tab",
			opts:  CSVOptions{Delimiter: "\t", Columns: []string{"a", "b"}},
			lines: []string{"1\t\"2\t3\""},
			want:  []result{ok("a", "1", "b", "2\t3")},
		},
		{
			name:  "space delimiter is not collapsed",
			opts:  CSVOptions{Delimiter: " ", Columns: []string{"a", "b", "c"}},
			lines: []string{`GET "/a b" 200`, "a  b"},
			want:  []result{ok("a", "GET", "b", "/a b", "c", "200"), ok("a", "a", "b", "", "c", "b")},
		},
		{
			name:  "header supplies names and column count",
			opts:  CSVOptions{HasHeader: true},
			lines: []string{"\ufeffid, name ,\"ip addr\"", "1,bob,10.0.0.1", "2,alice"},
			want: []result{
				skipped,
				ok("id", "1", "name", "bob", "ip addr", "10.0.0.1"),
				failed("csv: row has 2 columns, expected 3"),
			},
		},
		{
			name:  "header is skipped when columns are given",
			opts:  CSVOptions{HasHeader: true, Columns: []string{"x", "y"}},
			lines: []string{"a,b,c,d", "1,2"},
			want:  []result{skipped, ok("x", "1", "y", "2")},
		},
		{
			name:  "header after skipLines and comments",
			opts:  CSVOptions{Common: Common{SkipLines: 1, SkipPrefix: "#"}, HasHeader: true},
			lines: []string{"garbage", "# comment", "a,b", "1,2"},
			want:  []result{skipped, skipped, skipped, ok("a", "1", "b", "2")},
		},
		{
			name:  "bad header fails every line",
			opts:  CSVOptions{HasHeader: true},
			lines: []string{"a,,c", "1,2,3"},
			want: []result{
				failed("csv: header: columns[1]: name must not be empty"),
				failed("csv: header: columns[1]: name must not be empty"),
			},
		},
		{
			name:  "duplicate header name",
			opts:  CSVOptions{HasHeader: true},
			lines: []string{"a,b,a"},
			want:  []result{failed(`csv: header: columns[2]: duplicate name "a" (also columns[0])`)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewCSV(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkResults(t, parseLines(t, f, tc.lines...), tc.want)
		})
	}
}

// TestCSVHeaderIsCopied checks that header names do not alias the caller's
// line buffer, which the caller may reuse.
func TestCSVHeaderIsCopied(t *testing.T) {
	f, err := NewCSV(CSVOptions{HasHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	p := f.NewParser()
	buf := []byte("alpha,beta")
	if _, _, err := p.Parse(string(buf), nil); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXX,YYYY")
	got, _, err := p.Parse("1,2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := fields("alpha", "1", "beta", "2"); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCSVOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts CSVOptions
		want string
	}{
		{"no columns without header", CSVOptions{}, "csv: columns required when hasHeader is false"},
		{"bad delimiter", CSVOptions{Delimiter: ";", Columns: []string{"a"}}, `csv: delimiter: expected ",", a tab ("\t") or a space (" "), got ";"`},
		{"empty column name", CSVOptions{Columns: []string{"a", ""}}, "csv: columns[1]: name must not be empty"},
		{"duplicate column", CSVOptions{Columns: []string{"a", "b", "a"}}, `csv: columns[2]: duplicate name "a" (also columns[0])`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCSV(tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestSplitCSV(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"", []string{""}},
		{",", []string{"", ""}},
		{`""`, []string{""}},
		{`"",""`, []string{"", ""}},
		{`""""`, []string{`"`}},
		{`"a""b""c",d`, []string{`a"b"c`, "d"}},
		{`"a"`, []string{"a"}},
		{`"a",`, []string{"a", ""}},
		{`a"b,c`, []string{`a"b`, "c"}},
		{`"a"b"c"`, []string{`a"b"c`}},
		{` "a",b`, []string{` "a"`, "b"}},
		{`"`, []string{""}},
	}
	for _, tc := range tests {
		if got := splitCSV(nil, tc.line, ','); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitCSV(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

// joinCSV is the inverse of splitCSV: it quotes a value when splitCSV needs
// that to return it unchanged.
func joinCSV(values []string, delim byte) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte(delim)
		}
		if strings.IndexByte(v, delim) < 0 && strings.IndexByte(v, '"') < 0 {
			b.WriteString(v)
			continue
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(v, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

func TestJoinSplitRoundTrip(t *testing.T) {
	for _, values := range [][]string{
		{"a", "b"},
		{"", ""},
		{`"`, `""`, `a"b`},
		{"x,y", ",", ""},
		{"ünï", "ç,ø"},
	} {
		line := joinCSV(values, ',')
		if got := splitCSV(nil, line, ','); !reflect.DeepEqual(got, values) {
			t.Errorf("round trip of %q through %q gave %q", values, line, got)
		}
	}
}
