package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// sources are the ways a table test feeds its input: whole, one byte per
// Read, half of what was asked, with io.EOF together with the last data,
// and into a buffer that starts at one byte.
var sources = []struct {
	name string
	wrap func(io.Reader) io.Reader
	opt  func(Options) Options
}{
	{name: "whole"},
	{name: "onebyte", wrap: iotest.OneByteReader},
	{name: "half", wrap: iotest.HalfReader},
	{name: "dataerr", wrap: iotest.DataErrReader},
	{name: "tinybuf", opt: func(o Options) Options { o.BufferSize = 1; return o }},
}

func TestFraming(t *testing.T) {
	long := strings.Repeat("x", 40)
	small := Options{MaxRecordBytes: 16, KeepBytes: 4}
	deep := func(n int) string {
		return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
	}
	tests := []struct {
		name string
		in   string
		opt  Options
		want []string
	}{
		// Rule 1 and 4: whitespace, text lines.
		{name: "empty", in: "", want: nil},
		{name: "only whitespace", in: " \n\t\r\n \v\f\n  ", want: nil},
		{name: "lines", in: "a\nb\n", want: []string{"1:text:a", "2:text:b"}},
		{name: "crlf", in: "a\r\nb b\r\n", want: []string{"1:text:a", "2:text:b b"}},
		{name: "no trailing newline", in: "a\nb", want: []string{"1:text:a", "2:text:b"}},
		{name: "empty lines", in: "\n\na\n\n \n\nb\n\n", want: []string{"3:text:a", "7:text:b"}},
		{name: "trimmed", in: "  a  b \t\r\n", want: []string{"1:text:a  b"}},
		{name: "bom", in: "\xef\xbb\xbfa\n", want: []string{"1:text:a"}},
		{name: "bom only", in: "\xef\xbb\xbf", want: nil},
		{name: "bom then json", in: "\xef\xbb\xbf{\"a\":1}", want: []string{`1:json:{"a":1}`}},
		{name: "bom later is data", in: "a\n\xef\xbb\xbfb\n", want: []string{"1:text:a", "2:text:\xef\xbb\xbfb"}},
		{name: "scalar lines are text", in: "123\n\"s\"\ntrue\n", want: []string{"1:text:123", `2:text:"s"`, "3:text:true"}},
		{name: "brace later in line", in: `a {"x":1}`, want: []string{`1:text:a {"x":1}`}},
		{name: "binary", in: "a\x00b\n\xff\xfe\x01\n", want: []string{"1:text:a\x00b", "2:text:\xff\xfe\x01"}},

		// Rule 2: JSON objects.
		{name: "json lines", in: "{\"a\":1}\n{\"b\":2}\n", want: []string{`1:json:{"a":1}`, `2:json:{"b":2}`}},
		{name: "json crlf", in: "{\"a\":1}\r\n\r\n{\"b\":2}\r\n", want: []string{`1:json:{"a":1}`, `3:json:{"b":2}`}},
		{name: "concatenated", in: `{"a":1}{"b":2}`, want: []string{`1:json:{"a":1}`, `1:json:{"b":2}`}},
		{name: "concatenated with space", in: "{\"a\":1} \v {\"b\":2}", want: []string{`1:json:{"a":1}`, `1:json:{"b":2}`}},
		{name: "pretty", in: "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n{\"c\":3}\n",
			want: []string{"1:json:{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}", `7:json:{"c":3}`}},
		{name: "text after json", in: "{\"a\":1} tail\nnext", want: []string{`1:json:{"a":1}`, "1:text:tail", "2:text:next"}},
		{name: "invalid json line", in: "{\"a\":1,}\nnext\n", want: []string{`1:text:{"a":1,}`, "2:text:next"}},
		{name: "invalid after valid on line", in: "{\"a\":1}{bad} {\"c\":3}\nnext", want: []string{`1:json:{"a":1}`, `1:text:{bad} {"c":3}`, "2:text:next"}},
		{name: "truncated last line", in: "{\"a\":1}\n{\"b\":", want: []string{`1:json:{"a":1}`, `2:text:{"b":`}},
		{name: "truncated then valid", in: "{\"b\":\n{\"c\":1}\n", want: []string{`1:text:{"b":`, `2:json:{"c":1}`}},
		{name: "brace alone", in: "{\nfoo\n", want: []string{"1:text:{", "2:text:foo"}},
		{name: "brace alone at end", in: "{\n", want: []string{"1:text:{"}},
		{name: "brace alone no newline", in: "{", want: []string{"1:text:{"}},
		{name: "brace alone then object", in: "{\n\"a\":1}\nx", want: []string{"1:json:{\n\"a\":1}", "3:text:x"}},
		{name: "brace then object", in: "{\n{\"a\":1}\n", want: []string{"1:text:{", `2:json:{"a":1}`}},
		{name: "raw newline in string", in: "{\"a\":\"x\ny\"}\n", want: []string{`1:text:{"a":"x`, `2:text:y"}`}},
		{name: "control byte in string", in: "{\"a\":\"x\ty\"}", want: []string{"1:text:{\"a\":\"x\ty\"}"}},
		{name: "escapes", in: `{"a":"\"\\\/\b\f\n\r\t\u00e9"}`, want: []string{`1:json:{"a":"\"\\\/\b\f\n\r\t\u00e9"}`}},
		{name: "bad escape", in: `{"a":"\x"}`, want: []string{`1:text:{"a":"\x"}`}},
		{name: "numbers", in: `{"a":[0,-0,1.5,-2e10,3E+2,4e-1,0.0]}`, want: []string{`1:json:{"a":[0,-0,1.5,-2e10,3E+2,4e-1,0.0]}`}},
		{name: "leading zero", in: `{"a":01}`, want: []string{`1:text:{"a":01}`}},
		{name: "nesting 10000", in: deep(10000), want: []string{"1:json:" + deep(10000)}},
		{name: "nesting 10001", in: deep(10001) + "\nx", want: []string{"1:text:" + deep(10001), "2:text:x"}},

		// Rule 2: Records wrappers.
		{name: "records", in: `{"Records":[{"a":1},{"b":2}]}`, want: []string{`1:json:{"a":1}`, `1:json:{"b":2}`}},
		{name: "records empty", in: "{\"Records\":[]}\nx", want: []string{"2:text:x"}},
		{name: "records lower case (Azure)", in: `{"records":[{"time":"t"},{"time":"u"}]}`, want: []string{`1:json:{"time":"t"}`, `1:json:{"time":"u"}`}},
		{name: "records other case", in: `{"RECORDS":[{"a":1}]}`, want: []string{`1:json:{"RECORDS":[{"a":1}]}`}},
		{name: "records spaced", in: `{ "Records" : [ 1 , "2" ] }`, want: []string{"1:json:1", `1:json:"2"`}},
		{name: "records pretty", in: "{\n  \"Records\": [\n    {\"a\": 1},\n    {\n      \"b\": 2\n    }\n  ]\n}\nx\n",
			want: []string{`3:json:{"a": 1}`, "4:json:{\n      \"b\": 2\n    }", "9:text:x"}},
		{name: "records nested records", in: `{"Records":[{"Records":[1,2]},{"x":{"Records":[]}}]}`,
			want: []string{`1:json:{"Records":[1,2]}`, `1:json:{"x":{"Records":[]}}`}},
		{name: "records not first", in: `{"a":1,"Records":[{"b":2}]}`, want: []string{`1:json:{"a":1,"Records":[{"b":2}]}`}},
		{name: "records not array", in: `{"Records":{"a":1}}`, want: []string{`1:json:{"Records":{"a":1}}`}},
		{name: "records key prefix", in: `{"RecordsX":[1]}`, want: []string{`1:json:{"RecordsX":[1]}`}},
		{name: "records tail", in: "{\"Records\":[1],\"more\":{\"x\":[1,2]}}\nnext", want: []string{"1:json:1", "2:text:next"}},
		{name: "records tail invalid", in: "{\"Records\":[1], bad}\nnext\n", want: []string{"1:json:1", "1:text:, bad}", "2:text:next"}},
		{name: "records tail on next line", in: "{\"Records\":[1]\n}", want: []string{"1:json:1"}},
		{name: "records tail garbage next line", in: "{\"Records\":[1]\ngarbage\n", want: []string{"1:json:1", "2:text:garbage"}},
		{name: "records bad first element", in: "{\"Records\":[x]}\nnext", want: []string{`1:text:{"Records":[x]}`, "2:text:next"}},
		{name: "records bad later element", in: "{\"Records\":[{\"a\":1},x,{\"b\":2}]}\nnext",
			want: []string{`1:json:{"a":1}`, `1:text:x,{"b":2}]}`, "2:text:next"}},
		{name: "records truncated", in: `{"Records":[{"a":1},{"b":`, want: []string{`1:json:{"a":1}`, `1:text:{"b":`}},
		{name: "records unterminated", in: `{"Records":[]`, want: []string{`1:text:{"Records":[]`}},
		{name: "records no brace", in: `{"Records":[1]`, want: []string{"1:json:1"}},
		{name: "records head only", in: "{\"Records\":[\ngarbage\n", want: []string{`1:text:{"Records":[`, "2:text:garbage"}},
		{name: "records trailing comma", in: `{"Records":[1,]}`, want: []string{"1:json:1", "1:text:]}"}},

		// Rule 3: top-level arrays.
		{name: "array", in: "[{\"a\":1},{\"b\":2}]\n", want: []string{`1:json:{"a":1}`, `1:json:{"b":2}`}},
		{name: "array pretty", in: "[\n  {\"a\":1},\n  {\"b\":2}\n]\nx", want: []string{`2:json:{"a":1}`, `3:json:{"b":2}`, "5:text:x"}},
		{name: "array empty", in: "[]\n[ ]\n", want: nil},
		{name: "array scalars", in: `[1,"two",true,false,null,-1.5e3,[],{}]`,
			want: []string{"1:json:1", `1:json:"two"`, "1:json:true", "1:json:false", "1:json:null", "1:json:-1.5e3", "1:json:[]", "1:json:{}"}},
		{name: "arrays on lines", in: "[1]\n[2]\n", want: []string{"1:json:1", "2:json:2"}},
		{name: "arrays on one line", in: "[1][2] {\"a\":1}", want: []string{"1:json:1", "1:json:2", `1:json:{"a":1}`}},
		{name: "bracketed date", in: "[2021-01-01 10:00:00] msg\n", want: []string{"1:text:[2021-01-01 10:00:00] msg"}},
		{name: "bracketed word", in: "[INFO] hello\n", want: []string{"1:text:[INFO] hello"}},
		{name: "dmesg", in: "[    0.000000] Linux version\n", want: []string{"1:text:[    0.000000] Linux version"}},
		{name: "bracketed number", in: "[1] hello", want: []string{"1:text:[1] hello"}},
		{name: "array invalid on first line", in: "[1,2,x]\nnext", want: []string{"1:text:[1,2,x]", "2:text:next"}},
		{name: "array unterminated one line", in: "[1,2", want: []string{"1:text:[1,2"}},
		{name: "array error later", in: "[\n{\"a\":1},\nbad,\n{\"b\":2}\n]\n",
			want: []string{`2:json:{"a":1}`, "3:text:bad,", `4:json:{"b":2}`, "5:text:]"}},
		{name: "array error first", in: "[\nbad\n]\n", want: []string{"1:text:[", "2:text:bad", "3:text:]"}},
		{name: "array junk after first element", in: "[\n{\"a\":1} x\n]", want: []string{"1:text:[", `2:json:{"a":1}`, "2:text:x", "3:text:]"}},
		{name: "array junk after element", in: "[\n1,\n2 x\n]", want: []string{"2:json:1", "3:text:2 x", "4:text:]"}},
		{name: "array number junk", in: "[\n1,\n2x\n]", want: []string{"2:json:1", "3:text:2x", "4:text:]"}},
		{name: "array truncated", in: "[\n{\"a\":1},\n{\"b\"", want: []string{`2:json:{"a":1}`, `3:text:{"b"`}},
		{name: "array truncated after comma", in: "[\n1,\n", want: []string{"2:json:1"}},
		{name: "array open only", in: "[\n", want: []string{"1:text:["}},
		{name: "array nesting 10001", in: strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
			want: []string{"1:text:" + strings.Repeat("[", 10001) + strings.Repeat("]", 10001)}},
		{name: "array of records wrapper", in: `[{"Records":[1]}]`, want: []string{`1:json:{"Records":[1]}`}},
		{name: "array vertical tab", in: "[\n1,\v2]\n", want: []string{"2:json:1", "2:text:\v2]"[:0] + "2:text:2]"}},

		// Rule 5: too long records.
		{name: "long line", in: "short\n" + long + "\nafter\n", opt: small,
			want: []string{"1:text:short", "2:long(40):xxxx", "3:text:after"}},
		{name: "long last line", in: "a\n" + long, opt: small, want: []string{"1:text:a", "2:long(40):xxxx"}},
		{name: "long line trailing space", in: "abc" + strings.Repeat(" ", 30) + "\nz", opt: Options{MaxRecordBytes: 8, KeepBytes: 8},
			want: []string{"1:text:abc", "2:text:z"}},
		{name: "long json", in: `{"a":"` + long + `"}{"b":1}` + "\nx", opt: small,
			want: []string{`1:long(48):{"a"`, `1:json:{"b":1}`, "2:text:x"}},
		{name: "long pretty json", in: "{\"a\":\n\"" + long + "\"\n}\nx", opt: small,
			want: []string{`1:long(50):{"a"`, "4:text:x"}},
		{name: "long json invalid", in: `{"a":"` + long + "\" x y\nnext", opt: small,
			want: []string{`1:long(51):{"a"`, "2:text:next"}},
		{name: "long json unterminated", in: `{"a":"` + long + `"`, opt: small, want: []string{`1:long(47):{"a"`}},
		{name: "long json raw newline", in: `{"a":"` + long + "\nnext", opt: small, want: []string{`1:long(46):{"a"`, "2:text:next"}},
		{name: "long array element", in: `[{"a":1},"` + long + `",{"b":2}]`, opt: small,
			want: []string{`1:json:{"a":1}`, `1:long(42):"xxx`, `1:json:{"b":2}`}},
		{name: "long first array element", in: `["` + long + `",{"b":2}]`, opt: small,
			want: []string{`1:long(42):"xxx`, `1:json:{"b":2}`}},
		{name: "long array element invalid", in: `[1,"` + long + "\n2]\nx", opt: small,
			want: []string{"1:json:1", `1:long(41):"xxx`, "2:text:2]", "3:text:x"}},
		{name: "long records element", in: `{"Records":[{"a":1},"` + long + `",{"b":2}]}` + "\nx", opt: small,
			want: []string{`1:json:{"a":1}`, `1:long(42):"xxx`, `1:json:{"b":2}`, "2:text:x"}},
		{name: "long records tail", in: `{"Records":[1],"t":"` + long + `"}` + "\nx", opt: small,
			want: []string{"1:json:1", "2:text:x"}},
		{name: "long records tail invalid", in: `{"Records":[1],"t":"` + long + `" x` + "\nx", opt: small,
			want: []string{"1:json:1", `1:long(49):,"t"`, "2:text:x"}},
		{name: "long array line then text", in: "[1,2,3,4,5,6,7,8,9,10] tail\n", opt: small,
			want: []string{"1:json:1", "1:json:2", "1:json:3", "1:json:4", "1:json:5", "1:json:6", "1:json:7",
				"1:json:8", "1:json:9", "1:json:10", "1:text:tail"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first []Record
			for i, src := range sources {
				o := tt.opt
				if src.opt != nil {
					o = src.opt(o)
				}
				recs := mustFrame(t, []byte(tt.in), o, src.wrap)
				got := make([]string, len(recs))
				for i, r := range recs {
					got[i] = describe(r)
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("%s: got records\n%s\nwant\n%s", src.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
				if i == 0 {
					first = recs
				} else if !slices.EqualFunc(first, recs, sameRecord) {
					t.Fatalf("%s: records differ from those of %s", src.name, sources[0].name)
				}
			}
		})
	}
}

func sameRecord(a, b Record) bool {
	return bytes.Equal(a.Data, b.Data) && a.Line == b.Line && a.Offset == b.Offset &&
		a.JSON == b.JSON && a.Size == b.Size && a.TooLong == b.TooLong
}

func TestOffsets(t *testing.T) {
	in := "\xef\xbb\xbfa\n  {\"b\":1}\n[1, 2]\n{\"Records\":[\n 3]}"
	recs := mustFrame(t, []byte(in), Options{}, nil)
	var got []int64
	for _, r := range recs {
		got = append(got, r.Offset)
	}
	want := []int64{3, 7, 16, 19, 36}
	if !slices.Equal(got, want) {
		t.Fatalf("offsets %v, want %v", got, want)
	}
}

func TestBytesRead(t *testing.T) {
	in := "abc\n{\"a\":1}\n"
	r := NewReader(strings.NewReader(in), Options{})
	for _, want := range []int64{4, 11} {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if got := r.BytesRead(); got != want {
			t.Fatalf("BytesRead = %d, want %d", got, want)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	if got := r.BytesRead(); got != int64(len(in)) {
		t.Fatalf("BytesRead at the end = %d, want %d", got, len(in))
	}
}

// failReader returns data and then err.
type failReader struct {
	data []byte
	err  error
}

func (f *failReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "text", in: "a\nb\nc", want: []string{"1:text:a", "2:text:b"}},
		{name: "json complete", in: "{\"a\":1}", want: []string{`1:json:{"a":1}`}},
		{name: "json incomplete", in: "{\"a\":1}\n{\"b\"", want: []string{`1:json:{"a":1}`}},
		{name: "array", in: "[\n1,\n2", want: []string{"2:json:1"}},
		{name: "array element unconfirmed", in: "[\n1,\n2 ", want: []string{"2:json:1"}},
		{name: "records tail", in: `{"Records":[1]`, want: []string{"1:json:1"}},
		{name: "empty", in: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, src := range sources {
				var in io.Reader = &failReader{data: []byte(tt.in), err: boom}
				if src.wrap != nil {
					in = src.wrap(in)
				}
				o := Options{}
				if src.opt != nil {
					o = src.opt(o)
				}
				r := NewReader(in, o)
				recs, err := frameAll(r)
				if !errors.Is(err, boom) {
					t.Fatalf("%s: error %v, want %v", src.name, err, boom)
				}
				var got []string
				for _, r := range recs {
					got = append(got, describe(r))
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("%s: got %q, want %q", src.name, got, tt.want)
				}
				if _, err := r.Next(); !errors.Is(err, boom) {
					t.Fatalf("%s: error is not sticky: %v", src.name, err)
				}
			}
		})
	}
}

// zeroReader returns (0, nil) forever.
type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestNoProgress(t *testing.T) {
	_, err := NewReader(zeroReader{}, Options{}).Next()
	if !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("Next = %v, want io.ErrNoProgress", err)
	}
}

