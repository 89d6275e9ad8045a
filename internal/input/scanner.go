package input

import (
	"encoding/binary"
	"math/bits"
)

// maxDepth is the deepest nesting of objects and arrays the scanner accepts.
// It matches encoding/json, so a value is valid here exactly when json.Valid
// accepts it; anything deeper is a syntax error, never a stack overflow.
const maxDepth = 10000

// scanStatus is the outcome of one call to scanner.scan.
type scanStatus uint8

const (
	// scanMore means every byte given was consumed and the value is not
	// complete yet; call scan again with the bytes that follow.
	scanMore scanStatus = iota
	// scanDone means the value is complete; the returned count is the
	// offset just past it. The byte at that offset was not looked at, except
	// after a number, where it is the byte that ended the number.
	scanDone
	// scanErr means a syntax error; the returned count is the offset of
	// the offending byte.
	scanErr
)

// Scanner states. The scanner is a push-down automaton: the state says what
// may come next and the stack holds the open containers ('{' or '[').
const (
	stValue      uint8 = iota // a value; whitespace allowed
	stArrFirst                // after '[': a value or ']'
	stObjFirst                // after '{': a key or '}'
	stKey                     // after ',' in an object: a key
	stColon                   // after a key: ':'
	stAfter                   // after a value inside a container: ',' or the closer
	stStr                     // inside a string value
	stKeyStr                  // inside a key
	stEsc                     // after '\' in a string
	stHex                     // inside the four hex digits of \u
	stNumMinus                // after '-'
	stNumZero                 // after a leading '0'
	stNumInt                  // in the integer digits
	stNumDot                  // after '.'
	stNumFrac                 // in the fraction digits
	stNumExp                  // after 'e' or 'E'
	stNumExpSign              // after the exponent sign
	stNumExpDig               // in the exponent digits
	stLit                     // inside true, false or null
)

// scanner validates one JSON value (RFC 8259, strict: no raw control
// characters in strings, no trailing commas, no leading zeros) incrementally,
// so a value may arrive in any number of chunks and memory stays bounded by
// the nesting depth. Bytes that are not valid UTF-8 are accepted inside
// strings, as encoding/json does; decoding deals with them later.
type scanner struct {
	stack []byte // open containers, innermost last
	state uint8
	inKey bool   // the escape being scanned is inside a key
	aux   uint8  // hex digits left in \u, or bytes matched of a literal
	lit   string // the literal being matched
}

// reset prepares the scanner for a new value.
func (s *scanner) reset() {
	s.stack = s.stack[:0]
	s.state = stValue
}

// pop closes the innermost object or array. It reports whether that was the outermost one,
// which ends the value.
func (s *scanner) pop() bool {
	s.stack = s.stack[:len(s.stack)-1]
	if len(s.stack) == 0 {
		s.state = stValue
		return true
	}
	return false
}

// resetTail prepares the scanner for the rest of an object whose members
// so far were valid: it expects ',' or '}' next.
func (s *scanner) resetTail() {
	s.stack = append(s.stack[:0], '{')
	s.state = stAfter
}

// Byte classes used by the scanner and the framer.
var (
	jsonSpace [256]bool // the four JSON whitespace bytes
	textSpace [256]bool // ASCII whitespace: JSON's plus \v and \f
	plainStr  [256]bool // bytes that need no attention inside a string
	isDigit   [256]bool
	isHex     [256]bool
	escapes   [256]bool // bytes allowed after '\'
)

func init() {
	for _, c := range []byte(" \t\n\r") {
		jsonSpace[c] = true
		textSpace[c] = true
	}
	textSpace['\v'] = true
	textSpace['\f'] = true
	for c := 0x20; c < 256; c++ {
		plainStr[c] = c != '"' && c != '\\'
	}
	for c := '0'; c <= '9'; c++ {
		isDigit[c] = true
		isHex[c] = true
	}
	for c := 'a'; c <= 'f'; c++ {
		isHex[c] = true
		isHex[c-'a'+'A'] = true
	}
	for _, c := range []byte(`"\/bfnrtu`) {
		escapes[c] = true
	}
}

// SWAR constants for finding '"', '\' or a control byte eight bytes at a time.
const (
	lsb      = 0x0101010101010101
	msb      = 0x8080808080808080
	quotes   = '"' * lsb
	slashes  = '\\' * lsb
	controls = 0x20 * lsb
)

// special returns a mask whose lowest set bit marks the first byte of v (in
// little-endian order) that is '"', '\' or below 0x20. Higher bits may be
// false positives, the lowest one never is.
func special(v uint64) uint64 {
	q := v ^ quotes
	b := v ^ slashes
	return ((q-lsb)&^q | (b-lsb)&^b | (v-controls)&^v) & msb
}

