package timefmt

import (
	"math"
	"strconv"
	"time"
)

// unixParser parses a decimal number of units since the epoch; exp is the power of ten of
// nanoseconds in one unit (9 for seconds, 6 for milliseconds, 3, 0).
type unixParser struct {
	exp  int
	name string
}

// Parse parses s as a number of the parser's unit since the Unix epoch.
func (p unixParser) Parse(s string) (time.Time, error) {
	if t, ok := parseUnixFast(s, p.exp); ok {
		return t, nil
	}
	d, msg := parseDecimal(s)
	if msg != "" {
		return time.Time{}, newError(s, p.name, msg)
	}
	return d.time(s, p.name, p.exp)
}

// ParseUnix parses s as a decimal number of units since the Unix epoch, 1970-01-01T00:00:00Z.
// unit must be time.Second, time.Millisecond, time.Microsecond or time.Nanosecond.
//
// s may be an integer ("1609459200", "-1"), a decimal ("1609459200.123456") or use an exponent
// ("1.6094592e9"), with an optional sign; surrounding spaces are ignored. The value is read
// exactly, without going through a float64, so "1609459200.123456789" keeps every digit. Digits
// beyond nanoseconds are truncated toward zero.
func ParseUnix(s string, unit time.Duration) (time.Time, error) {
	p := unixParser{exp: 9, name: Unix}
	switch unit {
	case time.Second:
	case time.Millisecond:
		p = unixParser{exp: 6, name: UnixMilli}
	case time.Microsecond:
		p = unixParser{exp: 3, name: UnixMicro}
	case time.Nanosecond:
		p = unixParser{exp: 0, name: UnixNano}
	default:
		return time.Time{}, newError(s, "unix", "unit "+unit.String()+" is not one of 1s, 1ms, 1µs, 1ns")
	}
	return p.Parse(s)
}

// pow10 holds the powers of ten up to 10^18.
var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
	1e14, 1e15, 1e16, 1e17, 1e18}