// TestCautious checks that input built to make every line rescan the rest
// of the file switches the reader to line-bounded JSON, and still frames
// every line.
func TestCautious(t *testing.T) {
	var b bytes.Buffer
	for b.Len() < 4<<20 {
		b.WriteString("{\"a\":[\n")
	}
	r := NewReader(bytes.NewReader(b.Bytes()), Options{})
	recs, err := frameAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !r.cautious {
		t.Fatal("the reader did not turn cautious")
	}
	if want := b.Len() / 7; len(recs) != want {
		t.Fatalf("%d records, want %d", len(recs), want)
	}
	if err := checkRecords(b.Bytes(), recs, Options{}); err != nil {
		t.Fatal(err)
	}
	// Cautious framing still takes single-line JSON, and no multi-line JSON.
	r = NewReader(strings.NewReader("{\"a\":1}\n[1,\n2]\n{\n}\n"), Options{})
	r.cautious = true
	recs, err = frameAll(r)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(describeAll(recs))
	want := "1:json:{\"a\":1}\n2:text:[1,\n3:text:2]\n4:text:{\n5:text:}\n"
	if got != want {
		t.Fatalf("cautious framing:\n%s\nwant\n%s", got, want)
	}
}

// genReader produces n bytes of a repeated pattern without holding them.
type genReader struct {
	prefix, pattern, suffix []byte
	n, off                  int64 // pattern bytes wanted, produced
	stage                   int
}

