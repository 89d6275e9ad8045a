package timefmt

import (
	"fmt"
	"strings"
	"time"
)

// op is one step of a compiled strftime pattern.
type op uint8

const (
	opLiteral op = iota // match lit exactly
	opSpace             // skip zero or more white space
	opYear4
	opYear2
	opMonth
	opDay
	opYearDay
	opHour
	opHour12
	opAMPM
	opMinute
	opSecond
	opFraction // width 0: 1 or more digits; else exactly width digits
	opOffset
	opZoneName
	opMonthName
	opWeekdayName
	opWeekday1to7
	opWeekday0to6
	opEpoch
)

// step is one compiled element: an op with its literal text or width, and the directive text
// (such as "%d") for error messages.
type step struct {
	op    op
	width int
	lit   string
	what  string
}

// strftimeParser parses with a compiled strftime pattern.
type strftimeParser struct {
	name    string // the quoted pattern, for errors
	steps   []step
	hasYear bool
	now     func() time.Time
}

// compileStrftime compiles a strftime pattern; now supplies the year for patterns without one.
func compileStrftime(pattern string, now func() time.Time) (*strftimeParser, error) {
	p := &strftimeParser{name: fmt.Sprintf("%q", pattern), now: now}
	directives, err := p.compile(pattern, pattern, 0)
	if err != nil {
		return nil, err
	}
	if directives == 0 {
		return nil, fmt.Errorf("timeFormat %q: not a known format name (rfc3339, unix, unix_ms, unix_us, unix_ns, cloudflare, layout=<Go layout>) and not a strftime pattern: it has no %%-directive such as %%Y or %%H", pattern)
	}
	for _, st := range p.steps {
		if st.op == opYear4 || st.op == opYear2 || st.op == opEpoch {
			p.hasYear = true
		}
	}
	return p, nil
}

// expansions are the composite directives, in the "C" locale.
var expansions = map[byte]string{
	'T': "%H:%M:%S",
	'R': "%H:%M",
	'D': "%m/%d/%y",
	'F': "%Y-%m-%d",
	'c': "%a %b %e %H:%M:%S %Y",
	'x': "%m/%d/%y",
	'X': "%H:%M:%S",
	'r': "%I:%M:%S %p",
}

// simpleOps maps directive letters to ops.
var simpleOps = map[byte]op{
	'Y': opYear4, 'y': opYear2, 'm': opMonth, 'd': opDay, 'e': opDay, 'j': opYearDay,
	'H': opHour, 'k': opHour, 'I': opHour12, 'l': opHour12, 'p': opAMPM, 'P': opAMPM,
	'M': opMinute, 'S': opSecond, 'f': opFraction, 'N': opFraction, 'L': opFraction,
	'z': opOffset, 'Z': opZoneName, 'b': opMonthName, 'h': opMonthName, 'B': opMonthName,
	'a': opWeekdayName, 'A': opWeekdayName, 'u': opWeekday1to7, 'w': opWeekday0to6, 's': opEpoch,
}

// compile appends the steps of pattern (a part of full, starting at byte base of it) and
// returns how many field directives it has.
func (p *strftimeParser) compile(pattern, full string, base int) (int, error) {
	directives := 0
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case isSpace(c):
			for i < len(pattern) && isSpace(pattern[i]) {
				i++
			}
			p.addSpace()
		case c != '%':
			j := i
			for j < len(pattern) && pattern[j] != '%' && !isSpace(pattern[j]) {
				j++
			}
			p.addLiteral(pattern[i:j])
			i = j
		default:
			start := i
			i++
			for i < len(pattern) && strings.IndexByte("-_0^#", pattern[i]) >= 0 {
				i++
			}
			width := 0
			for i < len(pattern) && isDigit(pattern[i]) {
				width = min(width*10+int(pattern[i]-'0'), 100)
				i++
			}
			for i < len(pattern) && (pattern[i] == 'E' || pattern[i] == 'O') {
				i++
			}
			if i >= len(pattern) {
				return 0, fmt.Errorf("timeFormat %q: incomplete directive %q at offset %d: expected a letter after '%%'", full, pattern[start:], base+start)
			}
			d := pattern[i]
			i++
			what := pattern[start:i]
			switch {
			case d == '%':
				p.addLiteral("%")
			case d == 'n' || d == 't':
				p.addSpace()
			case expansions[d] != "":
				n, err := p.compile(expansions[d], full, base+start)
				if err != nil {
					return 0, err
				}
				directives += n
			default:
				o, ok := simpleOps[d]
				if !ok {
					return 0, fmt.Errorf("timeFormat %q: unsupported directive %q at offset %d", full, what, base+start)
				}
				if d == 'L' {
					width = 3
				}
				if o != opFraction {
					width = 0
				} else if width > 9 {
					return 0, fmt.Errorf("timeFormat %q: directive %q at offset %d: fraction width %d is more than 9 digits", full, what, base+start, width)
				}
				p.steps = append(p.steps, step{op: o, width: width, what: what})
				directives++
			}
		}
	}
	return directives, nil
}

