package logtypes

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/timefmt"
)

// Juniper WebApp Secure (formerly Mykonos) logs: syslog-style text lines that start with
// "Mmm dd hh:mm:ss hostname " (a UTC time without a year) followed by a format of its own for
// each log file: access.log, audit, the iptables firewall log, mws.log, postgres and the
// security alerts. The year is inferred from the injected clock Now, so that a line read in
// early January and dated December belongs to the previous year. The native parsers turn the
// time into RFC 3339 text, which the schemas read with timeFormat rfc3339.
// https://www.juniper.net/documentation/en_US/webapp5.6/topics/reference/w-a-s-log-format.html

// juniperFormat parses the part of a line after the hostname into r. It returns an error that
// says what was expected, with offsets relative to rest.
type juniperFormat func(r *lineFields, rest string) error

var juniperFormats = map[string]juniperFormat{
	"Juniper.Access":   parseJuniperAccess,
	"Juniper.Audit":    parseJuniperAudit,
	"Juniper.Firewall": parseJuniperFirewall,
	"Juniper.MWS":      parseJuniperMWS,
	"Juniper.Postgres": parseJuniperPostgres,
	"Juniper.Security": parseJuniperSecurity,
}

func init() {
	for name, f := range juniperFormats {
		natives[name] = newJuniperParser(name, f)
	}
}

// juniperStampFormat reads the timestamp of a line; the year comes from the clock.
const juniperStampFormat = "%b %e %H:%M:%S"

func newJuniperParser(name string, f juniperFormat) func(lt *logschema.LogType) (func() Parser, error) {
	return func(lt *logschema.LogType) (func() Parser, error) {
		stamp, err := timefmt.NewWithNow(juniperStampFormat, func() time.Time { return Now() })
		if err != nil {
			return nil, err
		}
		root := lt.Root
		kind := strings.ToLower(strings.Replace(name, ".", " ", 1))
		// Access log events span several lines, joined by the schema's multiline rule: the
		// first matches the access format, the HTTP headers and body of the request or
		// response follow, kept in http_message.
		multiline := name == "Juniper.Access"
		return func() Parser {
			return &juniperParser{root: root, kind: kind, format: f, stamp: stamp, multiline: multiline}
		}, nil
	}
}

// juniperParser parses the lines of one file as one Juniper log type.
type juniperParser struct {
	root   *logschema.Type
	kind   string // for messages, e.g. "juniper access"
	format juniperFormat
	stamp  timefmt.Parser
	// multiline is set for Juniper.Access, whose records hold the lines after the first one
	// (the HTTP message): they go to the http_message field.
	multiline bool
	rec       lineFields
	// err is the error of the last rejected line, reused: most lines a Juniper parser sees
	// with every type enabled are not its own, and rejecting them allocates nothing.
	err juniperError
}

// fail returns the parser's error, set to say what was expected at offset off of line.
func (p *juniperParser) fail(line string, off int, what string) error {
	p.err = juniperError{kind: p.kind, offset: off, what: what, line: line}
	return &p.err
}

// Parse parses a line; its error is valid until the next call.
func (p *juniperParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	line := unsafeString(rec.Data)
	var message string
	if first, more, ok := strings.Cut(line, "\n"); ok {
		if !p.multiline {
			return event.Value{}, false, p.fail(line, len(first), "one line")
		}
		line, message = first, more
	}
	n := juniperStampLen(line)
	if n == 0 {
		return event.Value{}, false, p.fail(line, 0, `a timestamp "Mmm dd hh:mm:ss" (e.g. "Mar 19 18:49:32") at the start of the line`)
	}
	if n >= len(line) || line[n] != ' ' {
		return event.Value{}, false, p.fail(line, n, "a space and the hostname after the timestamp")
	}
	hostStart := n + 1
	end := strings.IndexByte(line[hostStart:], ' ')
	if end <= 0 {
		return event.Value{}, false, p.fail(line, hostStart, "the hostname followed by a space and the message")
	}
	restOffset := hostStart + end + 1
	r := &p.rec
	r.reset()
	r.add("hostname", line[hostStart:hostStart+end])
	// The format first: it rejects the lines of the other formats, the time is parsed after.
	if err := p.format(r, line[restOffset:]); err != nil {
		var pe *juniperError
		if errors.As(err, &pe) {
			p.err = *pe
			p.err.kind, p.err.offset, p.err.line = p.kind, restOffset+pe.offset, line
			return event.Value{}, false, &p.err
		}
		return event.Value{}, false, fmt.Errorf("%s: %w", p.kind, err)
	}
	tm, err := p.stamp.Parse(line[:n])
	if err != nil {
		return event.Value{}, false, fmt.Errorf("%s: timestamp at offset 0: %w", p.kind, err)
	}
	r.addTime("timestamp", tm)
	if message != "" {
		r.add("http_message", message)
	}
	v, err := d.Fields(p.root, r.done())
	if err != nil {
		return event.Value{}, false, fmt.Errorf("%s: %w", p.kind, err)
	}
	return v, true, nil
}

