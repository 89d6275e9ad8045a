package indicators

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Scan validates and normalises value and adds what it finds to set. Values the scanner
// rejects add nothing. The ip, hostname and net_addr scanners take a comma-separated list
// of addresses too (an X-Forwarded-For value) and scan each element. The rules per scanner:
//
//   - ip: an IPv4 or IPv6 address, written in its canonical form (IPv6 lower-case and
//     compressed). An IPv4-mapped IPv6 address (::ffff:1.2.3.4) is written as the IPv4
//     address and a zone (fe80::1%eth0) is dropped, so that one host has one form.
//   - domain: a DNS name, lower-cased, without a trailing dot; "xn--" labels are decoded from
//     Punycode to Unicode (an invalid one is kept as it is). Labels hold letters, digits, '-'
//     and '_' (Unicode letters, digits and marks too), are at most 63 bytes, and the name is at
//     most 253 bytes; a name whose last label is all digits is rejected.
//   - hostname: "ip" if the value parses as an IP address (brackets around it are removed),
//     else "domain".
//   - url: the host of the URL, as hostname. The scheme is optional ("example.com/path" and
//     "//example.com" work); user info and port are removed, so "mailto:bob@example.com"
//     gives example.com. Percent-escapes in the host are not decoded (such hosts are rejected).
//   - net_addr: a host with an optional port ("1.2.3.4:80", "[2001:db8::1]:443",
//     "example.com:22"), as hostname. A value with several colons and no brackets is read as an
//     IPv6 address without a port.
//   - md5, sha1, sha256: exactly 32, 40 or 64 hex digits, lower-cased.
//   - trace_id, username: any value, as it is.
//   - aws_account_id: exactly 12 digits.
//   - aws_instance_id: "i-" followed by letters and digits.
//   - aws_arn: "arn:partition:service:region:account:resource" with non-empty partition,
//     service and resource (region and account may be empty, as in S3 ARNs). The ARN is added
//     as it is, with its account id if that is 12 digits, and the EC2 instance id when the
//     resource is "instance/i-...".
//   - aws_tag: any value, as it is; tags are written "key:value".
//   - email: an address with a non-empty local part and domain, lower-cased whole (mail
//     systems treat addresses case-insensitively in practice, and the same person should match
//     across logs). "Name <addr>" and "mailto:addr" are reduced to the address.
func (s Scanner) Scan(set *Set, value string) {
	v := trimSpace(value)
	if v == "" || v == "-" {
		return
	}
	if s == ScanIP || s == ScanHostname || s == ScanNetAddr {
		// A list of addresses, as an X-Forwarded-For header holds ("203.0.113.7, 10.0.0.1"):
		// no address or host name has a comma, so each element is scanned.
		if i := strings.IndexByte(v, ','); i >= 0 {
			s.Scan(set, v[:i])
			s.Scan(set, v[i+1:])
			return
		}
	}
	switch s {
	case ScanIP:
		set.addIP(v)
	case ScanDomain:
		set.addDomain(v)
	case ScanHostname:
		set.addHostname(v)
	case ScanURL:
		set.addURL(v)
	case ScanNetAddr:
		set.addNetAddr(v)
	case ScanMD5:
		set.addHash(KindMD5, 32, v)
	case ScanSHA1:
		set.addHash(KindSHA1, 40, v)
	case ScanSHA256:
		set.addHash(KindSHA256, 64, v)
	case ScanTraceID:
		set.Add(KindTraceID, v)
	case ScanAWSAccountID:
		if isAccountID(v) {
			set.Add(KindAWSAccountID, v)
		}
	case ScanAWSARN:
		set.addARN(v)
	case ScanAWSInstanceID:
		if isInstanceID(v) {
			set.Add(KindAWSInstanceID, v)
		}
	case ScanAWSTag:
		set.Add(KindAWSTag, v)
	case ScanEmail:
		set.addEmail(v)
	case ScanUsername:
		set.Add(KindUsername, v)
	}
}

// trimSpace removes ASCII white space at both ends of s.
func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseIP parses an IP address and normalises it: the zone is dropped and IPv4-mapped IPv6
// addresses become IPv4.
func parseIP(v string) (netip.Addr, bool) {
	if !looksLikeIP(v) {
		return netip.Addr{}, false
	}
	addr, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Addr{}, false
	}
	if addr.Zone() != "" {
		addr = addr.WithZone("")
	}
	return addr.Unmap(), true
}

// looksLikeIP is a quick filter before netip.ParseAddr, whose errors allocate: an IPv4 address
// has only digits and dots, an IPv6 address only hex digits, ':' and '.' before any zone.
func looksLikeIP(v string) bool {
	if len(v) < 2 || len(v) > 64 {
		return false
	}
	colon := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case '0' <= c && c <= '9', c == '.':
		case c == ':':
			colon = true
		case ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F'):
			if !colon && strings.IndexByte(v[i:], ':') < 0 {
				return false
			}
		case c == '%':
			return colon
		default:
			return false
		}
	}
	return true
}

func (s *Set) addIP(v string) {
	if addr, ok := parseIP(v); ok {
		s.appendIP(addr)
	}
}