func (p *strftimeParser) addSpace() {
	if n := len(p.steps); n > 0 && p.steps[n-1].op == opSpace {
		return
	}
	p.steps = append(p.steps, step{op: opSpace})
}

func (p *strftimeParser) addLiteral(lit string) {
	if n := len(p.steps); n > 0 && p.steps[n-1].op == opLiteral {
		p.steps[n-1].lit += lit
		return
	}
	p.steps = append(p.steps, step{op: opLiteral, lit: lit})
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// fields holds what a pattern read from one value.
type fields struct {
	civil
	yday               int
	hasMonth, hasDay   bool
	hasYday, hasHour12 bool
	pm, hasOffset      bool
	epoch              int64
	hasEpoch           bool
}

// Parse parses s with the pattern.
func (p *strftimeParser) Parse(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, newError(s, p.name, "")
	}
	var f fields
	i := 0
	for k := range p.steps {
		st := &p.steps[k]
		var msg string
		i, msg = p.step(st, s, i, &f)
		if msg != "" {
			return time.Time{}, newError(s, p.name, msg)
		}
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i != len(s) {
		return time.Time{}, errorf(s, p.name, "unexpected text after the timestamp at offset %d: %s", i, found(s, i))
	}
	return p.build(s, &f)
}

// step runs one step at s[i:], storing what it reads in f; it returns the index after the text
// it consumed, or a message on error.
func (p *strftimeParser) step(st *step, s string, i int, f *fields) (int, string) {
	switch st.op {
	case opLiteral:
		if !strings.HasPrefix(s[i:], st.lit) {
			return i, fmt.Sprintf("expected %q at offset %d, found %s", st.lit, i, found(s, i))
		}
		return i + len(st.lit), ""
	case opSpace:
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		return i, ""
	case opFraction:
		start := i
		if st.width > 0 {
			if i+st.width > len(s) {
				return i, fmt.Sprintf("expected %d fraction digits (%s) at offset %d, found %s", st.width, st.what, i, found(s, i))
			}
			for j := i; j < i+st.width; j++ {
				if !isDigit(s[j]) {
					return i, fmt.Sprintf("expected %d fraction digits (%s) at offset %d, found %s", st.width, st.what, i, found(s, i))
				}
			}
			f.nsec, _ = fraction(s[:i+st.width], i)
			return i + st.width, ""
		}
		f.nsec, i = fraction(s, i)
		if i == start {
			return i, fmt.Sprintf("expected fraction digits (%s) at offset %d, found %s", st.what, i, found(s, i))
		}
		return i, ""
	case opAMPM:
		if i+2 <= len(s) && (s[i+1] == 'M' || s[i+1] == 'm') {
			switch s[i] {
			case 'A', 'a':
				f.pm = false
				return i + 2, ""
			case 'P', 'p':
				f.pm = true
				return i + 2, ""
			}
		}
		return i, fmt.Sprintf("expected AM or PM (%s) at offset %d, found %s", st.what, i, found(s, i))
	case opOffset:
		off, next, msg := parseOffset(s, i, false)
		if msg != "" {
			return i, msg + " (" + st.what + ")"
		}
		f.offset, f.hasOffset = off, true
		return next, ""
	case opZoneName:
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			off, next, msg := parseOffset(s, i, false)
			if msg != "" {
				return i, msg + " (" + st.what + ")"
			}
			if !f.hasOffset {
				f.offset = off
			}
			return next, ""
		}
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		if j == i {
			return i, fmt.Sprintf("expected a zone name (%s) at offset %d, found %s", st.what, i, found(s, i))
		}
		return j, ""
	case opMonthName:
		m, next := matchName(s, i, monthNames[:])
		if m < 0 {
			return i, fmt.Sprintf("expected an English month name (%s) at offset %d, found %s", st.what, i, found(s, i))
		}
		f.month, f.hasMonth = m+1, true
		return next, ""
	case opWeekdayName:
		d, next := matchName(s, i, weekdayNames[:])
		if d < 0 {
			return i, fmt.Sprintf("expected an English weekday name (%s) at offset %d, found %s", st.what, i, found(s, i))
		}
		return next, ""
	case opEpoch:
		start := i
		neg := i < len(s) && s[i] == '-'
		if neg {
			i++
		}
		ds := i
		var n int64
		for i < len(s) && isDigit(s[i]) {
			if n > (maxUnixSec+1)*10 {
				return start, fmt.Sprintf("epoch seconds (%s) at offset %d out of range", st.what, start)
			}
			n = n*10 + int64(s[i]-'0')
			i++
		}
		if i == ds {
			return start, fmt.Sprintf("expected epoch seconds (%s) at offset %d, found %s", st.what, start, found(s, start))
		}
		if neg {
			n = -n
		}
		f.epoch, f.hasEpoch = n, true
		return i, ""
	}
	return p.number(st, s, i, f)
}

// numberSpec gives the digits and range of a numeric op, and a name for messages.
type numberSpec struct {
	maxDigits int
	lo, hi    int
	name      string
}

