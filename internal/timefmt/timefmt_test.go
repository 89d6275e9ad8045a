package timefmt

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// utc is shorthand for a UTC time in test tables.
func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

// fixedNow is the injected clock of the tests: 2024-03-15T12:00:00Z.
func fixedNow() time.Time { return utc(2024, time.March, 15, 12, 0, 0, 0) }

type parseCase struct {
	format string
	in     string
	want   time.Time
	// err, if set, is a substring the error message must contain.
	err string
}

// runCases parses every case with its format and checks the result or the error.
func runCases(t *testing.T, cases []parseCase, now func() time.Time) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.format+"|"+tc.in, func(t *testing.T) {
			p, err := NewWithNow(tc.format, now)
			if err != nil {
				t.Fatalf("NewWithNow(%q): %v", tc.format, err)
			}
			got, err := p.Parse(tc.in)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want an error containing %q", tc.in, got, tc.err)
				}
				if !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse(%q) error = %q, want it to contain %q", tc.in, err, tc.err)
				}
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse(%q) error %T is not a *ParseError", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("Parse(%q) = %s, want %s", tc.in, got.Format(time.RFC3339Nano), tc.want.Format(time.RFC3339Nano))
			}
			if got.Location() != time.UTC {
				t.Fatalf("Parse(%q) location = %v, want UTC", tc.in, got.Location())
			}
		})
	}
}