// juniperError is a format error at an offset of the line, formatted only when read.
type juniperError struct {
	kind   string // the parser's, as a prefix; empty inside the format functions
	offset int
	what   string // what was expected there
	line   string // the text the offset is in, for the "got" part (it may alias the record)
	msg    string // a full message instead of what
}

func (e *juniperError) Error() string {
	var b strings.Builder
	if e.kind != "" {
		b.WriteString(e.kind)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "at offset %d: ", e.offset)
	if e.msg != "" {
		b.WriteString(e.msg)
		return b.String()
	}
	b.WriteString("expected ")
	b.WriteString(e.what)
	if e.what == "one line" || strings.Contains(e.what, "at the start of the line") {
		return b.String()
	}
	b.WriteString(", got ")
	if e.offset < len(e.line) {
		b.WriteString(shortQuote(e.line[e.offset:]))
	} else {
		b.WriteString("the end of the line")
	}
	return b.String()
}

// Progress is the offset, for the closeness of quarantine reasons.
func (e *juniperError) Progress() int { return e.offset }

// expectedAt returns a juniperError saying what was expected at offset off of s.
func expectedAt(s string, off int, what string) error {
	return &juniperError{offset: off, what: what, line: s}
}

var juniperMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// juniperStampLen returns the length of the "Mmm dd hh:mm:ss" timestamp at the start of line
// (the day may be one digit, or padded with a space), or 0 if there is none.
func juniperStampLen(line string) int {
	if len(line) < 4 {
		return 0
	}
	month := false
	for _, m := range juniperMonths {
		if line[:3] == m {
			month = true
			break
		}
	}
	if !month || line[3] != ' ' {
		return 0
	}
	i := 4
	if i < len(line) && line[i] == ' ' {
		i++
	}
	digits := 0
	for i < len(line) && digits < 2 && line[i] >= '0' && line[i] <= '9' {
		i++
		digits++
	}
	if digits == 0 {
		return 0
	}
	const clock = " dd:dd:dd"
	if len(line)-i < len(clock) {
		return 0
	}
	for k := 0; k < len(clock); k++ {
		c := line[i+k]
		if clock[k] == 'd' {
			if c < '0' || c > '9' {
				return 0
			}
		} else if c != clock[k] {
			return 0
		}
	}
	return i + len(clock)
}

// cutBracket reads "[content]" at the start of s and returns content and what follows.
func cutBracket(s string) (content, after string, ok bool) {
	if s == "" || s[0] != '[' {
		return "", s, false
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", s, false
	}
	return s[1:end], s[end+1:], true
}

// juniperLevels are the documented log levels.
var juniperLevels = map[string]bool{"TRACE": true, "DEBUG": true, "INFO": true, "WARN": true, "ERROR": true}

const juniperLevelList = "TRACE, DEBUG, INFO, WARN or ERROR"

