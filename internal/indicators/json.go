package indicators

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// ScanJSON walks a raw JSON document, such as CloudTrail requestParameters and
// responseElements, a GuardDuty finding or an AWS Config item, and scans values by their key
// names. The rules, which extend those of the original Panther AWS extractor:
//
//   - Any string value that starts with "arn:" is scanned as aws_arn, whatever its key (this
//     covers keys ending in "arn", "Arn" and "ARN").
//   - Key names are compared ignoring case. A key "accountId", "account", "ownerId",
//     "awsAccountId", or one ending in "AccountId" or "AccountIds" (recipientAccountId,
//     userIdentity.accountId), is scanned as aws_account_id: string or number values of
//     exactly 12 digits.
//   - A key "instanceId" or one ending in "InstanceId" or "InstanceIds" is scanned as
//     aws_instance_id.
//   - A key "ip", "ipv4", "ipv6", "publicIp", "privateIp", "sourceIp", "clientIp", "remoteIp", or
//     one ending in "IpAddress", "IpAddresses", "IpAddressV4", "IpAddressV6", "Ipv4Address",
//     "Ipv6Address", "Ipv4Addresses" or "Ipv6Addresses" (sourceIPAddress, privateIpAddress,
//     ipAddressV4, ipv6Addresses) is scanned as ip.
//   - A key "hostname", "hostName", "domain", "domainName", or one ending in "DnsName"
//     (dnsName, privateDnsName, publicDnsName) is scanned as hostname.
//   - Tags: inside any value whose key contains "tag" (tags, tagSet, tagSpecificationSet,
//     resourceTags), an object with "key" and "value" members (either case) adds the
//     aws_tag "key:value". An object that is the direct value of a key ending in "tags"
//     ({"tags": {"env": "prod"}}) adds one tag per string member, "env:prod".
//
// A scalar inside an array takes the key of the array, so a list of addresses under
// "ipv6Addresses" is scanned as ip. Scanners validate as usual, so a key that matches by
// accident adds nothing unless its value is a valid indicator.
//
// ScanJSON never fails on bad input: it scans the document up to the first syntax error (or
// the first value nested deeper than 256 levels), keeps what it found, and returns an error
// that gives the byte offset of the problem. It reads numbers and strings leniently, so some
// invalid documents scan without error.
func ScanJSON(set *Set, raw []byte) error {
	w := jsonWalker{set: set, data: raw}
	set.scratch = set.scratch[:0]
	w.skipSpace()
	if w.pos >= len(raw) {
		return nil
	}
	if err := w.value(jsonContext{}); err != nil {
		return err
	}
	w.skipSpace()
	if w.pos != len(raw) {
		return w.errorf("expected the end of the document")
	}
	return nil
}

// maxJSONDepth bounds the nesting that ScanJSON walks.
const maxJSONDepth = 256

// keyRole is what the key of a value says about it.
type keyRole uint8

const (
	roleNone keyRole = iota
	roleAccount
	roleInstance
	roleIP
	roleHostname
)

// jsonContext is what a value's position in the document says about it.
type jsonContext struct {
	role keyRole
	// inTag is set inside a value whose key contains "tag".
	inTag bool
	// tagMap is set for the object that is the direct value of a key ending in "tags".
	tagMap bool
}

// contextOf returns the context of a member's value from its key and the context of the
// object holding it.
func contextOf(key []byte, parent jsonContext) jsonContext {
	c := jsonContext{inTag: parent.inTag, role: roleOf(key)}
	if containsFold(key, "tag") {
		c.inTag = true
		c.tagMap = hasSuffixFold(key, "tags")
	}
	return c
}

func roleOf(key []byte) keyRole {
	switch {
	case equalFold(key, "accountid"), equalFold(key, "account"), equalFold(key, "ownerid"),
		equalFold(key, "awsaccountid"), hasSuffixFold(key, "accountid"), hasSuffixFold(key, "accountids"):
		return roleAccount
	case hasSuffixFold(key, "instanceid"), hasSuffixFold(key, "instanceids"):
		return roleInstance
	case equalFold(key, "ip"), equalFold(key, "ipv4"), equalFold(key, "ipv6"),
		equalFold(key, "publicip"), equalFold(key, "privateip"), equalFold(key, "sourceip"),
		equalFold(key, "clientip"), equalFold(key, "remoteip"),
		hasSuffixFold(key, "ipaddress"), hasSuffixFold(key, "ipaddresses"),
		hasSuffixFold(key, "ipaddressv4"), hasSuffixFold(key, "ipaddressv6"),
		hasSuffixFold(key, "ipv4address"), hasSuffixFold(key, "ipv6address"),
		hasSuffixFold(key, "ipv4addresses"), hasSuffixFold(key, "ipv6addresses"):
		return roleIP
	case equalFold(key, "hostname"), equalFold(key, "domain"), equalFold(key, "domainname"),
		hasSuffixFold(key, "dnsname"):
		return roleHostname
	}
	return roleNone
}