func TestRFC3339(t *testing.T) {
	const f = RFC3339
	runCases(t, []parseCase{
		{f, "2021-01-01T00:00:00Z", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{f, "2021-06-15T13:14:15.000Z", utc(2021, 6, 15, 13, 14, 15, 0), ""},
		{f, "2021-06-15T13:14:15.123Z", utc(2021, 6, 15, 13, 14, 15, 123000000), ""},
		{f, "2021-06-30T13:14:15.123Z", utc(2021, 6, 30, 13, 14, 15, 123000000), ""},
		{f, "2021-06-15T13:14:15.1Z", utc(2021, 6, 15, 13, 14, 15, 100000000), ""},
		{f, "2021-06-15T13:14:15.123456Z", utc(2021, 6, 15, 13, 14, 15, 123456000), ""},
		{f, "2021-06-15T13:14:15.123456789Z", utc(2021, 6, 15, 13, 14, 15, 123456789), ""},
		{f, "2021-06-15T13:14:15.1234567891234Z", utc(2021, 6, 15, 13, 14, 15, 123456789), ""},
		{f, "2021-06-15T13:14:15,5Z", utc(2021, 6, 15, 13, 14, 15, 500000000), ""},
		{f, "2021-06-15t13:14:15z", utc(2021, 6, 15, 13, 14, 15, 0), ""},
		{f, "2021-06-15 13:14:15Z", utc(2021, 6, 15, 13, 14, 15, 0), ""},
		{f, "2021-06-15 13:14:15", utc(2021, 6, 15, 13, 14, 15, 0), ""},
		{f, "2021-06-15T13:14:15.5", utc(2021, 6, 15, 13, 14, 15, 500000000), ""},
		{f, "2021-06-15T13:14:15+01:00", utc(2021, 6, 15, 12, 14, 15, 0), ""},
		{f, "2021-06-15T13:14:15+0100", utc(2021, 6, 15, 12, 14, 15, 0), ""},
		{f, "2021-06-15T13:14:15+01", utc(2021, 6, 15, 12, 14, 15, 0), ""},
		{f, "2021-06-15T13:14:15-05:30", utc(2021, 6, 15, 18, 44, 15, 0), ""},
		{f, "2021-06-15T13:14:15.25-00:00", utc(2021, 6, 15, 13, 14, 15, 250000000), ""},
		{f, "2021-01-01T00:30:00+01:00", utc(2020, 12, 31, 23, 30, 0, 0), ""},
		{f, "2021-06-15T13:14:15+23:59", utc(2021, 6, 14, 13, 15, 15, 0), ""},
		{f, "2021-06-15T3:14:15Z", utc(2021, 6, 15, 3, 14, 15, 0), ""},
		{f, "2021-06-15T3:4:15Z", time.Time{}, "expected a 2-digit minute at offset 13"},
		// Leap days.
		{f, "2020-02-29T12:00:00Z", utc(2020, 2, 29, 12, 0, 0, 0), ""},
		{f, "2000-02-29T12:00:00Z", utc(2000, 2, 29, 12, 0, 0, 0), ""},
		{f, "2021-02-29T12:00:00Z", time.Time{}, "day 29 out of range for February 2021"},
		{f, "1900-02-29T12:00:00Z", time.Time{}, "day 29 out of range for February 1900"},
		{f, "2021-04-31T00:00:00Z", time.Time{}, "day 31 out of range for April 2021"},
		// Leap seconds.
		{f, "2016-12-31T23:59:60Z", utc(2016, 12, 31, 23, 59, 59, 999999999), ""},
		{f, "2016-12-31T23:59:60.5Z", utc(2016, 12, 31, 23, 59, 59, 999999999), ""},
		{f, "2017-01-01T08:59:60+09:00", utc(2016, 12, 31, 23, 59, 59, 999999999), ""},
		{f, "1969-12-31T23:59:60Z", utc(1969, 12, 31, 23, 59, 59, 999999999), ""},
		{f, "2016-12-31T12:59:60Z", time.Time{}, "leap second"},
		{f, "2016-12-31T23:59:61Z", time.Time{}, "second 61 out of range"},
		// The epoch, before it, and the ends of the range.
		{f, "1970-01-01T00:00:00Z", time.Unix(0, 0), ""},
		{f, "1969-12-31T23:59:59.5Z", time.Unix(-1, 500000000), ""},
		{f, "1900-01-01T00:00:00Z", utc(1900, 1, 1, 0, 0, 0, 0), ""},
		{f, "0000-01-01T00:00:00Z", utc(0, 1, 1, 0, 0, 0, 0), ""},
		{f, "0001-03-01T00:00:00Z", utc(1, 3, 1, 0, 0, 0, 0), ""},
		{f, "9999-12-31T23:59:59.999999999Z", utc(9999, 12, 31, 23, 59, 59, 999999999), ""},
		{f, "2262-04-12T00:00:00Z", utc(2262, 4, 12, 0, 0, 0, 0), ""},
		{f, "9999-12-31T23:59:59-01:00", time.Time{}, "out of range"},
		{f, "0000-01-01T00:00:00+01:00", time.Time{}, "out of range"},
		// Errors say what was expected and found.
		{f, "", time.Time{}, `parsing "" as rfc3339: empty value`},
		{f, "2021-13-01T00:00:00Z", time.Time{}, `parsing "2021-13-01T00:00:00Z" as rfc3339: month 13 out of range`},
		{f, "2021-00-01T00:00:00Z", time.Time{}, "month 0 out of range"},
		{f, "2021-01-00T00:00:00Z", time.Time{}, "day 0 out of range"},
		{f, "2021-01-32T00:00:00Z", time.Time{}, "day 32 out of range"},
		{f, "2021-01-01T24:00:00Z", time.Time{}, "hour 24 out of range"},
		{f, "2021-01-01T00:60:00Z", time.Time{}, "minute 60 out of range"},
		{f, "2021-1x-01T00:00:00Z", time.Time{}, `expected a 2-digit month at offset 5, found "1x-01T00:00:..."`},
		{f, "2021_01-01T00:00:00Z", time.Time{}, "expected '-' after the year at offset 4"},
		{f, "21-01-01T00:00:00Z", time.Time{}, "expected a 4-digit year at offset 0"},
		{f, "2021-01-01", time.Time{}, "expected 'T' or ' ' between date and time at offset 10, found end of value"},
		{f, "2021-01-01T00:00", time.Time{}, "expected ':' after the minute at offset 16"},
		{f, "2021-01-01T00:00:00.Z", time.Time{}, "expected fraction digits after '.' at offset 20"},
		{f, "2021-01-01T00:00:00Z junk", time.Time{}, `unexpected text after the timestamp at offset 20: " junk"`},
		{f, "2021-01-01T00:00:00+1", time.Time{}, "expected 2-digit offset hours at offset 20"},
		{f, "2021-01-01T00:00:00+01:6", time.Time{}, "expected 2-digit offset minutes"},
		{f, "2021-01-01T00:00:00+010", time.Time{}, "expected offset minutes (:mm or mm) or end of value at offset 22"},
		{f, "2021-01-01T00:00:00+24:00", time.Time{}, "offset hours 24 out of range"},
		{f, "2021-01-01T00:00:00+01:60", time.Time{}, "offset minutes 60 out of range"},
		{f, "2021-01-01T00:00:00UTC", time.Time{}, "expected a zone offset"},
		{f, "garbage", time.Time{}, "expected a 4-digit year at offset 0"},
		{f, "１９７０-01-01T00:00:00Z", time.Time{}, "expected a 4-digit year"},
	}, fixedNow)
}

// TestRFC3339MatchesTimeParse checks the hand-written parser against time.Parse on values both
// accept.
func TestRFC3339MatchesTimeParse(t *testing.T) {
	for _, s := range []string{
		"2021-01-01T00:00:00Z", "2021-06-15T13:14:15.123Z", "2021-06-15T13:14:15.123456789+05:45",
		"1999-12-31T23:59:59.999-12:00", "2000-02-29T00:00:00Z", "1970-01-01T00:00:00.000000001Z",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-07-20T20:17:40-00:00",
	} {
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("time.Parse(%q): %v", s, err)
		}
		got, err := ParseRFC3339(s)
		if err != nil {
			t.Fatalf("ParseRFC3339(%q): %v", s, err)
		}
		if !got.Equal(want) {
			t.Errorf("ParseRFC3339(%q) = %s, time.Parse gives %s", s, got, want)
		}
	}
}

