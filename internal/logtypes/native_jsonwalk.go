package logtypes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pantherlabs/panther/internal/indicators"
)

// This file holds two small JSON tools shared by the natives of log types whose records carry
// free-form objects with indicators in them (Windows EventData, SentinelOne activity data) or
// whose keys arrive in a different case than the one Panther stores (SentinelOne).

// lowerJSONKeys appends src to dst with the ASCII letters of every object key lower-cased, and
// returns the extended buffer. Values, white space and everything else are copied unchanged,
// so the result is valid JSON whenever src is, and byte offsets are kept. Escapes in keys are
// copied as they are: a key written "\u0041" stays an upper-case A once decoded (a shape no
// vendor sends). src is not validated; a malformed document is copied as well as it can be and
// left for the decoder to reject.
func lowerJSONKeys(dst, src []byte) []byte {
	start := len(dst)
	dst = append(dst, src...)
	out := dst[start:]
	// stack holds, for each open container, whether it is an object; expectKey is true where
	// the next string in an object is a key (after '{' or ',').
	var stack []bool
	var small [32]bool
	stack = small[:0]
	expectKey := false
	for i := 0; i < len(out); i++ {
		switch out[i] {
		case '{':
			stack = append(stack, true)
			expectKey = true
		case '[':
			stack = append(stack, false)
			expectKey = false
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			expectKey = false
		case ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1]
		case ':':
			expectKey = false
		case '"':
			end := stringEnd(out, i+1)
			if expectKey {
				for j := i + 1; j < end; j++ {
					if c := out[j]; c >= 'A' && c <= 'Z' {
						out[j] = c + ('a' - 'A')
					}
				}
				expectKey = false
			}
			if end >= len(out) {
				return dst
			}
			i = end
		}
	}
	return dst
}

// stringEnd returns the index of the quote that closes the JSON string whose text starts at i,
// or len(b) if it is not closed.
func stringEnd(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b)
}

// keyScanner scans the string values of a JSON document for indicators chosen by the key that
// holds each value, the way Panther's extractors read the free-form parts of some logs. A value
// in an array takes the key of the array. Keys are compared exactly (case-sensitive).
type keyScanner struct {
	// byKey maps a key to the scanners of its values.
	byKey map[string][]indicators.Scanner
	// hashLists lists the keys whose values are lists of "ALGORITHM=hex" pairs separated by
	// commas, such as Sysmon's Hashes: "SHA1=...,MD5=...,SHA256=...,IMPHASH=...".
	hashLists map[string]bool
	// ipLists lists the keys whose values are lists of IP addresses and other items separated
	// by semicolons, such as Sysmon's DNS QueryResults: "type:  5 cdn.example.net;::ffff:192.0.2.1;".
	// IPv4-mapped IPv6 addresses are added as IPv4 addresses.
	ipLists map[string]bool
	// skip lists placeholder values that are never indicators, such as "-".
	skip map[string]bool
}

// maxScanDepth bounds the nesting a keyScanner walks, as the decoder bounds what it decodes.
const maxScanDepth = 512

// Scan adds the indicators of raw to set. It fails on malformed JSON with the byte offset of
// the problem, keeping what it found before it.
func (k *keyScanner) Scan(set *indicators.Set, raw []byte) error {
	w := scanWalker{k: k, set: set, data: raw}
	w.space()
	if err := w.value("", 0); err != nil {
		return err
	}
	w.space()
	if w.pos != len(w.data) {
		return w.errorf("expected the end of the document")
	}
	return nil
}

var jsonLiterals = [][]byte{[]byte("true"), []byte("false"), []byte("null")}

type scanWalker struct {
	k    *keyScanner
	set  *indicators.Set
	data []byte
	pos  int
}

func (w *scanWalker) errorf(format string, args ...any) error {
	return fmt.Errorf("JSON at offset %d: %s", w.pos, fmt.Sprintf(format, args...))
}

func (w *scanWalker) space() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// value walks one value held by key.
func (w *scanWalker) value(key string, depth int) error {
	if depth > maxScanDepth {
		return w.errorf("nested deeper than %d levels", maxScanDepth)
	}
	if w.pos >= len(w.data) {
		return w.errorf("expected a value, found the end of the document")
	}
	switch c := w.data[w.pos]; {
	case c == '{':
		return w.object(depth)
	case c == '[':
		return w.array(key, depth)
	case c == '"':
		start := w.pos
		raw, escaped, err := w.rawString()
		if err != nil {
			return err
		}
		if !w.k.wants(key) {
			return nil
		}
		s := unsafeString(raw)
		if escaped {
			if s, err = w.unescape(start); err != nil {
				return err
			}
		}
		w.scan(key, s)
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		for w.pos < len(w.data) && strings.IndexByte("+-.0123456789eE", w.data[w.pos]) >= 0 {
			w.pos++
		}
		return nil
	default:
		for _, lit := range jsonLiterals {
			if bytes.HasPrefix(w.data[w.pos:], lit) {
				w.pos += len(lit)
				return nil
			}
		}
		return w.errorf("expected a value, found %q", c)
	}
}

