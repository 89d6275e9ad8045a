package timefmt

import (
	"strconv"
	"time"
)

// rfc3339Parser parses RFC 3339 text with ParseRFC3339.
type rfc3339Parser struct{}

// Parse parses s with ParseRFC3339.
func (rfc3339Parser) Parse(s string) (time.Time, error) { return ParseRFC3339(s) }

// ParseRFC3339 parses an RFC 3339 timestamp, "2006-01-02T15:04:05.999999999Z07:00", and
// returns it in UTC. It is lenient where logs commonly are:
//
//   - the date and time may be separated by 'T', 't' or a space;
//   - the fraction may have any number of digits after '.' (or ','); digits beyond nanoseconds
//     are truncated;
//   - the offset may be 'Z', 'z', "+hh:mm", "+hhmm" or "+hh" (or with '-'), and a value without
//     an offset is read as UTC;
//   - a leap second, "23:59:60Z", is read as 23:59:59.999999999Z;
//   - the hour may have a single digit, as time.Parse allows.
//
// The common shapes ("2006-01-02T15:04:05Z", "2006-01-02T15:04:05.000Z") take a fast path of
// fixed offsets; every other shape is read by a general hand-written parser. Neither calls
// time.Parse, and nothing is allocated unless the value is invalid.
func ParseRFC3339(s string) (time.Time, error) {
	// The fast path: exactly "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.mmmZ", all digits in
	// range. Anything else, including every error, goes through the general path, which
	// produces the precise message.
	if n := len(s); (n == 20 || n == 24) && s[n-1] == 'Z' && s[4] == '-' && s[7] == '-' &&
		s[10] == 'T' && s[13] == ':' && s[16] == ':' {
		y, ok1 := digits4(s, 0)
		mo, ok2 := digits2(s, 5)
		d, ok3 := digits2(s, 8)
		h, ok4 := digits2(s, 11)
		mi, ok5 := digits2(s, 14)
		se, ok6 := digits2(s, 17)
		ns, ok7 := 0, true
		if n == 24 {
			var ms int
			ms, ok7 = digits3(s, 20)
			ok7 = ok7 && s[19] == '.'
			ns = ms * 1e6
		}
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 &&
			mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h <= 23 && mi <= 59 && se <= 59 {
			sec := daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+se)
			return time.Unix(sec, int64(ns)).UTC(), nil
		}
	}
	return parseRFC3339Slow(s)
}

// parseRFC3339Slow parses every shape ParseRFC3339 accepts and explains every error.
func parseRFC3339Slow(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, newError(s, RFC3339, "")
	}
	var c civil
	var ok bool
	if c.year, ok = digits4(s, 0); !ok {
		return time.Time{}, errorf(s, RFC3339, "expected a 4-digit year at offset 0, found %s", found(s, 0))
	}
	if len(s) <= 4 || s[4] != '-' {
		return time.Time{}, errorf(s, RFC3339, "expected '-' after the year at offset 4, found %s", found(s, 4))
	}
	if c.month, ok = digits2(s, 5); !ok {
		return time.Time{}, errorf(s, RFC3339, "expected a 2-digit month at offset 5, found %s", found(s, 5))
	}
	if len(s) <= 7 || s[7] != '-' {
		return time.Time{}, errorf(s, RFC3339, "expected '-' after the month at offset 7, found %s", found(s, 7))
	}
	if c.day, ok = digits2(s, 8); !ok {
		return time.Time{}, errorf(s, RFC3339, "expected a 2-digit day at offset 8, found %s", found(s, 8))
	}
	if len(s) <= 10 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
		return time.Time{}, errorf(s, RFC3339, "expected 'T' or ' ' between date and time at offset 10, found %s", found(s, 10))
	}
	// The hour may have one digit, as time.Parse allows; everything after it shifts by one.
	i := 11
	if c.hour, ok = digits2(s, i); ok {
		i += 2
	} else if i < len(s) && isDigit(s[i]) && (i+1 == len(s) || s[i+1] == ':') {
		c.hour = int(s[i] - '0')
		i++
	} else {
		return time.Time{}, errorf(s, RFC3339, "expected a 2-digit hour at offset 11, found %s", found(s, 11))
	}
	if i >= len(s) || s[i] != ':' {
		return time.Time{}, errorf(s, RFC3339, "expected ':' after the hour at offset %d, found %s", i, found(s, i))
	}
	if c.min, ok = digits2(s, i+1); !ok {
		return time.Time{}, errorf(s, RFC3339, "expected a 2-digit minute at offset %d, found %s", i+1, found(s, i+1))
	}
	i += 3
	if i >= len(s) || s[i] != ':' {
		return time.Time{}, errorf(s, RFC3339, "expected ':' after the minute at offset %d, found %s", i, found(s, i))
	}
	if c.sec, ok = digits2(s, i+1); !ok {
		return time.Time{}, errorf(s, RFC3339, "expected 2-digit seconds at offset %d, found %s", i+1, found(s, i+1))
	}
	i += 3
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		start := i
		c.nsec, i = fraction(s, i)
		if i == start {
			return time.Time{}, errorf(s, RFC3339, "expected fraction digits after '%c' at offset %d, found %s", s[start-1], start, found(s, start))
		}
	}
	if i < len(s) {
		off, next, msg := parseOffset(s, i, true)
		if msg != "" {
			return time.Time{}, newError(s, RFC3339, msg)
		}
		c.offset = off
		i = next
	}
	if i != len(s) {
		return time.Time{}, errorf(s, RFC3339, "unexpected text after the timestamp at offset %d: %s", i, found(s, i))
	}
	sec, nsec, msg := c.unix()
	if msg != "" {
		return time.Time{}, newError(s, RFC3339, msg)
	}
	return time.Unix(sec, int64(nsec)).UTC(), nil
}

