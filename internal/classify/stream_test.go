package classify_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/classify"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// multilineSchemas: an application log whose records start with a date and may continue on
// indented lines (a stack trace), with small limits, and a one-line text type.
var multilineSchemas = []string{`version: 0
schema: Test.App
parser:
  regex:
    match: ['%{TIMESTAMP_ISO8601:time} %{LOGLEVEL:level} %{GREEDYDATA:message}']
multiline:
  continuation: '^\s'
  maxLines: 4
  maxBytes: 200
fields:
  - {name: time, type: timestamp, timeFormat: rfc3339, required: true}
  - {name: level, type: string, required: true}
  - {name: message, type: string}
`, `version: 0
schema: Test.Start
parser:
  regex:
    match: ['BEGIN %{WORD:id}\n%{GREEDYDATA:body}']
multiline:
  start: '^BEGIN '
fields:
  - {name: id, type: string, required: true}
  - {name: body, type: string, required: true}
`, `version: 0
schema: Test.Kv
parser:
  fastmatch:
    match: ['k=%{k} v=%{v}']
fields:
  - {name: k, type: string, required: true}
  - {name: v, type: int, required: true}
`}

func multilineTypes(t *testing.T) []*logtypes.LogType { return buildTypes(t, multilineSchemas...) }

// buildTypes parses and builds the schemas.
func buildTypes(t *testing.T, schemas ...string) []*logtypes.LogType {
	t.Helper()
	var out []*logtypes.LogType
	for _, y := range schemas {
		s, err := logschema.Parse("t.yml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		lt, err := logtypes.Build(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, lt)
	}
	return out
}

// streamAll frames in with an input.Reader and renders every item of a Stream over it as
// "line:type:message" or "line:QUARANTINE:closest type: reason".
func streamAll(t *testing.T, types []*logtypes.LogType, in string, src func(classify.Records) classify.Records) []string {
	t.Helper()
	arena := &event.Arena{}
	c := classify.New(types, &decode.Decoder{Arena: arena})
	var recs classify.Records = input.NewReader(strings.NewReader(in), input.Options{BufferSize: 1})
	if src != nil {
		recs = src(recs)
	}
	st := classify.NewStream(c, recs)
	var out []string
	total := 0
	for {
		it, err := st.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out = append(out, "ERROR: "+err.Error())
			break
		}
		total += nonSpace(string(it.Rec.Data))
		switch {
		case it.Fail != nil:
			out = append(out, fmt.Sprintf("%d:QUARANTINE:%s: %s [%q]", it.Rec.Line, it.Fail.Reasons[0].LogType, it.Fail.Reasons[0].Err, it.Rec.Data))
		case it.Res.OK:
			var msg string
			for i, f := range it.Res.LogType.Root.Fields {
				if f.Name == "message" || f.Name == "body" || f.Name == "k" {
					msg = it.Res.Root.Items[i].S
				}
			}
			out = append(out, fmt.Sprintf("%d:%s:%q", it.Rec.Line, it.Res.LogType.Name, msg))
		}
		arena.Reset()
	}
	// Nothing is lost: the records hold every byte of the input but white space.
	if in != "" && total != nonSpace(in) {
		t.Errorf("records hold %d bytes other than white space, the input %d", total, nonSpace(in))
	}
	return out
}

func nonSpace(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(" \t\r\n\v\f", rune(s[i])) {
			n++
		}
	}
	return n
}

