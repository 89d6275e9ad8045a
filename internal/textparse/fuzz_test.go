package textparse

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzSplitCSV checks two round-trip properties of the splitter: joining any
// values and splitting gives the values back, and re-joining the fields of
// any line and splitting again gives the same fields.
func FuzzSplitCSV(f *testing.F) {
	for _, s := range []string{"", "a,b", `"a,b",c`, `"a""b"`, `a"b,"c`, `"open`, ",,", "\t\"x\"\t", "é,ü"} {
		f.Add(s, uint8(0))
	}
	delims := []byte{',', '\t', ' '}
	f.Fuzz(func(t *testing.T, s string, d uint8) {
		delim := delims[int(d)%len(delims)]
		// Property 1: any line splits into fields that survive join + split.
		fields := splitCSV(nil, s, delim)
		if len(fields) == 0 {
			t.Fatalf("splitCSV(%q) returned no field", s)
		}
		line := joinCSV(fields, delim)
		if again := splitCSV(nil, line, delim); !reflect.DeepEqual(again, fields) {
			t.Fatalf("split(join(split(%q))) = %q, want %q (joined: %q)", s, again, fields, line)
		}
		// Property 2: values separated by NUL survive join + split.
		values := strings.Split(s, "\x00")
		line = joinCSV(values, delim)
		if got := splitCSV(nil, line, delim); !reflect.DeepEqual(got, values) {
			t.Fatalf("split(join(%q)) = %q (joined: %q)", values, got, line)
		}
	})
}

// FuzzCSV runs the csv parser with a header over two arbitrary lines.
func FuzzCSV(f *testing.F) {
	f.Add("a,b,c", "1,\"2\",3", true)
	f.Add("x", "\"unterminated", false)
	f.Fuzz(func(t *testing.T, header, row string, trim bool) {
		if header == "" {
			return // An empty line is skipped, so the row would be the header.
		}
		fac, err := NewCSV(CSVOptions{HasHeader: true, Common: Common{TrimSpace: trim, EmptyValues: []string{"-"}}})
		if err != nil {
			t.Fatal(err)
		}
		p := fac.NewParser()
		if _, ok, _ := p.Parse(header, nil); ok {
			t.Fatal("a header line produced an event")
		}
		out, ok, err := p.Parse(row, nil)
		if ok != (err == nil) && row != "" {
			t.Fatalf("ok=%v with err=%v", ok, err)
		}
		if !ok && len(out) != 0 {
			t.Fatalf("no event but %d fields", len(out))
		}
	})
}

// FuzzFastmatch compiles an arbitrary pattern and matches an arbitrary line.
// When the pattern has no quoted placeholder and the line matches, putting
// the values back between the literals must give the line again.
func FuzzFastmatch(f *testing.F) {
	f.Add("%{a} %{b}", "foo bar")
	f.Add(`"%{a}" %{b}`, `"x \" y" z`)
	f.Add(nginxCombined, nginxLine)
	f.Add("[%{msg}]", "[a]b]")
	f.Fuzz(func(t *testing.T, pattern, line string) {
		pat, err := compileFastmatch(pattern)
		if err != nil {
			return
		}
		fields, perr := pat.match(line, nil)
		if perr != nil {
			if perr.Offset < 0 || perr.Offset > len(line) {
				t.Fatalf("error offset %d outside the line of %d bytes", perr.Offset, len(line))
			}
			return
		}
		quoted, anonymous := false, false
		for _, fl := range pat.fields {
			quoted = quoted || fl.quote != 0
			anonymous = anonymous || fl.name == ""
		}
		if quoted || anonymous {
			return
		}
		var b strings.Builder
		b.WriteString(pat.prefix)
		for i, fl := range pat.fields {
			b.WriteString(fields[i].Value)
			b.WriteString(fl.delim)
		}
		if b.String() != line {
			t.Fatalf("rebuilt %q from %q, want the line %q", b.String(), fields, line)
		}
	})
}