var numberSpecs = [...]numberSpec{
	opYear4:       {4, 0, 9999, "year"},
	opYear2:       {2, 0, 99, "2-digit year"},
	opMonth:       {2, 1, 12, "month"},
	opDay:         {2, 1, 31, "day of month"},
	opYearDay:     {3, 1, 366, "day of year"},
	opHour:        {2, 0, 23, "hour"},
	opHour12:      {2, 1, 12, "hour (1-12)"},
	opMinute:      {2, 0, 59, "minute"},
	opSecond:      {2, 0, 60, "second"},
	opWeekday1to7: {1, 1, 7, "weekday (1-7)"},
	opWeekday0to6: {1, 0, 6, "weekday (0-6)"},
}

// number reads a numeric field: leading spaces, then 1 to maxDigits digits.
func (p *strftimeParser) number(st *step, s string, i int, f *fields) (int, string) {
	spec := numberSpecs[st.op]
	for i < len(s) && s[i] == ' ' {
		i++
	}
	start := i
	n := 0
	for i < len(s) && i-start < spec.maxDigits && isDigit(s[i]) {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == start {
		return i, fmt.Sprintf("expected %s (%s) at offset %d, found %s", spec.name, st.what, i, found(s, i))
	}
	if n < spec.lo || n > spec.hi {
		return start, fmt.Sprintf("%s %d out of range %d-%d (%s at offset %d)", spec.name, n, spec.lo, spec.hi, st.what, start)
	}
	switch st.op {
	case opYear4:
		f.year = n
	case opYear2:
		if n >= 69 {
			f.year = 1900 + n
		} else {
			f.year = 2000 + n
		}
	case opMonth:
		f.month, f.hasMonth = n, true
	case opDay:
		f.day, f.hasDay = n, true
	case opYearDay:
		f.yday, f.hasYday = n, true
	case opHour:
		f.hour = n
	case opHour12:
		f.hour, f.hasHour12 = n, true
	case opMinute:
		f.min = n
	case opSecond:
		f.sec = n
	}
	return i, ""
}

// build turns the fields read from s into a time.
func (p *strftimeParser) build(s string, f *fields) (time.Time, error) {
	if f.hasEpoch {
		if f.epoch < minUnixSec || f.epoch > maxUnixSec {
			return time.Time{}, errorf(s, p.name, "epoch seconds %d out of range: the time is not within the years 0000-9999", f.epoch)
		}
		return time.Unix(f.epoch, int64(f.nsec)).UTC(), nil
	}
	if f.hasHour12 {
		f.hour %= 12
		if f.pm {
			f.hour += 12
		}
	}
	if !f.hasMonth {
		f.month = 1
	}
	if !f.hasDay {
		f.day = 1
	}
	if p.hasYear {
		if msg := f.resolveYearDay(); msg != "" {
			return time.Time{}, newError(s, p.name, msg)
		}
		sec, nsec, msg := f.unix()
		if msg != "" {
			return time.Time{}, newError(s, p.name, msg)
		}
		return time.Unix(sec, int64(nsec)).UTC(), nil
	}
	now := p.now().UTC()
	limit := now.Unix() + 31*86400
	var msg string
	for y := now.Year() + 1; y >= now.Year()-8; y-- {
		f.year = y
		if msg = f.resolveYearDay(); msg != "" {
			continue
		}
		var sec int64
		var nsec int
		sec, nsec, msg = f.unix()
		if msg != "" {
			continue
		}
		if sec <= limit {
			return time.Unix(sec, int64(nsec)).UTC(), nil
		}
		msg = "no year makes the date at most 31 days after now"
	}
	return time.Time{}, newError(s, p.name, msg+" (the pattern has no year; it was taken from the clock)")
}

// resolveYearDay sets month and day from the day of the year, when the pattern read a day of
// the year but neither month nor day.
func (f *fields) resolveYearDay() string {
	if !f.hasYday || f.hasMonth || f.hasDay {
		return ""
	}
	d := f.yday
	for m := 1; m <= 12; m++ {
		if n := daysIn(f.year, m); d > n {
			d -= n
			continue
		}
		f.month, f.day = m, d
		return ""
	}
	return fmt.Sprintf("day of year %d out of range for %d", f.yday, f.year)
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

var monthNames = [...]string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"}

var weekdayNames = [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday"}

// matchName matches, case-insensitively at s[i:], one of the names in full or its first three
// letters. It returns the index of the name and the index after the match, or -1.
func matchName(s string, i int, names []string) (int, int) {
	for k, name := range names {
		if hasPrefixFold(s[i:], name) {
			return k, i + len(name)
		}
	}
	for k, name := range names {
		if hasPrefixFold(s[i:], name[:3]) {
			return k, i + 3
		}
	}
	return -1, i
}

// hasPrefixFold reports whether s begins with the lower-case ASCII word lower, ignoring case.
func hasPrefixFold(s, lower string) bool {
	if len(s) < len(lower) {
		return false
	}
	for j := 0; j < len(lower); j++ {
		if s[j]|0x20 != lower[j] {
			return false
		}
	}
	return true
}