func (w *scanWalker) object(depth int) error {
	w.pos++ // '{'
	w.space()
	if w.pos < len(w.data) && w.data[w.pos] == '}' {
		w.pos++
		return nil
	}
	for {
		w.space()
		if w.pos >= len(w.data) || w.data[w.pos] != '"' {
			return w.errorf("expected a key string")
		}
		start := w.pos
		raw, escaped, err := w.rawString()
		if err != nil {
			return err
		}
		key := unsafeString(raw)
		if escaped {
			if key, err = w.unescape(start); err != nil {
				return err
			}
		}
		w.space()
		if w.pos >= len(w.data) || w.data[w.pos] != ':' {
			return w.errorf("expected ':' after the key %q", key)
		}
		w.pos++
		w.space()
		if err := w.value(key, depth+1); err != nil {
			return err
		}
		w.space()
		if w.pos >= len(w.data) {
			return w.errorf("expected ',' or '}', found the end of the document")
		}
		switch w.data[w.pos] {
		case ',':
			w.pos++
		case '}':
			w.pos++
			return nil
		default:
			return w.errorf("expected ',' or '}', found %q", w.data[w.pos])
		}
	}
}

func (w *scanWalker) array(key string, depth int) error {
	w.pos++ // '['
	w.space()
	if w.pos < len(w.data) && w.data[w.pos] == ']' {
		w.pos++
		return nil
	}
	for {
		w.space()
		if err := w.value(key, depth+1); err != nil {
			return err
		}
		w.space()
		if w.pos >= len(w.data) {
			return w.errorf("expected ',' or ']', found the end of the document")
		}
		switch w.data[w.pos] {
		case ',':
			w.pos++
		case ']':
			w.pos++
			return nil
		default:
			return w.errorf("expected ',' or ']', found %q", w.data[w.pos])
		}
	}
}

// rawString reads a string at w.pos and returns its bytes between the quotes, still escaped,
// and whether it holds escapes. The bytes alias w.data.
func (w *scanWalker) rawString() (raw []byte, escaped bool, err error) {
	start := w.pos
	end := stringEnd(w.data, start+1)
	if end >= len(w.data) {
		return nil, false, w.errorf("string is not closed")
	}
	w.pos = end + 1
	raw = w.data[start+1 : end]
	return raw, bytes.IndexByte(raw, '\\') >= 0, nil
}

// unescape decodes the escaped string that starts at offset start, which rawString read.
func (w *scanWalker) unescape(start int) (string, error) {
	var s string
	if err := json.Unmarshal(w.data[start:w.pos], &s); err != nil {
		w.pos = start
		return "", w.errorf("invalid string: %v", err)
	}
	return s, nil
}

// wants reports whether the values held by key are scanned.
func (k *keyScanner) wants(key string) bool {
	return len(k.byKey[key]) > 0 || k.hashLists[key] || k.ipLists[key]
}

// scan scans the string s held by key.
func (w *scanWalker) scan(key, s string) {
	if s == "" || w.k.skip[s] {
		return
	}
	for _, sc := range w.k.byKey[key] {
		sc.Scan(w.set, s)
	}
	if w.k.hashLists[key] {
		scanHashList(w.set, s)
	}
	if w.k.ipLists[key] {
		scanIPList(w.set, s)
	}
}

// scanIPList adds the IP addresses of a list of items separated by semicolons; items that are
// not IP addresses (such as Sysmon's "type:  5 name" CNAME records) are ignored.
func scanIPList(set *indicators.Set, s string) {
	for s != "" {
		item := s
		if i := strings.IndexByte(s, ';'); i >= 0 {
			item, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		item = strings.TrimSpace(item)
		if len(item) > len("::ffff:") && strings.EqualFold(item[:len("::ffff:")], "::ffff:") && strings.IndexByte(item[len("::ffff:"):], ':') < 0 {
			item = item[len("::ffff:"):]
		}
		indicators.ScanIP.Scan(set, item)
	}
}

// scanHashList adds the hashes of a list of "ALGORITHM=hex" pairs separated by commas, as
// Sysmon writes them ("SHA1=...,MD5=...,SHA256=...,IMPHASH=..."). MD5, SHA1 and SHA256 are
// recognised, in any case; other algorithms (IMPHASH) and malformed pairs are ignored, and the
// scanners check the length and digits of each hash.
func scanHashList(set *indicators.Set, s string) {
	for s != "" {
		pair := s
		if i := strings.IndexByte(s, ','); i >= 0 {
			pair, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		eq := strings.IndexByte(pair, '=')
		if eq < 0 {
			continue
		}
		algo, hash := strings.TrimSpace(pair[:eq]), strings.TrimSpace(pair[eq+1:])
		switch {
		case strings.EqualFold(algo, "MD5"):
			indicators.ScanMD5.Scan(set, hash)
		case strings.EqualFold(algo, "SHA1"):
			indicators.ScanSHA1.Scan(set, hash)
		case strings.EqualFold(algo, "SHA256"):
			indicators.ScanSHA256.Scan(set, hash)
		}
	}
}