// equalFold reports whether b equals the lower-case ASCII word lower, ignoring ASCII case.
func equalFold(b []byte, lower string) bool {
	return len(b) == len(lower) && hasSuffixFold(b, lower)
}

// hasSuffixFold reports whether b ends with the lower-case ASCII word lower, ignoring case.
func hasSuffixFold(b []byte, lower string) bool {
	if len(b) < len(lower) {
		return false
	}
	b = b[len(b)-len(lower):]
	for i := 0; i < len(lower); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// containsFold reports whether b contains the lower-case ASCII word lower, ignoring case.
func containsFold(b []byte, lower string) bool {
	for i := 0; i+len(lower) <= len(b); i++ {
		if hasSuffixFold(b[i:i+len(lower)], lower) {
			return true
		}
	}
	return false
}

// jsonWalker is a recursive-descent reader of one JSON document.
type jsonWalker struct {
	set   *Set
	data  []byte
	pos   int
	depth int
}

func (w *jsonWalker) errorf(format string, args ...any) error {
	found := "end of input"
	if w.pos < len(w.data) {
		end := min(w.pos+16, len(w.data))
		found = fmt.Sprintf("%q", w.data[w.pos:end])
	}
	return fmt.Errorf("invalid JSON at offset %d: %s, found %s", w.pos, fmt.Sprintf(format, args...), found)
}

func (w *jsonWalker) skipSpace() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// value reads one value at w.pos and scans it in context c.
func (w *jsonWalker) value(c jsonContext) error {
	if w.pos >= len(w.data) {
		return w.errorf("expected a value")
	}
	switch ch := w.data[w.pos]; {
	case ch == '{':
		return w.object(c)
	case ch == '[':
		return w.array(c)
	case ch == '"':
		s, err := w.str()
		if err != nil {
			return err
		}
		w.scanString(s, c)
		return nil
	case ch == '-' || ('0' <= ch && ch <= '9'):
		start := w.pos
		for w.pos < len(w.data) && strings.IndexByte("0123456789+-.eE", w.data[w.pos]) >= 0 {
			w.pos++
		}
		if c.role == roleAccount {
			if num := bytesString(w.data[start:w.pos]); isAccountID(num) {
				w.set.Add(KindAWSAccountID, num)
			}
		}
		return nil
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if strings.HasPrefix(bytesString(w.data[w.pos:]), lit) {
				w.pos += len(lit)
				return nil
			}
		}
		return w.errorf("expected a value")
	}
}

// scanString scans a string value in context c.
func (w *jsonWalker) scanString(s []byte, c jsonContext) {
	v := bytesString(s)
	if strings.HasPrefix(v, "arn:") {
		ScanAWSARN.Scan(w.set, v)
	}
	switch c.role {
	case roleAccount:
		ScanAWSAccountID.Scan(w.set, v)
	case roleInstance:
		ScanAWSInstanceID.Scan(w.set, v)
	case roleIP:
		ScanIP.Scan(w.set, v)
	case roleHostname:
		ScanHostname.Scan(w.set, v)
	}
}

func (w *jsonWalker) enter() error {
	w.depth++
	if w.depth > maxJSONDepth {
		return w.errorf("nesting deeper than %d levels", maxJSONDepth)
	}
	return nil
}

func (w *jsonWalker) array(c jsonContext) error {
	if err := w.enter(); err != nil {
		return err
	}
	w.pos++ // '['
	elem := jsonContext{role: c.role, inTag: c.inTag}
	w.skipSpace()
	if w.pos < len(w.data) && w.data[w.pos] == ']' {
		w.pos++
		w.depth--
		return nil
	}
	for {
		w.skipSpace()
		if err := w.value(elem); err != nil {
			return err
		}
		w.skipSpace()
		if w.pos >= len(w.data) {
			return w.errorf("expected ',' or ']' in an array")
		}
		switch w.data[w.pos] {
		case ',':
			w.pos++
		case ']':
			w.pos++
			w.depth--
			return nil
		default:
			return w.errorf("expected ',' or ']' in an array")
		}
	}
}