func TestStreamJoinsContinuationLines(t *testing.T) {
	types := multilineTypes(t)
	in := "2024-06-10T14:00:00Z ERROR boom\n" +
		"\tat a.B.c(B.java:1)\n" +
		"    at d.E.f(E.java:2)\n" +
		"k=a v=1\n" +
		"2024-06-10T14:00:01Z INFO fine\n" +
		"2024-06-10T14:00:02Z WARN last\n" +
		"  tail"
	got := streamAll(t, types, in, nil)
	want := []string{
		`1:Test.App:"boom\n\tat a.B.c(B.java:1)\n    at d.E.f(E.java:2)"`,
		`4:Test.Kv:"a"`,
		`5:Test.App:"fine"`,
		`6:Test.App:"last\n  tail"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStreamStartPattern(t *testing.T) {
	types := multilineTypes(t)
	in := "BEGIN one\nfirst body line\nsecond body line\nBEGIN two\nonly line\nk=z v=9\n"
	got := streamAll(t, types, in, nil)
	// The k=z line does not start with BEGIN: it continues record two.
	want := []string{`1:Test.Start:"first body line\nsecond body line"`, `4:Test.Start:"only line\nk=z v=9"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStreamLimits(t *testing.T) {
	types := multilineTypes(t)
	var b strings.Builder
	b.WriteString("2024-06-10T14:00:00Z ERROR trace\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "  frame %d\n", i)
	}
	b.WriteString("2024-06-10T14:00:01Z INFO after\n")
	got := streamAll(t, types, b.String(), nil)
	// maxLines 4: the record takes 3 frames; the 6 others make two quarantined records of 4
	// and 2 lines, and the next record is itself.
	want := []string{
		`1:Test.App:"trace\n  frame 1\n  frame 2\n  frame 3"`,
		`5:QUARANTINE:Test.App: continuation lines of the record at line 1, past its limit of 4 lines or 200 bytes ["  frame 4\n  frame 5\n  frame 6\n  frame 7"]`,
		`9:QUARANTINE:Test.App: continuation lines of the record at line 1, past its limit of 4 lines or 200 bytes ["  frame 8\n  frame 9"]`,
		`11:Test.App:"after"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// maxBytes 200 bounds a record too.
	long := "2024-06-10T14:00:00Z ERROR x\n  " + strings.Repeat("a", 150) + "\n  " + strings.Repeat("b", 150) + "\n"
	got = streamAll(t, types, long, nil)
	if len(got) != 2 || !strings.Contains(got[0], "aaa") || strings.Contains(got[0], "bbb") || !strings.Contains(got[1], "QUARANTINE") {
		t.Errorf("got %q", got)
	}
}

func TestStreamJoinedRecordRejected(t *testing.T) {
	// A type whose pattern does not span lines rejects the joined record: the first line is
	// kept alone and the continuation lines are classified (and quarantined) one by one.
	types := buildTypes(t, `version: 0
schema: Test.Narrow
parser:
  regex:
    match: ['%{WORD:w} %{INT:n}']
multiline:
  continuation: '^\s'
fields:
  - {name: w, type: string, required: true}
  - {name: n, type: int, required: true}
`)
	got := streamAll(t, types, "abc 12\n  more\n  lines\nxyz 3\n", nil)
	if len(got) != 4 || !strings.HasPrefix(got[0], "1:Test.Narrow") || !strings.HasPrefix(got[1], `2:QUARANTINE:Test.Narrow: regex: at offset 4: expected " " ["more"]`) ||
		!strings.HasPrefix(got[2], "3:QUARANTINE:Test.Narrow") || !strings.HasPrefix(got[3], "4:Test.Narrow") {
		t.Errorf("got %q", got)
	}
}

// errRecords returns its records, then an error.
type errRecords struct {
	recs []string
	err  error
}

func (e *errRecords) Next() (input.Record, error) {
	if len(e.recs) == 0 {
		return input.Record{}, e.err
	}
	r := e.recs[0]
	e.recs = e.recs[1:]
	indent := r[:len(r)-len(strings.TrimLeft(r, " \t"))]
	return input.Record{Data: []byte(strings.TrimLeft(r, " \t")), Indent: []byte(indent), Line: 1}, nil
}

func TestStreamSourceError(t *testing.T) {
	types := multilineTypes(t)
	boom := errors.New("disk on fire")
	got := streamAll(t, types, "", func(classify.Records) classify.Records {
		return &errRecords{recs: []string{"2024-06-10T14:00:00Z ERROR a", "  b"}, err: boom}
	})
	want := []string{`1:Test.App:"a\n  b"`, "ERROR: disk on fire"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q", got)
	}
}

// FuzzStream streams arbitrary input through the multi-line types: every byte other than
// white space lands in exactly one item, joined records stay within their limits, and the
// items come in input order.
func FuzzStream(f *testing.F) {
	f.Add("2024-06-10T14:00:00Z ERROR boom\n\tat a.B\n  at c.D\nk=a v=1\n")
	f.Add("BEGIN one\nbody\nBEGIN two\n\n  x\n{\"a\":1}\n  {\"b\":2}\n")
	f.Add("  leading\n2024-06-10T14:00:00Z INFO x\n" + strings.Repeat("  y\n", 12))
	f.Add("\ufeff[1,2]\n2024-06-10T14:00:00Z INFO x\n  [3]\n")
	types := buildTypes(&testing.T{}, multilineSchemas...)
	f.Fuzz(func(t *testing.T, in string) {
		arena := &event.Arena{}
		st := classify.NewStream(classify.New(types, &decode.Decoder{Arena: arena}), input.NewReader(strings.NewReader(in), input.Options{MaxRecordBytes: 1 << 12}))
		total, line := 0, 0
		for {
			it, err := st.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if it.Rec.Line < line {
				t.Fatalf("record at line %d after one at line %d", it.Rec.Line, line)
			}
			line = it.Rec.Line
			if it.Fail == nil && it.Res.OK && it.Res.LogType.Multiline != nil {
				m := it.Res.LogType.Multiline
				if n := strings.Count(string(it.Rec.Data), "\n") + 1; n > m.MaxLines || len(it.Rec.Data) > m.MaxBytes && n > 1 {
					t.Fatalf("record of %d lines, %d bytes over the limits", n, len(it.Rec.Data))
				}
			}
			if !it.Rec.TooLong {
				total += nonSpace(string(it.Rec.Data))
			} else {
				return // a too-long record keeps only its head
			}
			arena.Reset()
		}
		// The framing drops a leading byte order mark and the brackets and commas of JSON
		// arrays; other bytes all reach an item.
		if !strings.HasPrefix(in, "\ufeff") && !strings.Contains(in, "[") && total != nonSpace(in) {
			t.Fatalf("items hold %d bytes other than white space, the input %d", total, nonSpace(in))
		}
	})
}
