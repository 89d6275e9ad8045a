package timefmt

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkResult fails if a successful parse returned a time that is not UTC or not within the
// years 0000-9999.
func checkResult(t *testing.T, what, s string, got time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Fatalf("%s(%q) location = %v, want UTC", what, s, got.Location())
	}
	if y := got.Year(); y < 0 || y > 9999 {
		t.Fatalf("%s(%q) = %s, year out of range", what, s, got)
	}
}

// FuzzRFC3339 checks that the parser does not panic, that its fast path agrees with the general
// path, that it accepts what time.Parse accepts (with the same instant), and that what it
// accepts round-trips through RFC3339Nano.
func FuzzRFC3339(f *testing.F) {
	for _, s := range []string{
		"2021-01-01T00:00:00Z", "2021-06-15T13:14:15.123Z", "2021-06-15 13:14:15.123456+01:00",
		"2016-12-31T23:59:60Z", "2021-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999-00:00", "2021-01-01T00:00:00+0100", "2021-01-01T00:00:00+01",
		"", "2021-01-01", "2021-01-01T00:00:00.Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseRFC3339(s)
		slow, slowErr := parseRFC3339Slow(s)
		if (err == nil) != (slowErr == nil) || !got.Equal(slow) {
			t.Fatalf("ParseRFC3339(%q) = %s, %v but the general path gives %s, %v", s, got, err, slow, slowErr)
		}
		if std, stdErr := time.Parse(time.RFC3339Nano, s); stdErr == nil && std.UTC().Year() >= 0 && std.UTC().Year() <= 9999 {
			if err != nil {
				t.Fatalf("ParseRFC3339(%q): %v, but time.Parse accepts it as %s", s, err, std)
			}
			if !got.Equal(std) {
				t.Fatalf("ParseRFC3339(%q) = %s, time.Parse gives %s", s, got, std)
			}
		}
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("ParseRFC3339(%q) error %T is not a *ParseError", s, err)
			}
			return
		}
		checkResult(t, "ParseRFC3339", s, got)
		text := got.Format(time.RFC3339Nano)
		again, err := ParseRFC3339(text)
		if err != nil || !again.Equal(got) {
			t.Fatalf("round trip of %q: ParseRFC3339(%q) = %s, %v; want %s", s, text, again, err, got)
		}
	})
}

// FuzzRFC3339RoundTrip formats arbitrary instants in arbitrary offsets and parses them back.
func FuzzRFC3339RoundTrip(f *testing.F) {
	f.Add(int64(0), int64(0), int16(0))
	f.Add(int64(1609459200), int64(123456789), int16(60))
	f.Add(int64(-1), int64(999999999), int16(-330))
	f.Add(int64(maxUnixSec), int64(999999999), int16(0))
	f.Fuzz(func(t *testing.T, sec, nsec int64, offMinutes int16) {
		off := int(offMinutes) % (24 * 60)
		tm := time.Unix(sec%(maxUnixSec+1), nsec%1e9).In(time.FixedZone("", off*60))
		if y := tm.Year(); y < 0 || y > 9999 {
			return
		}
		for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02 15:04:05.000000-0700", "2006-01-02T15:04:05.999999999-07"} {
			if layout == "2006-01-02T15:04:05.999999999-07" && off%60 != 0 {
				continue
			}
			text := tm.Format(layout)
			got, err := ParseRFC3339(text)
			want, _ := time.Parse(layout, text)
			if err != nil || !got.Equal(want) {
				t.Fatalf("ParseRFC3339(%q) = %s, %v; want %s", text, got, err, want)
			}
			checkResult(t, "ParseRFC3339", text, got)
		}
	})
}

// onlyNumberChars reports whether s is made only of the characters of a decimal number, so that
// strconv.ParseFloat and the unix parsers should agree on whether it is a number.
func onlyNumberChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789.eE+-", rune(s[i])) {
			return false
		}
	}
	return true
}