func (w *jsonWalker) object(c jsonContext) error {
	if err := w.enter(); err != nil {
		return err
	}
	w.pos++ // '{'
	// In a tag context, remember the "key" and "value" members to add the tag at the end.
	var tagKey, tagValue []byte
	var hasKey, hasValue bool
	w.skipSpace()
	if w.pos < len(w.data) && w.data[w.pos] == '}' {
		w.pos++
		w.depth--
		return nil
	}
	for {
		w.skipSpace()
		if w.pos >= len(w.data) || w.data[w.pos] != '"' {
			return w.errorf("expected a member name in an object")
		}
		key, err := w.str()
		if err != nil {
			return err
		}
		w.skipSpace()
		if w.pos >= len(w.data) || w.data[w.pos] != ':' {
			return w.errorf("expected ':' after a member name")
		}
		w.pos++
		w.skipSpace()
		mc := contextOf(key, c)
		if c.inTag && w.pos < len(w.data) && w.data[w.pos] == '"' {
			v, err := w.str()
			if err != nil {
				return err
			}
			w.scanString(v, mc)
			switch {
			case equalFold(key, "key"):
				tagKey, hasKey = v, true
			case equalFold(key, "value"):
				tagValue, hasValue = v, true
			case c.tagMap:
				w.addTag(key, v)
			}
		} else if err := w.value(mc); err != nil {
			return err
		}
		w.skipSpace()
		if w.pos >= len(w.data) {
			return w.errorf("expected ',' or '}' in an object")
		}
		switch w.data[w.pos] {
		case ',':
			w.pos++
		case '}':
			w.pos++
			w.depth--
			if hasKey && hasValue {
				w.addTag(tagKey, tagValue)
			} else if c.tagMap && hasKey != hasValue {
				// A lone "key" or "value" member of a tag map is an ordinary tag.
				if hasKey {
					w.addTag([]byte("key"), tagKey)
				} else {
					w.addTag([]byte("value"), tagValue)
				}
			}
			return nil
		default:
			return w.errorf("expected ',' or '}' in an object")
		}
	}
}

// addTag adds the aws_tag "key:value".
func (w *jsonWalker) addTag(key, value []byte) {
	if trimSpace(bytesString(key)) == "" {
		return
	}
	s := w.set
	start := s.begin(len(key) + 1 + len(value))
	s.arena = append(s.arena, key...)
	s.arena = append(s.arena, ':')
	s.arena = append(s.arena, value...)
	s.commit(KindAWSTag, start)
}

// str reads a string at w.pos (which is '"') and returns its unescaped bytes. Strings without
// escapes alias the input; others are unescaped into the Set's scratch buffer, which only
// grows during one ScanJSON call, so earlier results stay valid.
func (w *jsonWalker) str() ([]byte, error) {
	w.pos++ // '"'
	start := w.pos
	for w.pos < len(w.data) {
		switch c := w.data[w.pos]; c {
		case '"':
			s := w.data[start:w.pos]
			w.pos++
			return s, nil
		case '\\':
			return w.unescape(start)
		default:
			w.pos++
		}
	}
	return nil, w.errorf("unterminated string starting at offset %d", start-1)
}

// unescape continues reading a string that has escapes, from start, into scratch.
func (w *jsonWalker) unescape(start int) ([]byte, error) {
	s := w.set
	from := len(s.scratch)
	s.scratch = append(s.scratch, w.data[start:w.pos]...)
	for w.pos < len(w.data) {
		c := w.data[w.pos]
		if c == '"' {
			w.pos++
			return s.scratch[from:len(s.scratch):len(s.scratch)], nil
		}
		if c != '\\' {
			s.scratch = append(s.scratch, c)
			w.pos++
			continue
		}
		if w.pos+1 >= len(w.data) {
			break
		}
		e := w.data[w.pos+1]
		w.pos += 2
		switch e {
		case '"', '\\', '/':
			s.scratch = append(s.scratch, e)
		case 'b':
			s.scratch = append(s.scratch, '\b')
		case 'f':
			s.scratch = append(s.scratch, '\f')
		case 'n':
			s.scratch = append(s.scratch, '\n')
		case 'r':
			s.scratch = append(s.scratch, '\r')
		case 't':
			s.scratch = append(s.scratch, '\t')
		case 'u':
			r, ok := w.hex4()
			if !ok {
				return nil, w.errorf(`expected 4 hex digits after \u`)
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate pairs with an escaped low surrogate that follows; any
				// other surrogate is invalid and becomes U+FFFD, as in encoding/json.
				lo := rune(-1)
				if save := w.pos; w.pos+1 < len(w.data) && w.data[w.pos] == '\\' && w.data[w.pos+1] == 'u' {
					w.pos += 2
					var ok bool
					if lo, ok = w.hex4(); !ok || utf16.DecodeRune(r, lo) == utf8.RuneError {
						w.pos, lo = save, -1
					}
				}
				r = utf16.DecodeRune(r, lo)
			}
			s.scratch = utf8.AppendRune(s.scratch, r)
		default:
			w.pos -= 1
			return nil, w.errorf("invalid escape '\\%c' in a string", e)
		}
	}
	return nil, w.errorf("unterminated string starting at offset %d", start-1)
}

// hex4 reads four hex digits at w.pos.
func (w *jsonWalker) hex4() (rune, bool) {
	if w.pos+4 > len(w.data) {
		return 0, false
	}
	var r rune
	for _, c := range w.data[w.pos : w.pos+4] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	w.pos += 4
	return r, true
}

// bytesString views b as a string without copying. The string must not outlive the walk; every
// scanner copies what it keeps into the Set's arena.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