// scan consumes b and reports how far it got; see scanStatus.
func (s *scanner) scan(b []byte) (int, scanStatus) {
	st := s.state
	i, n := 0, len(b)
	for i < n {
		switch st {
		case stValue, stArrFirst:
			c := b[i]
			if jsonSpace[c] {
				i++
				continue
			}
			switch {
			case c == '{':
				if len(s.stack) >= maxDepth {
					s.state = st
					return i, scanErr
				}
				s.stack = append(s.stack, '{')
				i++
				st = stObjFirst
			case c == '[':
				if len(s.stack) >= maxDepth {
					s.state = st
					return i, scanErr
				}
				s.stack = append(s.stack, '[')
				i++
				st = stArrFirst
			case c == '"':
				i++
				st = stStr
			case c == '-':
				i++
				st = stNumMinus
			case c == '0':
				i++
				st = stNumZero
			case c >= '1' && c <= '9':
				i++
				st = stNumInt
			case c == 't':
				i++
				s.lit, s.aux, st = "true", 1, stLit
			case c == 'f':
				i++
				s.lit, s.aux, st = "false", 1, stLit
			case c == 'n':
				i++
				s.lit, s.aux, st = "null", 1, stLit
			case c == ']' && st == stArrFirst:
				i++
				if s.pop() {
					return i, scanDone
				}
				st = stAfter
			default:
				s.state = st
				return i, scanErr
			}

		case stStr, stKeyStr:
			for i+8 <= n {
				if m := special(binary.LittleEndian.Uint64(b[i:])); m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					break
				}
				i += 8
			}
			for i < n && plainStr[b[i]] {
				i++
			}
			if i == n {
				break
			}
			switch b[i] {
			case '"':
				i++
				if st == stKeyStr {
					// Fast path: the colon right after the key.
					if i < n && b[i] == ':' {
						i++
						st = stValue
					} else {
						st = stColon
					}
					continue
				}
				if len(s.stack) == 0 {
					s.state = stValue
					return i, scanDone
				}
				st = stAfter
			case '\\':
				i++
				s.inKey = st == stKeyStr
				st = stEsc
			default: // a control byte
				s.state = st
				return i, scanErr
			}

		case stAfter:
			c := b[i]
			if jsonSpace[c] {
				i++
				continue
			}
			top := s.stack[len(s.stack)-1]
			switch {
			case c == ',':
				i++
				if top != '{' {
					st = stValue
				} else if i < n && b[i] == '"' {
					// Fast path: the next key right after the comma.
					i++
					st = stKeyStr
				} else {
					st = stKey
				}
			case c == '}' && top == '{', c == ']' && top == '[':
				i++
				if s.pop() {
					return i, scanDone
				}
			default:
				s.state = st
				return i, scanErr
			}

		case stObjFirst, stKey:
			c := b[i]
			if jsonSpace[c] {
				i++
				continue
			}
			switch {
			case c == '"':
				i++
				st = stKeyStr
			case c == '}' && st == stObjFirst:
				i++
				if s.pop() {
					return i, scanDone
				}
				st = stAfter
			default:
				s.state = st
				return i, scanErr
			}

		case stColon:
			c := b[i]
			if jsonSpace[c] {
				i++
				continue
			}
			if c != ':' {
				s.state = st
				return i, scanErr
			}
			i++
			st = stValue

		case stEsc:
			c := b[i]
			if !escapes[c] {
				s.state = st
				return i, scanErr
			}
			i++
			if c == 'u' {
				s.aux = 4
				st = stHex
			} else if s.inKey {
				st = stKeyStr
			} else {
				st = stStr
			}

		case stHex:
			if !isHex[b[i]] {
				s.state = st
				return i, scanErr
			}
			i++
			s.aux--
			if s.aux == 0 {
				if s.inKey {
					st = stKeyStr
				} else {
					st = stStr
				}
			}

		case stNumMinus, stNumDot, stNumExpSign:
			c := b[i]
			switch {
			case st == stNumMinus && c == '0':
				i++
				st = stNumZero
			case isDigit[c]:
				i++
				switch st {
				case stNumMinus:
					st = stNumInt
				case stNumDot:
					st = stNumFrac
				default:
					st = stNumExpDig
				}
			default:
				s.state = st
				return i, scanErr
			}

		case stNumExp:
			c := b[i]
			switch {
			case c == '+' || c == '-':
				i++
				st = stNumExpSign
			case isDigit[c]:
				i++
				st = stNumExpDig
			default:
				s.state = st
				return i, scanErr
			}

		case stNumZero, stNumInt, stNumFrac, stNumExpDig:
			if st != stNumZero {
				for i < n && isDigit[b[i]] {
					i++
				}
				if i == n {
					break
				}
			}
			c := b[i]
			switch {
			case c == '.' && (st == stNumZero || st == stNumInt):
				i++
				st = stNumDot
			case (c == 'e' || c == 'E') && st != stNumExpDig:
				i++
				st = stNumExp
			default:
				// The number ended before c; c belongs to what follows.
				if len(s.stack) == 0 {
					s.state = stValue
					return i, scanDone
				}
				st = stAfter
			}

		case stLit:
			if b[i] != s.lit[s.aux] {
				s.state = st
				return i, scanErr
			}
			i++
			s.aux++
			if int(s.aux) == len(s.lit) {
				if len(s.stack) == 0 {
					s.state = stValue
					return i, scanDone
				}
				st = stAfter
			}
		}
	}
	s.state = st
	return n, scanMore
}
