package cron

import (
	"strings"
	"testing"
	"time"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNext(t *testing.T) {
	cases := []struct{ expr, from, want string }{
		{"0 0 * * *", "2024-06-01T10:00:00Z", "2024-06-02T00:00:00Z"},
		{"@daily", "2024-06-01T23:59:59Z", "2024-06-02T00:00:00Z"},
		{"*/15 * * * *", "2024-06-01T10:07:30Z", "2024-06-01T10:15:00Z"},
		{"*/15 * * * *", "2024-06-01T10:45:00Z", "2024-06-01T11:00:00Z"},
		{"10-50/20 * * * *", "2024-06-01T10:31:00Z", "2024-06-01T10:50:00Z"},
		{"30 2 * * MON-FRI", "2024-06-01T00:00:00Z", "2024-06-03T02:30:00Z"}, // June 1st 2024 is a Saturday
		{"0 12 1 * *", "2024-01-31T13:00:00Z", "2024-02-01T12:00:00Z"},
		{"0 0 29 feb *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"0 0 * * 7", "2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z"},  // Sunday as 7
		{"0 0 13 * 5", "2024-06-01T00:00:00Z", "2024-06-07T00:00:00Z"}, // 13th OR Friday
		{"5,35 */6 * * *", "2024-06-01T06:06:00Z", "2024-06-01T06:35:00Z"},
		{"@hourly", "2024-12-31T23:30:00Z", "2025-01-01T00:00:00Z"},
	}
	for _, c := range cases {
		s, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if got := s.Next(ts(c.from)); !got.Equal(ts(c.want)) {
			t.Errorf("%s from %s: got %s, want %s", c.expr, c.from, got.Format(time.RFC3339), c.want)
		}
	}
}

func TestNever(t *testing.T) {
	s, err := Parse("0 0 30 2 *")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(ts("2024-01-01T00:00:00Z")); !got.IsZero() {
		t.Errorf("February 30th fired at %s", got)
	}
}

func TestParseErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"* * * *":      "expected 5 fields",
		"60 * * * *":   `minute field "60": 60 is outside 0-59`,
		"* 5-2 * * *":  "range 5-2 is backwards",
		"*/0 * * * *":  `step "0" is not a positive integer`,
		"* * * foo *":  `month field "foo": "foo" is not a number between 1 and 12`,
		"* * 1,,2 * *": "empty list item",
		"* * * * 8":    "8 is outside 0-7",
	} {
		_, err := Parse(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error containing %q", expr, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0 0 * * *", "*/5 1-3 * JAN-MAR mon,fri", "@weekly", "1,2,3/4 * * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			return
		}
		from := ts("2024-01-01T00:00:00Z")
		if next := s.Next(from); !next.IsZero() && !next.After(from) {
			t.Fatalf("%q: Next(%s) = %s is not after", expr, from, next)
		}
	})
}
