package syslog

import "unicode/utf8"

// AppendStructuredDataJSON appends the structured data as a JSON object,
// {"sd-id":{"param":"value",...},...}, in line order. RFC 5424 forbids a
// repeated SD-ID; when one occurs anyway its parameters are merged into the
// first element of that ID, and a repeated parameter keeps its last value.
// It appends nothing when there is no structured data.
func (m *Message) AppendStructuredDataJSON(dst []byte) []byte {
	sd := m.StructuredData
	if len(sd) == 0 {
		return dst
	}
	dst = append(dst, '{')
	for i, el := range sd {
		if firstIndexOfID(sd, el.ID) != i {
			continue
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, el.ID)
		dst = append(dst, ':', '{')
		n := 0
		for j := i; j < len(sd); j++ {
			if sd[j].ID != el.ID {
				continue
			}
			for k, p := range sd[j].Params {
				if !isLastParam(sd[j:], el.ID, k, p.Name) {
					continue
				}
				if n > 0 {
					dst = append(dst, ',')
				}
				n++
				dst = appendJSONString(dst, p.Name)
				dst = append(dst, ':')
				dst = appendJSONString(dst, p.Value)
			}
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

func firstIndexOfID(sd []SDElement, id string) int {
	for i := range sd {
		if sd[i].ID == id {
			return i
		}
	}
	return -1
}

// isLastParam reports whether parameter k of sd[0] is the last one named name
// among the elements of sd with the given id.
func isLastParam(sd []SDElement, id string, k int, name string) bool {
	for _, p := range sd[0].Params[k+1:] {
		if p.Name == name {
			return false
		}
	}
	for _, el := range sd[1:] {
		if el.ID != id {
			continue
		}
		for _, p := range el.Params {
			if p.Name == name {
				return false
			}
		}
	}
	return true
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