func (s *Set) appendIP(addr netip.Addr) {
	start := s.begin(39)
	s.arena = addr.AppendTo(s.arena)
	s.commit(KindIPAddress, start)
}

func (s *Set) addHostname(v string) {
	if len(v) > 2 && v[0] == '[' && v[len(v)-1] == ']' {
		v = v[1 : len(v)-1]
	}
	if addr, ok := parseIP(v); ok {
		s.appendIP(addr)
		return
	}
	s.addDomain(v)
}

// addNetAddr scans host, host:port, [host]:port or [host].
func (s *Set) addNetAddr(v string) {
	host := v
	if v[0] == '[' {
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return
		}
		host = v[1:end]
		if rest := v[end+1:]; rest != "" && (rest[0] != ':' || !allDigits(rest[1:])) {
			return
		}
	} else if i := strings.IndexByte(v, ':'); i >= 0 && strings.IndexByte(v[i+1:], ':') < 0 {
		if !allDigits(v[i+1:]) {
			return
		}
		host = v[:i]
	}
	if host != "" {
		s.addHostname(host)
	}
}

// addURL scans the host of a URL: the authority after "scheme://" (or from the start when
// there is no "://"), without user info.
func (s *Set) addURL(v string) {
	rest := v
	if i := strings.Index(v, "://"); i >= 0 {
		rest = v[i+3:]
	} else if strings.HasPrefix(v, "//") {
		rest = v[2:]
	}
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	if rest != "" {
		s.addNetAddr(rest)
	}
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// addHash adds v lower-cased if it is exactly n hex digits.
func (s *Set) addHash(k Kind, n int, v string) {
	if len(v) != n {
		return
	}
	start := s.begin(n)
	s.arena = append(s.arena, v...)
	h := s.arena[start:]
	for i, c := range h {
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			h[i] = c + 'a' - 'A'
		default:
			s.drop(start)
			return
		}
	}
	s.commit(k, start)
}

// isAccountID reports whether v is an AWS account id: exactly 12 digits.
func isAccountID(v string) bool {
	return len(v) == 12 && allDigits(v)
}

// isInstanceID reports whether v is an EC2 instance id: "i-" and one or more ASCII letters and
// digits (in practice 8 or 17 lower-case hex digits).
func isInstanceID(v string) bool {
	if len(v) < 3 || v[0] != 'i' || v[1] != '-' {
		return false
	}
	for i := 2; i < len(v); i++ {
		if c := v[i]; !isAlnum(c) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// ARN is the parsed form of an Amazon Resource Name,
// arn:partition:service:region:account-id:resource.
type ARN struct {
	Partition, Service, Region, AccountID, Resource string
}

// ParseARN splits an ARN into its parts. The partition ("aws", "aws-cn", "aws-us-gov", ...),
// service and resource must not be empty; region and account may be, as in
// "arn:aws:s3:::bucket". The resource may contain further ':' and '/'.
func ParseARN(v string) (ARN, bool) {
	rest, ok := strings.CutPrefix(v, "arn:")
	if !ok {
		return ARN{}, false
	}
	var parts [4]string
	for i := range parts {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return ARN{}, false
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	a := ARN{Partition: parts[0], Service: parts[1], Region: parts[2], AccountID: parts[3], Resource: rest}
	if a.Partition == "" || a.Service == "" || a.Resource == "" {
		return ARN{}, false
	}
	for _, p := range [...]string{a.Partition, a.Service, a.Region, a.AccountID} {
		for i := 0; i < len(p); i++ {
			if c := p[i]; !isAlnum(c) && c != '-' && c != '.' {
				return ARN{}, false
			}
		}
	}
	if !utf8.ValidString(a.Resource) || strings.ContainsAny(a.Resource, " \t\r\n") {
		return ARN{}, false
	}
	return a, true
}

// InstanceID returns the EC2 instance id of an ARN whose resource is "instance/i-...".
func (a ARN) InstanceID() (string, bool) {
	id, ok := strings.CutPrefix(a.Resource, "instance/")
	if !ok {
		return "", false
	}
	id = id[strings.LastIndexByte(id, '/')+1:]
	return id, isInstanceID(id)
}

func (s *Set) addARN(v string) {
	a, ok := ParseARN(v)
	if !ok {
		return
	}
	s.Add(KindAWSARN, v)
	if isAccountID(a.AccountID) {
		s.Add(KindAWSAccountID, a.AccountID)
	}
	if id, ok := a.InstanceID(); ok {
		s.Add(KindAWSInstanceID, id)
	}
}

// addEmail adds an email address, lower-cased.
func (s *Set) addEmail(v string) {
	if i := strings.LastIndexByte(v, '<'); i >= 0 && v[len(v)-1] == '>' {
		v = v[i+1 : len(v)-1]
	}
	if len(v) > 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || len(v) > 320 || !utf8.ValidString(v) {
		return
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c == '<' || c == '>' || c == 0x7f {
			return
		}
	}
	start := s.begin(len(v))
	s.arena = appendLower(s.arena, v)
	s.commit(KindEmail, start)
}

// appendLower appends s lower-cased to dst: ASCII by table, anything else with
// strings.ToLower (which allocates, but non-ASCII values are rare).
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(dst, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