// parseJuniperAccess reads the first line of an access log event:
// [LEVEL][mws-access][thread] key:KEY, PHASE_REQUEST_PRE_PROCESS, CLIENT_IP, URL
func parseJuniperAccess(r *lineFields, rest string) error {
	s := rest
	level, s, ok := cutBracket(s)
	if !ok || !juniperLevels[level] {
		return expectedAt(rest, 0, "the log level in brackets ("+juniperLevelList+")")
	}
	if !strings.HasPrefix(s, "[mws-access]") {
		return expectedAt(rest, len(rest)-len(s), `"[mws-access]"`)
	}
	s = s[len("[mws-access]"):]
	thread, s, ok := cutBracket(s)
	if !ok || thread == "" {
		return expectedAt(rest, len(rest)-len(s), "the thread name in brackets")
	}
	s = strings.TrimLeft(s, " \t")
	if !strings.HasPrefix(s, "key:") {
		return expectedAt(rest, len(rest)-len(s), `"key:" and the request key`)
	}
	s = s[len("key:"):]
	parts := [4]string{}
	offsets := [4]int{}
	for i := 0; i < 3; i++ {
		c := strings.IndexByte(s, ',')
		if c < 0 {
			return expectedAt(rest, len(rest), "4 comma-separated values: key, phase, client IP and URL")
		}
		offsets[i] = len(rest) - len(s)
		parts[i], s = strings.TrimSpace(s[:c]), s[c+1:]
	}
	offsets[3] = len(rest) - len(s)
	parts[3] = strings.TrimSpace(s)
	for i, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t") {
			names := [4]string{"the request key", "the phase", "the client IP", "the URL"}
			return expectedAt(rest, offsets[i], names[i]+" without spaces")
		}
	}
	phase, ok := strings.CutPrefix(parts[1], "PHASE_")
	if ok {
		phase, ok = strings.CutSuffix(phase, "_PROCESS")
	}
	packet, stage, ok2 := strings.Cut(phase, "_")
	if !ok || !ok2 || (packet != "REQUEST" && packet != "RESPONSE") || (stage != "PRE" && stage != "POST") {
		return expectedAt(rest, offsets[1], "PHASE_REQUEST or PHASE_RESPONSE, then _PRE_PROCESS or _POST_PROCESS")
	}
	r.add("log_level", level)
	r.add("thread", thread)
	r.add("unique_request_key", parts[0])
	r.add("type", packet)
	r.add("stage", stage)
	r.add("proxy_client_ip", parts[2])
	r.add("url", parts[3])
	return nil
}

// parseJuniperAudit reads an audit log line:
// [mws-audit][LEVEL] [user or API key] [login IP] message. The user or API key and the login
// IP are optional; a 32-digit hexadecimal value is an API key, anything else a user name.
func parseJuniperAudit(r *lineFields, rest string) error {
	if !strings.HasPrefix(rest, "[mws-audit]") {
		return expectedAt(rest, 0, `"[mws-audit]"`)
	}
	s := rest[len("[mws-audit]"):]
	level, s, ok := cutBracket(s)
	if !ok || !juniperLevels[level] {
		return expectedAt(rest, len("[mws-audit]"), "the log level in brackets ("+juniperLevelList+")")
	}
	r.add("log_level", level)
	s = strings.TrimLeft(s, " ")
	var who, ip string
	hasIP := false
	if c, after, ok := cutBracket(s); ok {
		who, s = c, strings.TrimLeft(after, " ")
		if c2, after2, ok := cutBracket(s); ok {
			ip, hasIP, s = c2, true, after2
		}
	}
	message := strings.TrimSpace(s)
	if message == "" {
		return expectedAt(rest, len(rest), "a message")
	}
	switch {
	case hasIP:
		r.add("username", who)
		r.add("login_ip", ip)
	case isAPIKey(who):
		r.add("api_key", who)
	default:
		r.add("username", who)
	}
	r.add("message", message)
	return nil
}