// FuzzRegex parses arbitrary lines with a set of compiled patterns (package
// grok fuzzes the compiler itself). Fields must be substrings of the line and
// error offsets must lie inside it.
func FuzzRegex(f *testing.F) {
	patterns := [][]string{
		{`%{COMBINEDAPACHELOG}`},
		{`%{SYSLOGBASE} %{GREEDYDATA:msg}`},
		{`%{IP:ip} %{WORD:w}`},
		{`(?P<a>\d+)-%{DATA:b};`, `(?:%{QS:q})?`},
		{`%{TIMESTAMP_ISO8601:t} %{LOGLEVEL:l} %{URI:u} %{MAC:m} %{UUID:id} %{PATH:p}`},
	}
	factories := make([]Factory, len(patterns))
	for i, m := range patterns {
		fac, err := NewRegex(RegexOptions{Match: m})
		if err != nil {
			f.Fatal(err)
		}
		factories[i] = fac
	}
	f.Add(uint8(0), apacheCombinedLine)
	f.Add(uint8(1), "Oct 11 22:14:15 mymachine sshd[42]: Accepted publickey")
	f.Add(uint8(2), "10.0.0.1 abc")
	f.Add(uint8(3), `12-x;"q"`)
	f.Add(uint8(4), "2024-03-01T12:00:00Z INFO https://u@example.com:8080/a?b=c 01:23:45:67:89:ab 123e4567-e89b-12d3-a456-426614174000 /var/log")
	f.Fuzz(func(t *testing.T, which uint8, line string) {
		p := factories[int(which)%len(factories)].NewParser()
		out, ok, err := p.Parse(line, nil)
		if err != nil {
			var pe *ParseError
			if !asParseError(err, &pe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			// A mismatch is cheap and tied to no position (Offset -1); its detailed form,
			// computed for quarantine reasons and schema tests, must point into the line.
			if pe.Offset < -1 || pe.Offset > len(line) {
				t.Fatalf("error offset %d outside the line of %d bytes", pe.Offset, len(line))
			}
			if d := pe.Detailed(); d.Offset < 0 || d.Offset > len(line) {
				t.Fatalf("detailed error offset %d outside the line of %d bytes: %v", d.Offset, len(line), d)
			} else if !strings.HasPrefix(d.Msg, "expected ") {
				t.Fatalf("detailed error does not say what was expected: %v", d)
			}
			return
		}
		if !ok && line != "" {
			t.Fatal("no event and no error")
		}
		for _, fl := range out {
			if !strings.Contains(line, fl.Value) {
				t.Fatalf("field %q=%q is not part of the line", fl.Name, fl.Value)
			}
		}
	})
}

// FuzzSyslog runs both syslog parsers on arbitrary lines.
func FuzzSyslog(f *testing.F) {
	f.Add(`<165>1 2003-10-11T22:14:15.003Z h app - ID47 [a b="c"] msg`)
	f.Add("<34>Oct 11 22:14:15 mymachine su: 'su root' failed")
	f.Add("Mar 14 09:00:02 --- last message repeated 3 times ---")
	f.Add("2024-03-14T09:00:01.123456+0100 web-1 kernel: x")
	f.Add("<190>Mar 04 2023 09:00:03 fw-1 kernel: x")
	f.Fuzz(func(t *testing.T, line string) {
		for i, fac := range []Factory{NewSyslogRFC5424(), NewSyslogRFC3164(fixedNow)} {
			out, ok, err := fac.NewParser().Parse(line, nil)
			if ok == (err != nil) && line != "" {
				t.Fatalf("ok=%v with err=%v", ok, err)
			}
			if !ok {
				continue
			}
			// RFC 5424 needs the PRI part; RFC 3164 lines without it need a timestamp.
			hasPRI := len(out) >= 3 && out[0].Name == SyslogPriority
			if hasPRI != strings.HasPrefix(line, "<") || i == 0 && !hasPRI {
				t.Fatalf("priority fields %v for line %q", out, line)
			}
			if !hasPRI && (len(out) == 0 || out[0].Name != SyslogTimestamp) {
				t.Fatalf("event without PRI and timestamp: %v", out)
			}
		}
	})
}

func asParseError(err error, target **ParseError) bool {
	pe, ok := err.(*ParseError)
	if ok {
		*target = pe
	}
	return ok
}

// FuzzCSVLayouts parses arbitrary rows with layouts of several column counts, two of them of
// the same count: a row parses exactly when a layout has its column count, and Next offers
// every other layout of that count once, with the same values.
func FuzzCSVLayouts(f *testing.F) {
	f.Add("a,b,c")
	f.Add(`"x,y",z,1,2`)
	f.Add(",,,,")
	layouts := [][]string{{"a", "b", "c"}, {"a", "b", "c", "d"}, {"a", "b", "p", "c"}, {"only"}}
	fac, err := NewCSV(CSVOptions{Layouts: layouts})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, row string) {
		if strings.ContainsAny(row, "\r\n") {
			return
		}
		p := fac.NewParser()
		out, ok, err := p.Parse(row, nil)
		if row == "" {
			return
		}
		if ok == (err != nil) {
			t.Fatalf("ok=%v err=%v", ok, err)
		}
		n := len(splitCSV(nil, row, ','))
		same := 0
		for _, l := range layouts {
			if len(l) == n {
				same++
			}
		}
		if ok != (same > 0) {
			t.Fatalf("%d columns: ok=%v, %d layouts of that count", n, ok, same)
		}
		if !ok {
			return
		}
		values := func(fs []Field) string {
			var vs []string
			for _, f := range fs {
				vs = append(vs, f.Value)
			}
			return strings.Join(vs, "\x00")
		}
		offered := 1
		for {
			next, more := p.(Alternatives).Next(nil)
			if !more {
				break
			}
			offered++
			if values(next) != values(out) {
				t.Fatalf("layout %d has values %q, the first %q", offered, values(next), values(out))
			}
		}
		if offered != same {
			t.Fatalf("%d layouts offered, %d have %d columns", offered, same, n)
		}
	})
}