// parseUnixFast handles the common shapes, an optional '-', integer digits that fit an int64 and an
// optional fraction, for a unit of 10^exp nanoseconds. It reports false for anything else,
// including values out of range, which the general path then parses or explains.
func parseUnixFast(s string, exp int) (time.Time, bool) {
	i := 0
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		i++
	}
	start := i
	var n int64
	for ; i < len(s) && isDigit(s[i]); i++ {
		if n > (math.MaxInt64-9)/10 {
			return time.Time{}, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	if i == start {
		return time.Time{}, false
	}
	// The first exp fraction digits are nanoseconds; the rest are truncated.
	var frac int64
	if i < len(s) && s[i] == '.' {
		i++
		for k := 0; i < len(s) && isDigit(s[i]); i, k = i+1, k+1 {
			if k < exp {
				frac += int64(s[i]-'0') * pow10[exp-1-k]
			}
		}
	}
	if i != len(s) {
		return time.Time{}, false
	}
	perSec := pow10[9-exp]
	sec, nsec := n/perSec, (n%perSec)*pow10[exp]+frac
	if neg {
		sec, nsec = -sec, -nsec
		if nsec < 0 {
			sec--
			nsec += 1e9
		}
	}
	if sec < minUnixSec || sec > maxUnixSec {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}

// decimal is a number read from text without loss: the value is
// sign × 0.<intPart><fracPart> × 10^(len(intPart)+exp), that is, the digits of intPart and
// fracPart with the decimal point after intPart, then shifted by exp places.
type decimal struct {
	neg     bool
	intPart string
	frac    string
	exp     int
	// zero is set when every mantissa digit is zero.
	zero bool
}

// maxExp bounds the exponent; larger exponents are out of range whatever the digits.
const maxExp = 100000

// parseDecimal reads an optionally signed decimal number with optional fraction and exponent.
// It returns a message saying what was expected on error.
func parseDecimal(s string) (decimal, string) {
	var d decimal
	i, end := 0, len(s)
	for i < end && s[i] == ' ' {
		i++
	}
	for end > i && s[end-1] == ' ' {
		end--
	}
	if i == end {
		return d, emptyOr(s)
	}
	if s[i] == '+' || s[i] == '-' {
		d.neg = s[i] == '-'
		i++
	}
	start := i
	for i < end && isDigit(s[i]) {
		i++
	}
	d.intPart = s[start:i]
	if i < end && s[i] == '.' {
		i++
		fs := i
		for i < end && isDigit(s[i]) {
			i++
		}
		d.frac = s[fs:i]
	}
	if d.intPart == "" && d.frac == "" {
		return d, "expected a decimal number (digits, optional fraction and exponent) at offset " + strconv.Itoa(start) + ", found " + found(s, start)
	}
	if i < end && (s[i] == 'e' || s[i] == 'E') {
		i++
		esign := 1
		if i < end && (s[i] == '+' || s[i] == '-') {
			if s[i] == '-' {
				esign = -1
			}
			i++
		}
		es := i
		e := 0
		for i < end && isDigit(s[i]) {
			if e < maxExp {
				e = e*10 + int(s[i]-'0')
			}
			i++
		}
		if i == es {
			return d, "expected exponent digits at offset " + strconv.Itoa(es) + ", found " + found(s, es)
		}
		d.exp = esign * min(e, maxExp)
	}
	if i != end {
		return d, "expected a decimal number (digits, optional fraction and exponent), found " + found(s, i) + " at offset " + strconv.Itoa(i)
	}
	d.zero = true
	for _, str := range [2]string{d.intPart, d.frac} {
		for j := 0; j < len(str); j++ {
			if str[j] != '0' {
				d.zero = false
			}
		}
	}
	return d, ""
}

// emptyOr returns the message for a value that holds no number: "" for the empty value (so the
// error wraps ErrEmpty), else a message about blank text.
func emptyOr(s string) string {
	if s == "" {
		return ErrEmpty.Error()
	}
	return "expected a decimal number, found only spaces"
}

// digit returns the i-th mantissa digit, counting from the first digit of intPart; digits
// outside the mantissa are zero.
func (d *decimal) digit(i int) int64 {
	if i < 0 {
		return 0
	}
	if i < len(d.intPart) {
		return int64(d.intPart[i] - '0')
	}
	i -= len(d.intPart)
	if i < len(d.frac) {
		return int64(d.frac[i] - '0')
	}
	return 0
}

// firstNonZero returns the index of the first non-zero mantissa digit; d must not be zero.
func (d *decimal) firstNonZero() int {
	for i := 0; ; i++ {
		if d.digit(i) != 0 {
			return i
		}
	}
}

// intDigits returns the number of digits of the integer part of the value, after applying the
// exponent and ignoring leading zeros (0 for values below 1).
func (d *decimal) intDigits() int {
	if d.zero {
		return 0
	}
	return max(0, len(d.intPart)+d.exp-d.firstNonZero())
}

// time converts d, a count of units of 10^unitExp nanoseconds, to a time. s and name are for
// error messages.
func (d *decimal) time(s, name string, unitExp int) (time.Time, error) {
	if d.zero {
		return time.Unix(0, 0).UTC(), nil
	}
	// The decimal point of the value in nanoseconds sits after digit p; the seconds are the
	// digits before q.
	p := len(d.intPart) + d.exp + unitExp
	q := p - 9
	var sec int64
	first := d.firstNonZero()
	if q-first > 12 {
		return time.Time{}, newError(s, name, "value out of range: the time is not within the years 0000-9999")
	}
	for i := first; i < q; i++ {
		sec = sec*10 + d.digit(i)
	}
	var nsec int64
	for i := q; i < p; i++ {
		nsec = nsec*10 + d.digit(i)
	}
	if d.neg {
		sec, nsec = -sec, -nsec
		if nsec < 0 {
			sec--
			nsec += 1e9
		}
	}
	if sec < minUnixSec || sec > maxUnixSec {
		return time.Time{}, newError(s, name, "value out of range: the time is not within the years 0000-9999")
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// cloudflareParser parses Cloudflare Logpush timestamps with ParseCloudflare.
type cloudflareParser struct{}

// Parse parses s with ParseCloudflare.
func (cloudflareParser) Parse(s string) (time.Time, error) { return ParseCloudflare(s) }

// ParseCloudflare parses a timestamp as Cloudflare Logpush writes it. The job's
// timestamp_format option gives RFC 3339 text ("rfc3339", "rfc3339ms", "rfc3339ns"), Unix
// seconds ("unix"), Unix milliseconds ("unixms") or Unix nanoseconds ("unixnano", the default).
//
// Text that looks like a date (a '-' after four digits) is parsed with ParseRFC3339. A number is
// read in the unit that puts it between the years 1973 and 5138, by the number of digits of its
// integer part: up to 11 digits are seconds, 12 to 14 milliseconds, 15 to 17 microseconds and 18
// or more nanoseconds. Values before 1973 in a sub-second unit are therefore misread; Logpush
// does not produce them.
func ParseCloudflare(s string) (time.Time, error) {
	if n := len(s); n > 0 && n <= 19 && isDigit(s[0]) && s[0] != '0' && allDigits(s) {
		exp := 9
		switch {
		case n >= 18:
			exp = 0
		case n >= 15:
			exp = 3
		case n >= 12:
			exp = 6
		}
		if t, ok := parseUnixFast(s, exp); ok {
			return t, nil
		}
	}
	if len(s) > 4 && s[4] == '-' {
		t, err := ParseRFC3339(s)
		if err != nil {
			if pe, ok := err.(*ParseError); ok {
				pe.Format = Cloudflare + " (rfc3339)"
			}
		}
		return t, err
	}
	d, msg := parseDecimal(s)
	if msg != "" {
		return time.Time{}, newError(s, Cloudflare, msg+" (expected RFC 3339 text or a Unix number)")
	}
	exp := 9
	switch n := d.intDigits(); {
	case n >= 18:
		exp = 0
	case n >= 15:
		exp = 3
	case n >= 12:
		exp = 6
	}
	return d.time(s, Cloudflare, exp)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