// FuzzUnix checks the unix and cloudflare parsers: no panics, agreement with
// strconv.ParseFloat within float precision, and a round trip through exact decimal text.
func FuzzUnix(f *testing.F) {
	for _, s := range []string{"1609459200", "1609459200.123456789", "-1.5", "1.6094592e9", "1e-9",
		".5", "5.", "0e999999", "253402300799", "1e", "--1", "1609459200123456789", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, unit := range []time.Duration{time.Second, time.Millisecond, time.Microsecond, time.Nanosecond} {
			got, err := ParseUnix(s, unit)
			if fl, ferr := strconv.ParseFloat(s, 64); onlyNumberChars(s) && ferr == nil {
				ns := fl * float64(unit)
				if err == nil {
					// float64 keeps about 15.9 significant digits: allow that, plus one unit
					// of truncation at the nanosecond.
					diff := float64(got.UnixNano()) - ns
					if ns > -9e18 && ns < 9e18 && (diff > 1e-15*max(ns, -ns)+2 || diff < -(1e-15*max(ns, -ns)+2)) {
						t.Fatalf("ParseUnix(%q, %s) = %d ns, ParseFloat gives %g ns", s, unit, got.UnixNano(), ns)
					}
				} else if ns > -6e19 && ns < 2.5e20 && !strings.Contains(err.Error(), "out of range") {
					t.Fatalf("ParseUnix(%q, %s): %v, but ParseFloat reads %g", s, unit, err, fl)
				}
			}
			if err != nil {
				continue
			}
			checkResult(t, "ParseUnix", s, got)
			sign, abs := exactDecimal(got)
			text := sign + abs[:len(abs)-9] + "." + abs[len(abs)-9:]
			again, err := ParseUnix(text, time.Second)
			if err != nil || !again.Equal(got) {
				t.Fatalf("round trip of %q: ParseUnix(%q) = %s, %v; want %s", s, text, again, err, got)
			}
		}
		for exp := 0; exp <= 9; exp += 3 {
			if fast, ok := parseUnixFast(s, exp); ok {
				d, msg := parseDecimal(s)
				if msg != "" {
					t.Fatalf("parseUnixFast(%q, %d) = %s, but the general path fails: %s", s, exp, fast, msg)
				}
				slow, err := d.time(s, "test", exp)
				if err != nil || !slow.Equal(fast) {
					t.Fatalf("parseUnixFast(%q, %d) = %s, but the general path gives %s, %v", s, exp, fast, slow, err)
				}
			}
		}
		if got, err := ParseCloudflare(s); err == nil {
			checkResult(t, "ParseCloudflare", s, got)
		}
	})
}

// exactDecimal writes tm as a sign and the digits of its absolute number of nanoseconds since
// the epoch, at least ten digits long, so that the decimal point can be placed for any unit.
func exactDecimal(tm time.Time) (sign, abs string) {
	s, ns := tm.Unix(), int64(tm.Nanosecond())
	if s < 0 {
		sign = "-"
		if ns > 0 {
			s, ns = s+1, 1e9-ns
		}
	}
	return sign, strconv.FormatInt(max(s, -s), 10) + strconv.FormatInt(1e9+ns, 10)[1:]
}

// FuzzUnixRoundTrip formats arbitrary instants as exact decimal text in every unit and parses
// them back.
func FuzzUnixRoundTrip(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(1609459200), int64(123456789))
	f.Add(int64(-1), int64(1))
	f.Add(int64(minUnixSec), int64(0))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		tm := time.Unix(sec%(maxUnixSec+1), nsec%1e9).UTC()
		if y := tm.Year(); y < 0 || y > 9999 {
			return
		}
		sign, abs := exactDecimal(tm)
		for _, u := range []struct {
			unit  time.Duration
			point int
		}{{time.Second, 9}, {time.Millisecond, 6}, {time.Microsecond, 3}, {time.Nanosecond, 0}} {
			text := sign + abs[:len(abs)-u.point] + "." + abs[len(abs)-u.point:]
			got, err := ParseUnix(text, u.unit)
			if err != nil || !got.Equal(tm) {
				t.Fatalf("ParseUnix(%q, %s) = %s, %v; want %s", text, u.unit, got, err, tm)
			}
			exp := sign + abs + "e-" + strconv.Itoa(u.point)
			if got, err := ParseUnix(exp, u.unit); err != nil || !got.Equal(tm) {
				t.Fatalf("ParseUnix(%q, %s) = %s, %v; want %s", exp, u.unit, got, err, tm)
			}
		}
	})
}

