// Package cron parses cron expressions and computes when they fire.
//
// The format is the standard five fields, in UTC:
//
//	minute hour day-of-month month day-of-week
//
// Each field is *, a value, a range a-b, a list of those separated by commas, and any of them
// with a step /n (*/15, 10-50/20). Months and days of the week also take their English
// three-letter names (JAN-DEC, SUN-SAT, case-insensitive); day of week 0 and 7 are Sunday. As in
// Vixie cron, when both day of month and day of week are restricted (neither is *), a day
// matches if either does. The macros @yearly (@annually), @monthly, @weekly, @daily (@midnight)
// and @hourly are accepted.
package cron

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed cron expression.
type Schedule struct {
	text             string
	minute, hour     uint64
	dom, month, dow  uint64
	domStar, dowStar bool
}

type fieldSpec struct {
	name     string
	min, max int
	names    []string // names[i] is the value min+i
}

var fields = []fieldSpec{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{name: "day of week", min: 0, max: 7, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

var macros = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// Parse parses a cron expression; the error names the field and what was expected.
func Parse(expr string) (*Schedule, error) {
	text := strings.TrimSpace(expr)
	if m, ok := macros[strings.ToLower(text)]; ok {
		text = m
	}
	parts := strings.Fields(text)
	if len(parts) != 5 {
		return nil, fmt.Errorf("cron expression %q: expected 5 fields (minute hour day-of-month month day-of-week), got %d", expr, len(parts))
	}
	s := &Schedule{text: strings.TrimSpace(expr)}
	dst := []*uint64{&s.minute, &s.hour, &s.dom, &s.month, &s.dow}
	for i, p := range parts {
		bitsSet, err := parseField(p, fields[i])
		if err != nil {
			return nil, fmt.Errorf("cron expression %q: %s field %q: %w", expr, fields[i].name, p, err)
		}
		*dst[i] = bitsSet
	}
	if s.dow&(1<<7) != 0 { // 7 is Sunday too
		s.dow |= 1
		s.dow &^= 1 << 7
	}
	s.domStar = parts[2] == "*" || strings.HasPrefix(parts[2], "*/")
	s.dowStar = parts[4] == "*" || strings.HasPrefix(parts[4], "*/")
	return s, nil
}

func parseField(p string, f fieldSpec) (uint64, error) {
	var out uint64
	for _, item := range strings.Split(p, ",") {
		if item == "" {
			return 0, fmt.Errorf("empty list item")
		}
		rng, step := item, 1
		if i := strings.IndexByte(item, '/'); i >= 0 {
			n, err := strconv.Atoi(item[i+1:])
			if err != nil || n < 1 {
				return 0, fmt.Errorf("step %q is not a positive integer", item[i+1:])
			}
			rng, step = item[:i], n
		}
		lo, hi := f.min, f.max
		if f.name == "day of week" {
			hi = 6
		}
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = value(a, f); err != nil {
				return 0, err
			}
			if hi, err = value(b, f); err != nil {
				return 0, err
			}
			if hi < lo {
				return 0, fmt.Errorf("range %s is backwards", rng)
			}
		default:
			v, err := value(rng, f)
			if err != nil {
				return 0, err
			}
			lo, hi = v, v
			if step > 1 {
				hi = f.max
			}
		}
		for v := lo; v <= hi; v += step {
			out |= 1 << uint(v)
		}
	}
	return out, nil
}

func value(s string, f fieldSpec) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number between %d and %d", s, f.min, f.max)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%d is outside %d-%d", v, f.min, f.max)
	}
	return v, nil
}

// String returns the expression as given.
func (s *Schedule) String() string { return s.text }

func has(set uint64, v int) bool { return set&(1<<uint(v)) != 0 }

func (s *Schedule) dayMatches(t time.Time) bool {
	dom, dow := has(s.dom, t.Day()), has(s.dow, int(t.Weekday()))
	switch {
	case s.domStar && s.dowStar:
		return true
	case s.domStar:
		return dow
	case s.dowStar:
		return dom
	}
	return dom || dow
}

// Next returns the first time after t (in UTC, to the minute) at which the schedule fires, or
// the zero time when it never does within five years (February 30th).
func (s *Schedule) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		if !has(s.month, int(t.Month())) {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !s.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !has(s.hour, t.Hour()) {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, time.UTC)
			continue
		}
		if !has(s.minute, t.Minute()) {
			// Jump to the next minute set in this hour, or to the next hour.
			rest := s.minute >> uint(t.Minute()+1)
			if rest == 0 {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, time.UTC)
				continue
			}
			t = t.Add(time.Duration(bits.TrailingZeros64(rest)+1) * time.Minute)
			continue
		}
		return t
	}
	return time.Time{}
}