// parseOffset reads a zone offset at s[i:]: 'Z', 'z', "+hh:mm", "+hhmm" or "+hh" (or '-'). It
// returns the offset in seconds east of UTC, the index after it, and a message on error. With
// toEnd, the offset must end the value, so that an error can name what follows.
func parseOffset(s string, i int, toEnd bool) (off, next int, msg string) {
	if i >= len(s) {
		return 0, i, "expected a zone offset (Z, +hh:mm, +hhmm or +hh) at offset " + strconv.Itoa(i) + ", found end of value"
	}
	switch s[i] {
	case 'Z', 'z':
		return 0, i + 1, ""
	case '+', '-':
	default:
		return 0, i, "expected a zone offset (Z, +hh:mm, +hhmm or +hh) at offset " + strconv.Itoa(i) + ", found " + found(s, i)
	}
	sign := 1
	if s[i] == '-' {
		sign = -1
	}
	hh, ok := digits2(s, i+1)
	if !ok {
		return 0, i, "expected 2-digit offset hours at offset " + strconv.Itoa(i+1) + ", found " + found(s, i+1)
	}
	j := i + 3
	mm := 0
	switch {
	case j < len(s) && s[j] == ':':
		if mm, ok = digits2(s, j+1); !ok {
			return 0, i, "expected 2-digit offset minutes at offset " + strconv.Itoa(j+1) + ", found " + found(s, j+1)
		}
		j += 3
	case j+1 < len(s) && isDigit(s[j]) && isDigit(s[j+1]):
		mm, _ = digits2(s, j)
		j += 2
	case toEnd && j < len(s):
		return 0, i, "expected offset minutes (:mm or mm) or end of value at offset " + strconv.Itoa(j) + ", found " + found(s, j)
	}
	if hh > 23 {
		return 0, i, "offset hours " + strconv.Itoa(hh) + " out of range"
	}
	if mm > 59 {
		return 0, i, "offset minutes " + strconv.Itoa(mm) + " out of range"
	}
	return sign * (hh*3600 + mm*60), j, ""
}

// fraction reads the digits of a fraction of a second at s[i:] and returns it in nanoseconds,
// truncating digits beyond the ninth, and the index after the last digit.
func fraction(s string, i int) (nsec, next int) {
	scale := 100000000
	for ; i < len(s) && isDigit(s[i]); i++ {
		nsec += int(s[i]-'0') * scale
		scale /= 10
	}
	return nsec, i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// digits2 reads exactly two digits at s[i:].
func digits2(s string, i int) (int, bool) {
	if i < 0 || i+2 > len(s) {
		return 0, false
	}
	a, b := s[i]-'0', s[i+1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int(a)*10 + int(b), true
}

// digits3 reads exactly three digits at s[i:].
func digits3(s string, i int) (int, bool) {
	if i < 0 || i+3 > len(s) {
		return 0, false
	}
	a, b, c := s[i]-'0', s[i+1]-'0', s[i+2]-'0'
	if a > 9 || b > 9 || c > 9 {
		return 0, false
	}
	return int(a)*100 + int(b)*10 + int(c), true
}

// digits4 reads exactly four digits at s[i:].
func digits4(s string, i int) (int, bool) {
	hi, ok1 := digits2(s, i)
	lo, ok2 := digits2(s, i+2)
	return hi*100 + lo, ok1 && ok2
}