func (g *genReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		switch g.stage {
		case 0:
			n := copy(p, g.prefix)
			g.prefix = g.prefix[n:]
			p, total = p[n:], total+n
			if len(g.prefix) == 0 {
				g.stage++
			}
		case 1:
			if g.off >= g.n {
				g.stage++
				continue
			}
			i := int(g.off % int64(len(g.pattern)))
			n := copy(p, g.pattern[i:])
			n = int(min(int64(n), g.n-g.off))
			g.off += int64(n)
			p, total = p[n:], total+n
		case 2:
			n := copy(p, g.suffix)
			g.suffix = g.suffix[n:]
			p, total = p[n:], total+n
			if len(g.suffix) == 0 {
				g.stage++
			}
		default:
			if total == 0 {
				return 0, io.EOF
			}
			return total, nil
		}
	}
	return total, nil
}

// TestBoundedMemory frames streams far larger than MaxRecordBytes (a single
// line, a single JSON string, a top-level array on one line, a Records
// wrapper) and checks the buffer never grows past its limit.
func TestBoundedMemory(t *testing.T) {
	size := int64(256 << 20)
	if testing.Short() {
		size = 16 << 20
	}
	o := Options{MaxRecordBytes: 1 << 20}
	elem := []byte(`{"eventName":"x","n":[1,2,3],"s":"abcdefghijklmnopqrstuvwxyz"},`)
	tests := []struct {
		name        string
		gen         *genReader
		wantRecords int64
		tooLong     bool
	}{
		{name: "line", gen: &genReader{pattern: []byte("abcdefgh"), n: size, suffix: []byte("\nend")}, wantRecords: 2, tooLong: true},
		{name: "json string", gen: &genReader{prefix: []byte(`{"a":"`), pattern: []byte("abcdefgh"), n: size, suffix: []byte("\"}\nend")}, wantRecords: 2, tooLong: true},
		{name: "array", gen: &genReader{prefix: []byte("["), pattern: elem, n: size / int64(len(elem)) * int64(len(elem)), suffix: []byte("1]\nend")},
			wantRecords: size/int64(len(elem)) + 2},
		{name: "records", gen: &genReader{prefix: []byte(`{"Records":[`), pattern: elem, n: size / int64(len(elem)) * int64(len(elem)), suffix: []byte("1]}\nend")},
			wantRecords: size/int64(len(elem)) + 2},
		{name: "whitespace", gen: &genReader{prefix: []byte("[1"), pattern: []byte("        "), n: size, suffix: []byte(",2]\nend")}, wantRecords: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.gen, o)
			var n int64
			var last Record
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 && rec.TooLong != tt.tooLong {
					t.Fatalf("first record TooLong=%v, want %v", rec.TooLong, tt.tooLong)
				}
				if len(r.buf) > r.limit {
					t.Fatalf("buffer grew to %d bytes, over %d", len(r.buf), r.limit)
				}
				n++
				last = rec
			}
			if n != tt.wantRecords {
				t.Fatalf("%d records, want %d", n, tt.wantRecords)
			}
			if string(last.Data) != "end" {
				t.Fatalf("last record %q, want \"end\"", last.Data)
			}
		})
	}
}

// TestIndent checks Record.Indent: the white space before a record on its line, for the
// multi-line framing of text types, whatever the reads.
func TestIndent(t *testing.T) {
	in := "Exception in thread main\n\tat a.B.c(B.java:10)\n    at d.E.f\n\n  \t mixed\nflush\n{\"a\":1}  {\"b\":2}\n  [1, 2]\n" + strings.Repeat(" ", 2*maxIndent) + "deep\n"
	want := []string{"", "\t", "    ", "  \t ", "", "", "  ", "", "", strings.Repeat(" ", maxIndent)}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			o := Options{}
			if src.opt != nil {
				o = src.opt(o)
			}
			recs := mustFrame(t, []byte(in), o, src.wrap)
			var got []string
			for _, r := range recs {
				got = append(got, string(r.Indent))
			}
			if !slices.Equal(got, want) {
				t.Errorf("indents %q, want %q", got, want)
			}
		})
	}
}