// isAPIKey reports whether v looks like a WebApp Secure API key: 32 lower-case hex digits.
func isAPIKey(v string) bool {
	if len(v) != 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// juniperFirewallKeys maps the iptables LOG keys to their kind: true for the flags that appear
// without a value (SYN), false for KEY=VALUE pairs.
var juniperFirewallKeys = map[string]bool{
	"IN": false, "OUT": false, "MAC": false, "SRC": false, "DST": false, "LEN": false,
	"TOS": false, "PREC": false, "TTL": false, "ID": false, "PROTO": false, "SPT": false,
	"DPT": false, "WINDOW": false, "RES": false, "URGP": false, "TYPE": false, "CODE": false,
	"DF": true, "CE": true, "MF": true, "SYN": true, "ACK": true, "FIN": true, "RST": true,
	"PSH": true, "URG": true,
}

// parseJuniperFirewall reads a dropped-packet line of the iptables firewall:
// kernel: [uptime] IPTABLES Event: IN=eth0 OUT= MAC=... SRC=... DST=... LEN=40 ... SYN URGP=0
// Keys iptables writes with an empty value (OUT=) are absent; unknown keys are ignored, and of
// a repeated key the first is kept.
func parseJuniperFirewall(r *lineFields, rest string) error {
	s, ok := strings.CutPrefix(rest, "kernel: ")
	if !ok {
		return expectedAt(rest, 0, `"kernel: "`)
	}
	if strings.HasPrefix(s, "[") {
		if _, after, ok := cutBracket(s); ok {
			s = strings.TrimLeft(after, " ")
		}
	}
	off := len(rest) - len(s)
	s, ok = strings.CutPrefix(s, "IPTABLES ")
	if !ok {
		return expectedAt(rest, off, `"IPTABLES " and the event name`)
	}
	colon := strings.IndexByte(s, ':')
	name := ""
	if colon > 0 {
		name = s[:colon]
	}
	if name == "" || !isWord(name) {
		return expectedAt(rest, len(rest)-len(s), "the event name (letters, digits, _) and ':'")
	}
	r.add("event", name)
	s = s[colon+1:]
	n := 0
	for rest := s; rest != ""; {
		var tok string
		tok, rest, _ = strings.Cut(strings.TrimLeft(rest, " "), " ")
		key, value, hasValue := strings.Cut(tok, "=")
		flag, known := juniperFirewallKeys[key]
		if !known {
			continue
		}
		n++
		if r.has(key) {
			// The first LEN and ID are the IP header's; UDP and ICMP repeat the names.
			continue
		}
		switch {
		case flag && !hasValue:
			r.add(key, "true")
		case !flag && hasValue:
			r.add(key, value)
		}
	}
	if n == 0 {
		return expectedAt(rest, len(rest)-len(s), "iptables KEY=VALUE fields (IN=, SRC=, DST=, ...)")
	}
	return nil
}

// isWord reports whether s has only ASCII letters, digits and underscores.
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// juniperOtherServices are the services whose lines have log types of their own.
var juniperOtherServices = map[string]string{
	"mws-access":         "Juniper.Access",
	"mws-audit":          "Juniper.Audit",
	"mws-security-alert": "Juniper.Security",
}

// parseJuniperMWS reads an mws.log line: [LEVEL][service][component] message, where the level
// and the component are optional and a ':' may follow the brackets.
func parseJuniperMWS(r *lineFields, rest string) error {
	s := rest
	if level, after, ok := cutBracket(s); ok && juniperLevels[level] {
		r.add("log_level", level)
		s = after
	}
	s = strings.TrimLeft(s, " ")
	off := len(rest) - len(s)
	service, s, ok := cutBracket(s)
	if !ok || service == "" {
		return expectedAt(rest, off, "the service name in brackets, e.g. [mws-ui]")
	}
	if other, taken := juniperOtherServices[service]; taken {
		return &juniperError{offset: off, msg: "service " + service + " is logged in the " + other + " format, not mws.log"}
	}
	r.add("service_name", service)
	s = strings.TrimLeft(s, " ")
	if component, after, ok := cutBracket(s); ok {
		r.add("service_component", component)
		s = after
	}
	s = strings.TrimPrefix(s, ":")
	r.add("log_message", strings.TrimSpace(s))
	return nil
}

// parseJuniperPostgres reads a postgres line:
// postgres[PID]: [MAJOR-MINOR] SQLSTATE SESSION TYPE: message
func parseJuniperPostgres(r *lineFields, rest string) error {
	s, ok := strings.CutPrefix(rest, "postgres[")
	if !ok {
		return expectedAt(rest, 0, `"postgres[" and the process id`)
	}
	pid, s, ok := strings.Cut(s, "]: [")
	if !ok || !allASCIIDigits(pid) {
		return expectedAt(rest, len("postgres["), `the process id and "]: ["`)
	}
	off := len(rest) - len(s)
	group, s, ok := strings.Cut(s, "] ")
	major, minor, ok2 := strings.Cut(group, "-")
	if !ok || !ok2 || !allASCIIDigits(major) || !allASCIIDigits(minor) {
		return expectedAt(rest, off, `the group id "MAJOR-MINOR" and "] "`)
	}
	off = len(rest) - len(s)
	code, s, ok := strings.Cut(s, " ")
	session, s, ok2 := strings.Cut(s, " ")
	if !ok || !ok2 || code == "" || session == "" {
		return expectedAt(rest, off, "the SQL error code and the session id, separated by spaces")
	}
	off = len(rest) - len(s)
	msgType, message, ok := strings.Cut(s, ":")
	if !ok || msgType == "" || !isUpperWord(msgType) {
		return expectedAt(rest, off, "the message type (LOG, WARNING, ERROR, STATEMENT, ...) and ':'")
	}
	r.add("pid", pid)
	r.add("group_id_major", major)
	r.add("group_id_minor", minor)
	r.add("sql_error_code", code)
	r.add("session_id", session)
	r.add("message_type", msgType)
	r.add("message", strings.TrimSpace(message))
	return nil
}

// isUpperWord reports whether s has only upper-case ASCII letters.
func isUpperWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// juniperSecurityKeys maps the MKS_ keys of security alerts, lower-cased without the prefix,
// to field names.
var juniperSecurityKeys = map[string]string{
	"profileid":       "profile_id",
	"profilename":     "profile_name",
	"pubkey":          "pubkey",
	"type":            "incident",
	"severity":        "severity",
	"srcip":           "source_ip",
	"useragent":       "user_agent",
	"url":             "url",
	"count":           "count",
	"fakeresponse":    "fake_response",
	"responsecode":    "response_code",
	"responsename":    "response_name",
	"responsecreated": "created_date",
	"responsedelayed": "delay_date",
	"responseexpires": "expiration_date",
	"responseconfig":  "response_config",
	"silentrunning":   "silent_running",
}

// juniperCategories are the categories of security alerts.
var juniperCategories = map[string]bool{"New Profile": true, "Security Incident": true, "New Counter Response": true}

// parseJuniperSecurity reads a security alert:
// [LEVEL][mws-security-alert][service] MKS_Category="..." MKS_Key="value" ...
// Keys are matched without regard to case (the documentation writes MKS_PubKey where the
// product writes MKS_pubkey); unknown MKS_ keys are ignored, and "null" is no value.
func parseJuniperSecurity(r *lineFields, rest string) error {
	s := rest
	level, s, ok := cutBracket(s)
	if !ok || !juniperLevels[level] {
		return expectedAt(rest, 0, "the log level in brackets ("+juniperLevelList+")")
	}
	if !strings.HasPrefix(s, "[mws-security-alert]") {
		return expectedAt(rest, len(rest)-len(s), `"[mws-security-alert]"`)
	}
	s = s[len("[mws-security-alert]"):]
	service, s, ok := cutBracket(s)
	if !ok || service == "" {
		return expectedAt(rest, len(rest)-len(s), "the service name in brackets")
	}
	r.add("log_level", level)
	r.add("service", service)
	first := true
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		off := len(rest) - len(s)
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || !strings.HasPrefix(s, "MKS_") || strings.ContainsAny(s[:eq], " \t") {
			return expectedAt(rest, off, `a field MKS_Name="value"`)
		}
		key := s[len("MKS_"):eq]
		value, after, escaped, ok := cutQuoted(s[eq+1:])
		if !ok {
			return expectedAt(rest, off+eq+1, "a double-quoted value")
		}
		s = after
		if escaped {
			value = unescapeBackslashes(value)
		}
		var lowerBuf [32]byte
		lower := appendLowerASCII(lowerBuf[:0], key)
		if first {
			if string(lower) != "category" || !juniperCategories[value] {
				return expectedAt(rest, off, `MKS_Category="New Profile", "Security Incident" or "New Counter Response"`)
			}
			r.add("category", value)
			first = false
			continue
		}
		name, known := juniperSecurityKeys[string(lower)]
		if !known || value == "null" {
			continue
		}
		r.add(name, value)
	}
	if first {
		return expectedAt(rest, len(rest), `MKS_Category="..."`)
	}
	return nil
}

// appendLowerASCII appends s to dst with ASCII letters lower-cased.
func appendLowerASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// cutQuoted reads a double-quoted value at the start of s, where \" and \\ are escapes, and
// returns it without the quotes, what follows, and whether it has escapes.
func cutQuoted(s string) (value, after string, escaped, ok bool) {
	if s == "" || s[0] != '"' {
		return "", s, false, false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return s[1:i], s[i+1:], escaped, true
		}
	}
	return "", s, false, false
}

// unescapeBackslashes replaces \x by x.
func unescapeBackslashes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
