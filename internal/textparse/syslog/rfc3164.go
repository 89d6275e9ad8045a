package syslog

import (
	"strconv"
	"strings"
	"time"
)

// ParseRFC3164 parses a BSD syslog line of the form
//
//	<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG
//
// in best-effort mode, which accepts syslog as it is sent and as it lands in files written by
// rsyslog, syslog-ng, journald forwarders and BSD/macOS syslogd:
//
//   - the PRI part may be missing (files hold the lines without it); the line must then
//     start with a timestamp followed by a host name or a tag, and HasPriority is false;
//   - the day may be padded with a space ("Oct  1") or a zero ("Oct 01") or not ("Oct 1"),
//     the seconds may have a fraction, the month is matched without regard to case, and a
//     year may follow the day ("Oct 11 2024 22:14:15", as appliances write);
//   - in place of the BSD timestamp, an RFC 3339 / ISO 8601 one: with or without a fraction
//     and with "Z", an offset "+02:00" or "+0200" (journalctl -o short-iso), or no offset
//     (read as UTC); rsyslog's high-precision file format is this with a fraction;
//   - the BSD timestamp has no year (unless it has one) and no zone: it is read as UTC, in
//     the latest year that puts it no more than one month after now (so a line from December
//     read in January gets the previous year); the day must exist in that year (Feb 29 picks
//     a leap year);
//   - the hostname may be missing: when the first word after the timestamp ends with ":" or
//     has the form name[pid], it is the tag (BSD and appliance style); "---", as in
//     "--- last message repeated 3 times ---", is no hostname either;
//   - the tag may be missing: when the word after the hostname is not followed by ":" or
//     "[pid]", the whole rest is the message;
//   - with a PRI part the line may end after the timestamp, the hostname or the tag.
//
// The tag becomes Appname and the pid ProcID; MsgID is never set.
func ParseRFC3164(line string, now time.Time) (Message, error) {
	var m Message
	pos := 0
	if line != "" && line[0] == '<' {
		pri, n, err := parsePRI("rfc3164", line)
		if err != nil {
			return m, err
		}
		m.setPriority(pri)
		m.HasPriority = true
		pos = n
	}
	var (
		n   int
		err error
	)
	if pos < len(line) && isDigit(line[pos]) {
		m.Timestamp, n, err = parseRFC3339Token(line, pos)
	} else {
		m.Timestamp, n, err = parseBSDTime(line, pos, now)
	}
	if err != nil {
		if !m.HasPriority && pos == 0 {
			if se, ok := err.(*Error); ok && se.Offset == 0 {
				se.Msg += ` (or "<" starting the priority)`
			}
		}
		return m, err
	}
	if !m.HasPriority && m.Timestamp.IsZero() {
		// The zero time means "no timestamp" to callers, and a line without PRI needs one.
		return m, &Error{Format: "rfc3164", Offset: pos, Msg: "expected a timestamp after year 1"}
	}
	pos += n
	if pos == len(line) {
		if !m.HasPriority {
			return m, &Error{Format: "rfc3164", Offset: pos, Msg: "expected a host name or a tag after the timestamp"}
		}
		return m, nil
	}
	if line[pos] != ' ' {
		return m, &Error{Format: "rfc3164", Offset: pos, Msg: "expected a space after the timestamp"}
	}
	rest := line[pos+1:]
	word, after, _ := strings.Cut(rest, " ")
	switch _, _, isTag := cutTag(word); {
	case isTag:
	case word == "---":
		// "--- last message repeated N times ---": no host, no tag.
		m.Message = rest
		return m, nil
	default:
		if !m.HasPriority && !isHostname(word) {
			return m, &Error{Format: "rfc3164", Offset: pos + 1, Msg: "expected a host name or a tag after the timestamp"}
		}
		m.Hostname = word
		rest = after
	}
	m.Appname, m.ProcID, m.Message = splitTag(rest)
	return m, nil
}