func TestUnix(t *testing.T) {
	runCases(t, []parseCase{
		{Unix, "1609459200", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{Unix, "1609459200.5", utc(2021, 1, 1, 0, 0, 0, 500000000), ""},
		{Unix, "1609459200.123456", utc(2021, 1, 1, 0, 0, 0, 123456000), ""},
		{Unix, "1609459200.123456789", utc(2021, 1, 1, 0, 0, 0, 123456789), ""},
		{Unix, "1609459200.1234567899", utc(2021, 1, 1, 0, 0, 0, 123456789), ""},
		{Unix, "1.6094592e9", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{Unix, "16094592E2", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{Unix, "1.6094592000000001E+9", utc(2021, 1, 1, 0, 0, 0, 100), ""},
		{Unix, "160945920000e-2", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{Unix, "+5", time.Unix(5, 0), ""},
		{Unix, " 42 ", time.Unix(42, 0), ""},
		{Unix, ".5", time.Unix(0, 500000000), ""},
		{Unix, "5.", time.Unix(5, 0), ""},
		{Unix, "1e-9", time.Unix(0, 1), ""},
		{Unix, "1e-10", time.Unix(0, 0), ""},
		{Unix, "0", time.Unix(0, 0), ""},
		{Unix, "-0", time.Unix(0, 0), ""},
		{Unix, "0.000", time.Unix(0, 0), ""},
		{Unix, "0e99999999999", time.Unix(0, 0), ""},
		{Unix, "1e-99999999999", time.Unix(0, 0), ""},
		{Unix, "0000000000000000000000001609459200", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{Unix, "-1", utc(1969, 12, 31, 23, 59, 59, 0), ""},
		{Unix, "-1.5", utc(1969, 12, 31, 23, 59, 58, 500000000), ""},
		{Unix, "-0.000000001", utc(1969, 12, 31, 23, 59, 59, 999999999), ""},
		{Unix, "253402300799", utc(9999, 12, 31, 23, 59, 59, 0), ""},
		{Unix, "253402300799.999999999", utc(9999, 12, 31, 23, 59, 59, 999999999), ""},
		{Unix, "-62167219200", utc(0, 1, 1, 0, 0, 0, 0), ""},
		{Unix, "253402300800", time.Time{}, "out of range"},
		{Unix, "-62167219201", time.Time{}, "out of range"},
		{Unix, "1e12", time.Time{}, "out of range"},
		{Unix, "99999999999999999999999999999999", time.Time{}, "out of range"},
		{Unix, "1e99999999999", time.Time{}, "out of range"},
		{Unix, "", time.Time{}, `parsing "" as unix: empty value`},
		{Unix, "   ", time.Time{}, "found only spaces"},
		{Unix, "abc", time.Time{}, `parsing "abc" as unix: expected a decimal number (digits, optional fraction and exponent) at offset 0, found "abc"`},
		{Unix, "1.2.3", time.Time{}, `found ".3" at offset 3`},
		{Unix, "1e", time.Time{}, "expected exponent digits at offset 2"},
		{Unix, "--1", time.Time{}, "at offset 1"},
		{Unix, "0x10", time.Time{}, `found "x10"`},
		{Unix, "1,5", time.Time{}, `found ",5"`},
		{Unix, "NaN", time.Time{}, "expected a decimal number"},
		{Unix, "Inf", time.Time{}, "expected a decimal number"},
		{Unix, `"1"`, time.Time{}, "expected a decimal number"},
		{UnixMilli, "1609459200123", utc(2021, 1, 1, 0, 0, 0, 123000000), ""},
		{UnixMilli, "1609459200123.456", utc(2021, 1, 1, 0, 0, 0, 123456000), ""},
		{UnixMilli, "-1", utc(1969, 12, 31, 23, 59, 59, 999000000), ""},
		{UnixMilli, "1.609459200123e12", utc(2021, 1, 1, 0, 0, 0, 123000000), ""},
		{UnixMilli, "x", time.Time{}, `as unix_ms: expected a decimal number`},
		{UnixMicro, "1609459200123456", utc(2021, 1, 1, 0, 0, 0, 123456000), ""},
		{UnixMicro, "1609459200123456.7", utc(2021, 1, 1, 0, 0, 0, 123456700), ""},
		{UnixNano, "1609459200123456789", utc(2021, 1, 1, 0, 0, 0, 123456789), ""},
		{UnixNano, "9223372036854775807", time.Unix(0, 9223372036854775807), ""},
		{UnixNano, "92233720368547758070", utc(4892, 10, 7, 21, 52, 48, 547758070), ""},
		{UnixNano, "-1", time.Unix(0, -1), ""},
		{UnixNano, "1.5", time.Unix(0, 1), ""},
	}, fixedNow)
}

func TestParseUnixUnits(t *testing.T) {
	for _, tc := range []struct {
		unit time.Duration
		want time.Time
	}{
		{time.Second, time.Unix(1500, 0)},
		{time.Millisecond, time.Unix(1, 500000000)},
		{time.Microsecond, time.Unix(0, 1500000)},
		{time.Nanosecond, time.Unix(0, 1500)},
	} {
		got, err := ParseUnix("1500", tc.unit)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseUnix(1500, %s) = %s, %v; want %s", tc.unit, got, err, tc.want)
		}
	}
	if _, err := ParseUnix("1", time.Minute); err == nil || !strings.Contains(err.Error(), "unit 1m0s is not one of") {
		t.Errorf("ParseUnix with unit 1m: error %v, want one naming the unit", err)
	}
}

func TestCloudflare(t *testing.T) {
	const f = Cloudflare
	runCases(t, []parseCase{
		{f, "2021-01-01T00:00:00Z", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{f, "2021-01-01T00:00:00.123456789Z", utc(2021, 1, 1, 0, 0, 0, 123456789), ""},
		{f, "1609459200", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{f, "99999999999", time.Unix(99999999999, 0), ""},
		{f, "100000000000", time.Unix(100000000, 0), ""},
		{f, "1609459200123", utc(2021, 1, 1, 0, 0, 0, 123000000), ""},
		{f, "1609459200123456", utc(2021, 1, 1, 0, 0, 0, 123456000), ""},
		{f, "1609459200123456789", utc(2021, 1, 1, 0, 0, 0, 123456789), ""},
		{f, "1.609459200123456789e18", utc(2021, 1, 1, 0, 0, 0, 123456789), ""},
		{f, "0", time.Unix(0, 0), ""},
		{f, "2021-13-01T00:00:00Z", time.Time{}, "as cloudflare (rfc3339): month 13 out of range"},
		{f, "yesterday", time.Time{}, "expected RFC 3339 text or a Unix number"},
		{f, "", time.Time{}, "empty value"},
	}, fixedNow)
}

func TestLayout(t *testing.T) {
	runCases(t, []parseCase{
		{"layout=2006-01-02 15:04:05", "2021-03-04 05:06:07", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"layout=02/Jan/2006:15:04:05 -0700", "10/Oct/2000:13:55:36 -0700", utc(2000, 10, 10, 20, 55, 36, 0), ""},
		{"layout=2006-01-02T15:04:05.999999999Z07:00", "2021-03-04T05:06:07.5+02:00", utc(2021, 3, 4, 3, 6, 7, 500000000), ""},
		{"layout=Jan _2 15:04:05", "Mar  4 05:06:07", utc(0, 3, 4, 5, 6, 7, 0), ""},
		{"layout=2006-01-02 15:04:05", "2021-13-04 05:06:07", time.Time{}, `as "layout=2006-01-02 15:04:05": month out of range`},
		{"layout=2006-01-02 15:04:05", "2021/03/04 05:06:07", time.Time{}, `expected "-", found "/03/04 05:06:07"`},
		{"layout=2006-01-02", "", time.Time{}, "empty value"},
	}, fixedNow)
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct{ format, err string }{
		{"", "timeFormat is empty"},
		{"iso8601", `timeFormat "iso8601": not a known format name`},
		{"RFC3339", `timeFormat "RFC3339": not a known format name`},
		{"layout=", "the Go layout after \"layout=\" is empty"},
		{"layout=hello", `timeFormat "layout=hello": the Go layout has no time elements`},
		{"%Q", `timeFormat "%Q": unsupported directive "%Q" at offset 0`},
		{"%Y-%m-%d %U", `unsupported directive "%U" at offset 9`},
		{"%Y %", `incomplete directive "%" at offset 3`},
		{"%Y %-", `incomplete directive "%-" at offset 3`},
		{"%H:%M:%S.%12f", `fraction width 12 is more than 9 digits`},
		{"100%%", "has no %-directive"},
		{"%n%t", "has no %-directive"},
	} {
		_, err := New(tc.format)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("New(%q) error = %v, want one containing %q", tc.format, err, tc.err)
		}
	}
}

func TestStrftime(t *testing.T) {
	runCases(t, []parseCase{
		{"%Y-%m-%d %H:%M:%S", "2021-03-04 05:06:07", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S", "2021-3-4 5:6:7", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S", "2021-03-04 05:06:07  ", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S", "2021-03-04    05:06:07", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S", "2021-03-0405:06:07", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y-%m-%dT%H:%M:%S.%f%z", "2021-03-04T05:06:07.123456+0100", utc(2021, 3, 4, 4, 6, 7, 123456000), ""},
		{"%Y-%m-%dT%H:%M:%S.%f%z", "2021-03-04T05:06:07.1-01:30", utc(2021, 3, 4, 6, 36, 7, 100000000), ""},
		{"%Y-%m-%dT%H:%M:%S.%f%z", "2021-03-04T05:06:07.123456789123Z", utc(2021, 3, 4, 5, 6, 7, 123456789), ""},
		{"%Y-%m-%dT%H:%M:%S.%N", "2021-03-04T05:06:07.000000001", utc(2021, 3, 4, 5, 6, 7, 1), ""},
		{"%Y-%m-%dT%H:%M:%S.%3f", "2021-03-04T05:06:07.120", utc(2021, 3, 4, 5, 6, 7, 120000000), ""},
		{"%Y-%m-%dT%H:%M:%S.%3f", "2021-03-04T05:06:07.1204", time.Time{}, `unexpected text after the timestamp at offset 23: "4"`},
		{"%Y-%m-%dT%H:%M:%S.%3f", "2021-03-04T05:06:07.12", time.Time{}, "expected 3 fraction digits (%3f) at offset 20"},
		{"%Y-%m-%d %H:%M:%S.%L", "2021-03-04 05:06:07.123", utc(2021, 3, 4, 5, 6, 7, 123000000), ""},
		{"%Y-%m-%d %H:%M:%S.%L", "2021-03-04 05:06:07.12", time.Time{}, "expected 3 fraction digits (%L)"},
		{"%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700", utc(2000, 10, 10, 20, 55, 36, 0), ""},
		{"%a %b %e %H:%M:%S %Y", "Thu Mar  4 05:06:07 2021", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%c", "Thu Mar  4 05:06:07 2021", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%c", "thursday MARCH 14 05:06:07 2021", utc(2021, 3, 14, 5, 6, 7, 0), ""},
		{"%F %T", "2021-03-04 05:06:07", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%D %R", "03/04/21 05:06", utc(2021, 3, 4, 5, 6, 0, 0), ""},
		{"%x %X", "03/04/69 05:06:07", utc(1969, 3, 4, 5, 6, 7, 0), ""},
		{"%y%m%d%H%M%S", "210304050607", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y%m%d", "20210304", utc(2021, 3, 4, 0, 0, 0, 0), ""},
		{"%y", "68", utc(2068, 1, 1, 0, 0, 0, 0), ""},
		{"%y", "69", utc(1969, 1, 1, 0, 0, 0, 0), ""},
		{"%Y-%m-%d %I:%M:%S %p", "2021-03-04 12:00:00 AM", utc(2021, 3, 4, 0, 0, 0, 0), ""},
		{"%Y-%m-%d %I:%M:%S %p", "2021-03-04 12:00:00 PM", utc(2021, 3, 4, 12, 0, 0, 0), ""},
		{"%Y-%m-%d %I:%M:%S %p", "2021-03-04 01:30:00 pm", utc(2021, 3, 4, 13, 30, 0, 0), ""},
		{"%Y-%m-%d %r", "2021-03-04 11:59:59 PM", utc(2021, 3, 4, 23, 59, 59, 0), ""},
		{"%Y-%m-%d %I:%M:%S %p", "2021-03-04 13:00:00 PM", time.Time{}, "hour (1-12) 13 out of range 1-12 (%I at offset 11)"},
		{"%Y-%m-%d %I:%M:%S %p", "2021-03-04 01:00:00 XM", time.Time{}, `expected AM or PM (%p) at offset 20, found "XM"`},
		{"%Y %j", "2021 060", utc(2021, 3, 1, 0, 0, 0, 0), ""},
		{"%Y %j", "2020 060", utc(2020, 2, 29, 0, 0, 0, 0), ""},
		{"%Y %j", "2020 366", utc(2020, 12, 31, 0, 0, 0, 0), ""},
		{"%Y %j", "2021 366", time.Time{}, "day of year 366 out of range for 2021"},
		{"%Y-%m-%d %H:%M:%S %Z", "2021-03-04 05:06:07 UTC", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S %Z", "2021-03-04 05:06:07 GMT", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S %Z", "2021-03-04 05:06:07 PST", utc(2021, 3, 4, 5, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S %Z", "2021-03-04 05:06:07 +0100", utc(2021, 3, 4, 4, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S %z %Z", "2021-03-04 05:06:07 +0100 CET", utc(2021, 3, 4, 4, 6, 7, 0), ""},
		{"%Y-%m-%d %H:%M:%S %Z", "2021-03-04 05:06:07 123", time.Time{}, "expected a zone name (%Z) at offset 20"},
		{"%Y-%m-%d%n%H", "2021-03-04\t\n10", utc(2021, 3, 4, 10, 0, 0, 0), ""},
		{"%Y%%%m", "2021%03", utc(2021, 3, 1, 0, 0, 0, 0), ""},
		{"%B %d, %Y", "MARCH 04, 2021", utc(2021, 3, 4, 0, 0, 0, 0), ""},
		{"%B %d, %Y", "september 4, 2021", utc(2021, 9, 4, 0, 0, 0, 0), ""},
		{"%B %d, %Y", "Sep 4, 2021", utc(2021, 9, 4, 0, 0, 0, 0), ""},
		{"%B %d, %Y", "May 4, 2021", utc(2021, 5, 4, 0, 0, 0, 0), ""},
		{"%B %d, %Y", "Mai 4, 2021", time.Time{}, `expected an English month name (%B) at offset 0, found "Mai 4, 2021"`},
		{"%A, %d %B %Y", "Thursday, 04 March 2021", utc(2021, 3, 4, 0, 0, 0, 0), ""},
		{"%A, %d %B %Y", "Donnerstag, 04 March 2021", time.Time{}, "expected an English weekday name (%A) at offset 0"},
		{"%u %Y-%m-%d", "4 2021-03-04", utc(2021, 3, 4, 0, 0, 0, 0), ""},
		{"%w %Y-%m-%d", "7 2021-03-04", time.Time{}, "weekday (0-6) 7 out of range 0-6"},
		{"%-d/%-m/%Y %k:%M", "4/3/2021  5:06", utc(2021, 3, 4, 5, 6, 0, 0), ""},
		{"%Ey-%Om-%Od", "21-03-04", utc(2021, 3, 4, 0, 0, 0, 0), ""},
		{"%Y-%m-%d %H:%M:%S", "2016-12-31 23:59:60", utc(2016, 12, 31, 23, 59, 59, 999999999), ""},
		{"%Y-%m-%d %H:%M:%S", "2020-02-29 00:00:00", utc(2020, 2, 29, 0, 0, 0, 0), ""},
		{"%Y-%m-%d %H:%M:%S", "2021-02-29 00:00:00", time.Time{}, `parsing "2021-02-29 00:00:00" as "%Y-%m-%d %H:%M:%S": day 29 out of range for February 2021`},
		{"%Y-%m-%d %H:%M:%S", "2021-13-01 00:00:00", time.Time{}, "month 13 out of range 1-12 (%m at offset 5)"},
		{"%Y-%m-%d %H:%M:%S", "2021-03-04 05:06", time.Time{}, `expected ":" at offset 16, found end of value`},
		{"%Y-%m-%d %H:%M:%S", "2021-03-04 05:06:07 extra", time.Time{}, `unexpected text after the timestamp at offset 20: "extra"`},
		{"%Y-%m-%d %H:%M:%S", "x", time.Time{}, `expected year (%Y) at offset 0, found "x"`},
		{"%Y-%m-%d %H:%M:%S", "", time.Time{}, "empty value"},
		{"%Y-%m-%d %H:%M:%S %z", "2021-03-04 05:06:07 0100", time.Time{}, "expected a zone offset (Z, +hh:mm, +hhmm or +hh) at offset 20, found \"0100\" (%z)"},
		// Epoch seconds.
		{"%s", "1609459200", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{"%s", "-1", utc(1969, 12, 31, 23, 59, 59, 0), ""},
		{"%s.%L", "1609459200.123", utc(2021, 1, 1, 0, 0, 0, 123000000), ""},
		{"%s %z", "1609459200 +0100", utc(2021, 1, 1, 0, 0, 0, 0), ""},
		{"%s", "253402300800", time.Time{}, "epoch seconds 253402300800 out of range"},
		{"%s", "99999999999999999999999", time.Time{}, "epoch seconds (%s) at offset 0 out of range"},
		{"%s", "-", time.Time{}, `expected epoch seconds (%s) at offset 0, found "-"`},
		// Far past and future.
		{"%Y-%m-%d", "0000-01-01", utc(0, 1, 1, 0, 0, 0, 0), ""},
		{"%Y-%m-%d", "9999-12-31", utc(9999, 12, 31, 0, 0, 0, 0), ""},
		{"%Y-%m-%d %H %z", "9999-12-31 23 -0100", time.Time{}, "out of range"},
		{"%Y-%m-%d %z", "9999-12-31 -2359", utc(9999, 12, 31, 23, 59, 0, 0), ""},
	}, fixedNow)
}

// TestStrftimeMissingYear checks the syslog rule for patterns without a year.
func TestStrftimeMissingYear(t *testing.T) {
	const syslog = "%b %e %H:%M:%S"
	for _, tc := range []struct {
		now  time.Time
		in   string
		want time.Time
		err  string
	}{
		{fixedNow(), "Mar 15 11:00:00", utc(2024, 3, 15, 11, 0, 0, 0), ""},
		{fixedNow(), "Jan  5 10:00:00", utc(2024, 1, 5, 10, 0, 0, 0), ""},
		{fixedNow(), "Apr 15 12:00:00", utc(2024, 4, 15, 12, 0, 0, 0), ""},
		{fixedNow(), "Apr 16 12:00:00", utc(2023, 4, 16, 12, 0, 0, 0), ""},
		{fixedNow(), "Dec 31 23:59:59", utc(2023, 12, 31, 23, 59, 59, 0), ""},
		{utc(2024, 1, 2, 0, 0, 0, 0), "Dec 31 23:59:59", utc(2023, 12, 31, 23, 59, 59, 0), ""},
		{utc(2023, 12, 31, 23, 0, 0, 0), "Jan  1 00:00:01", utc(2024, 1, 1, 0, 0, 1, 0), ""},
		{utc(2023, 6, 1, 0, 0, 0, 0), "Feb 29 12:00:00", utc(2020, 2, 29, 12, 0, 0, 0), ""},
		{utc(2024, 3, 1, 0, 0, 0, 0), "Feb 29 12:00:00", utc(2024, 2, 29, 12, 0, 0, 0), ""},
		{utc(2024, 3, 1, 0, 0, 0, 0), "Feb 30 12:00:00", time.Time{}, "day 30 out of range for February"},
		{utc(2024, 3, 1, 0, 0, 0, 0), "Feb 28 12:00:00 2024", time.Time{}, "unexpected text"},
	} {
		now := tc.now
		p, err := NewWithNow(syslog, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("now %s: Parse(%q) = %s, %v; want error containing %q", now, tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("now %s: Parse(%q) = %s, %v; want %s", now, tc.in, got, err, tc.want)
		}
	}
	// Time-only patterns and day-of-year patterns without a year use the same rule.
	p, err := NewWithNow("%H:%M", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Parse("10:30"); err != nil || !got.Equal(utc(2024, 1, 1, 10, 30, 0, 0)) {
		t.Errorf("%%H:%%M: Parse(10:30) = %s, %v; want 2024-01-01T10:30:00Z", got, err)
	}
	p, err = NewWithNow("%j %H", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Parse("366 10"); err != nil || !got.Equal(utc(2020, 12, 31, 10, 0, 0, 0)) {
		t.Errorf("%%j: Parse(366 10) = %s, %v; want 2020-12-31T10:00:00Z", got, err)
	}
}

// TestDefaultClock checks that New uses the wall clock for patterns without a year: the result
// is never more than 31 days ahead of it.
func TestDefaultClock(t *testing.T) {
	p, err := New("%b %d")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	for m := time.January; m <= time.December; m++ {
		got, err := p.Parse(m.String()[:3] + " 15")
		if err != nil {
			t.Fatal(err)
		}
		if limit := before.Add(32 * 24 * time.Hour); got.After(limit) || got.Before(before.AddDate(-1, -1, 0)) {
			t.Errorf("Parse(%s 15) = %s, not within a year before now (%s) plus a month", m, got, before)
		}
	}
}

func TestErrEmpty(t *testing.T) {
	for _, f := range []string{RFC3339, Unix, UnixMilli, UnixMicro, UnixNano, Cloudflare, "layout=2006", "%Y"} {
		p, err := New(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Parse(""); !errors.Is(err, ErrEmpty) {
			t.Errorf("%s: Parse(\"\") error = %v, want ErrEmpty", f, err)
		}
		if _, err := p.Parse("?"); errors.Is(err, ErrEmpty) {
			t.Errorf("%s: Parse(\"?\") error = %v, must not be ErrEmpty", f, err)
		}
	}
}

// TestErrorCopiesValue checks that an error keeps its own copy of the value, since callers pass
// strings that alias buffers they reuse, and that long values are shortened.
func TestErrorCopiesValue(t *testing.T) {
	buf := []byte("2021-13-01T00:00:00Z")
	_, err := ParseRFC3339(string(buf))
	copy(buf, "XXXX")
	if !strings.Contains(err.Error(), `"2021-13-01T00:00:00Z"`) {
		t.Errorf("error %q does not show the original value", err)
	}
	long := strings.Repeat("9", 500)
	_, err = ParseRFC3339(long)
	if n := len(err.Error()); n > 200 {
		t.Errorf("error for a 500-byte value is %d bytes long: %q", n, err)
	}
}

func TestParserFunc(t *testing.T) {
	var p Parser = ParserFunc(ParseRFC3339)
	got, err := p.Parse("2021-01-01T00:00:00Z")
	if err != nil || !got.Equal(utc(2021, 1, 1, 0, 0, 0, 0)) {
		t.Errorf("ParserFunc(ParseRFC3339).Parse = %s, %v", got, err)
	}
}

// TestNoAllocations checks that parsing a valid value does not allocate.
func TestNoAllocations(t *testing.T) {
	for _, tc := range []struct{ format, in string }{
		{RFC3339, "2021-06-15T13:14:15Z"},
		{RFC3339, "2021-06-15T13:14:15.123Z"},
		{RFC3339, "2021-06-15T13:14:15.123456+01:00"},
		{Unix, "1609459200.123456"},
		{UnixMilli, "1609459200123"},
		{Cloudflare, "1609459200123456789"},
		{"%b %e %H:%M:%S", "Jan  5 10:00:00"},
		{"%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700"},
	} {
		p, err := NewWithNow(tc.format, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := p.Parse(tc.in); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Parse(%q) allocates %.0f times", tc.format, tc.in, allocs)
		}
	}
}

func TestDaysFromCivil(t *testing.T) {
	// Every day from year -1 to 10000 against the standard library.
	start := time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := start; d.Year() <= 10000; d = d.AddDate(0, 0, 1) {
		got := daysFromCivil(d.Year(), int(d.Month()), d.Day())
		if want := d.Unix() / 86400; d.Unix() < 0 && d.Unix()%86400 != 0 {
			t.Fatalf("test bug: %s is not at midnight", d)
		} else if got != want {
			t.Fatalf("daysFromCivil(%s) = %d, want %d", d.Format("2006-01-02"), got, want)
		}
	}
}