// FuzzStrftime compiles arbitrary patterns and parses arbitrary values: no panics, and
// successful results are UTC and in range.
func FuzzStrftime(f *testing.F) {
	for _, c := range [][2]string{
		{"%Y-%m-%d %H:%M:%S", "2021-03-04 05:06:07"},
		{"%b %e %H:%M:%S", "Jan  5 10:00:00"},
		{"%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700"},
		{"%c", "Thu Mar  4 05:06:07 2021"},
		{"%s.%3f", "1609459200.123"},
		{"%Y %j %I %p %Z", "2021 366 12 PM PST"},
		{"%-d%%%n%E", "4%"},
	} {
		f.Add(c[0], c[1])
	}
	now := fixedNow
	f.Fuzz(func(t *testing.T, pattern, value string) {
		p, err := NewWithNow(pattern, now)
		if err != nil {
			return
		}
		got, err := p.Parse(value)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("Parse(%q) with %q: error %T is not a *ParseError", value, pattern, err)
			}
			return
		}
		checkResult(t, "Parse with "+pattern, value, got)
	})
}

// FuzzStrftimeRoundTrip formats arbitrary instants with Go layouts and parses them back with the
// equivalent strftime patterns.
func FuzzStrftimeRoundTrip(f *testing.F) {
	f.Add(int64(0), uint32(0), int16(0))
	f.Add(int64(1609459200), uint32(123456789), int16(-420))
	f.Add(int64(951782400), uint32(1), int16(345))
	f.Fuzz(func(t *testing.T, sec int64, nsec uint32, offMinutes int16) {
		off := int(offMinutes) % (24 * 60)
		tm := time.Unix(sec%(maxUnixSec+1), int64(nsec%1e9)).In(time.FixedZone("", off*60))
		if y := tm.Year(); y < 1000 || y > 9999 {
			return
		}
		for _, c := range []struct {
			pattern, layout string
			precision       time.Duration
		}{
			{"%Y-%m-%dT%H:%M:%S.%f%z", "2006-01-02T15:04:05.000000000-0700", time.Nanosecond},
			{"%Y-%m-%dT%H:%M:%S.%L%z", "2006-01-02T15:04:05.000-07:00", time.Millisecond},
			{"%d/%b/%Y:%H:%M:%S %z", "02/Jan/2006:15:04:05 -0700", time.Second},
			{"%A, %d %B %Y %I:%M:%S %p %z", "Monday, 02 January 2006 03:04:05 PM -0700", time.Second},
			{"%a %b %e %H:%M:%S %z %Y", "Mon Jan _2 15:04:05 -0700 2006", time.Second},
			{"%Y %j %H:%M:%S.%6f %z", "2006 002 15:04:05.000000 -0700", time.Microsecond},
			{"%F %T %Z", "2006-01-02 15:04:05 -0700", time.Second},
		} {
			p, err := New(c.pattern)
			if err != nil {
				t.Fatal(err)
			}
			text := tm.Format(c.layout)
			got, err := p.Parse(text)
			want := tm.Truncate(c.precision).UTC()
			if err != nil || !got.Equal(want) {
				t.Fatalf("Parse(%q) with %q = %s, %v; want %s", text, c.pattern, got, err, want)
			}
		}
		p, _ := New("%s")
		text := strconv.FormatInt(tm.Unix(), 10)
		if got, err := p.Parse(text); err != nil || !got.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("Parse(%q) with %%s = %s, %v; want %s", text, got, err, tm.Truncate(time.Second))
		}
	})
}