// isHostname reports whether word can be a host name, an IPv4 or an IPv6 address: letters,
// digits, '.', '-', '_' and ':' (not at the end).
func isHostname(word string) bool {
	if word == "" || word[len(word)-1] == ':' {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '.' || c == '-' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

// cutTag reports whether word is a tag ("name:", "name[pid]" or
// "name[pid]:") and returns its parts.
func cutTag(word string) (name, pid string, ok bool) {
	i := strings.IndexAny(word, "[:")
	if i <= 0 {
		return "", "", false
	}
	name = word[:i]
	if word[i] == ':' {
		return name, "", i == len(word)-1
	}
	j := strings.IndexByte(word[i:], ']')
	if j < 2 {
		return "", "", false
	}
	pid = word[i+1 : i+j]
	tail := word[i+j+1:]
	return name, pid, tail == "" || tail == ":"
}

// splitTag splits "TAG[PID]: MSG" into its parts. Without a tag, all of s is
// the message.
func splitTag(s string) (app, pid, msg string) {
	word, after, _ := strings.Cut(s, " ")
	app, pid, ok := cutTag(word)
	if !ok {
		return "", "", s
	}
	return app, pid, after
}

var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// parseBSDTime reads "Mmm dd hh:mm:ss[.frac]" at s[pos:] and returns the time
// and its length.
func parseBSDTime(s string, pos int, now time.Time) (time.Time, int, error) {
	fail := func(at int, msg string) (time.Time, int, error) {
		return time.Time{}, 0, &Error{Format: "rfc3164", Offset: at, Msg: msg}
	}
	i := pos
	if len(s)-i < 3 {
		return fail(i, `expected a timestamp "Mmm dd hh:mm:ss"`)
	}
	month := time.Month(0)
	for k, name := range monthNames {
		if strings.EqualFold(s[i:i+3], name) {
			month = time.Month(k + 1)
			break
		}
	}
	if month == 0 {
		return fail(i, `expected a timestamp "Mmm dd hh:mm:ss" starting with a month name`)
	}
	i += 3
	if i == len(s) || s[i] != ' ' {
		return fail(i, "expected a space after the month")
	}
	i++
	if i < len(s) && s[i] == ' ' {
		i++
	}
	dayStart := i
	day, dayLen := readDigits(s, i, 2)
	if dayLen == 0 || day < 1 || day > 31 {
		return fail(i, "expected a day of the month, 1 to 31")
	}
	i += dayLen
	if i == len(s) || s[i] != ' ' {
		return fail(i, "expected a space after the day")
	}
	i++
	year := 0
	if y, n := readDigits(s, i, 4); n == 4 && i+4 < len(s) && s[i+4] == ' ' {
		// A year after the day, as appliances write: "Oct 11 2024 22:14:15".
		year = y
		i += 5
	}
	var hms [3]int
	for k, limit := range [3]int{23, 59, 59} {
		if k > 0 {
			if i == len(s) || s[i] != ':' {
				return fail(i, `expected ":" in the time of day`)
			}
			i++
		}
		v, n := readDigits(s, i, 2)
		if n != 2 || v > limit {
			return fail(i, "expected hh:mm:ss with two digits each")
		}
		hms[k] = v
		i += n
	}
	nsec := 0
	if i < len(s) && s[i] == '.' {
		start := i + 1
		i++
		scale := 100_000_000
		for i < len(s) && isDigit(s[i]) {
			nsec += int(s[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return fail(i, "expected digits after the decimal point of the seconds")
		}
	}
	if day > daysIn(month) {
		return fail(dayStart, "day "+s[dayStart:dayStart+dayLen]+" does not exist in "+month.String())
	}
	if year > 0 {
		t := time.Date(year, month, day, hms[0], hms[1], hms[2], nsec, time.UTC)
		if t.Day() != day {
			return fail(dayStart, "day "+s[dayStart:dayStart+dayLen]+" does not exist in "+month.String()+" "+strconv.Itoa(year))
		}
		return t, i - pos, nil
	}
	t := inferYear(month, day, hms[0], hms[1], hms[2], nsec, now)
	return t, i - pos, nil
}

// daysIn is the largest day of month in any year.
func daysIn(m time.Month) int {
	switch m {
	case time.February:
		return 29
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// inferYear picks the latest year that puts the date no more than one month
// after now and in which the date exists.
func inferYear(month time.Month, day, h, mi, s, ns int, now time.Time) time.Time {
	now = now.UTC()
	limit := now.AddDate(0, 1, 0)
	var t time.Time
	for y := now.Year() + 1; y >= now.Year()-8; y-- {
		t = time.Date(y, month, day, h, mi, s, ns, time.UTC)
		if t.Day() == day && !t.After(limit) {
			return t
		}
	}
	return t
}

// readDigits reads up to limit digits at s[i:].
func readDigits(s string, i, limit int) (v, n int) {
	for n < limit && i+n < len(s) && isDigit(s[i+n]) {
		v = v*10 + int(s[i+n]-'0')
		n++
	}
	return v, n
}

// parseRFC3339Token reads an RFC 3339 / ISO 8601 timestamp that runs to the next space:
// YYYY-MM-DDThh:mm:ss, an optional fraction, and "Z", an offset with or without its colon, or
// nothing (UTC).
func parseRFC3339Token(s string, pos int) (time.Time, int, error) {
	end := strings.IndexByte(s[pos:], ' ')
	if end < 0 {
		end = len(s) - pos
	}
	tok := s[pos : pos+end]
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, tok); err == nil {
			return t, end, nil
		}
	}
	return time.Time{}, 0, &Error{Format: "rfc3164", Offset: pos, Msg: "expected an RFC 3339 timestamp"}
}

// isoLayouts are the forms of RFC 3339 / ISO 8601 timestamps accepted in place of the BSD
// one; Go's parser takes any fraction of the seconds with each of them.
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"}
