package indicators

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of DNS names (RFC 1035), in their ASCII form.
const (
	maxLabel  = 63
	maxDomain = 253
)

// addDomain normalises a DNS name and adds it: lower-cased, trailing dot removed, Punycode
// labels decoded. It adds nothing if the name is not valid (see Scanner.Scan).
func (s *Set) addDomain(v string) {
	v = strings.TrimSuffix(v, ".")
	if v == "" || len(v) > maxDomain*4 {
		return
	}
	start := s.begin(len(v))
	ascii := 0 // length of the name in ASCII form, approximately for Unicode labels
	lastAllDigits := false
	for label, rest, more := cutDot(v); ; label, rest, more = cutDot(rest) {
		if label == "" || len(label) > maxLabel*4 {
			s.drop(start)
			return
		}
		if len(s.arena) > start {
			s.arena = append(s.arena, '.')
		}
		var ok bool
		if ok, lastAllDigits = s.appendLabel(label); !ok {
			s.drop(start)
			return
		}
		ascii += len(label) + 1
		if !more {
			break
		}
	}
	if ascii-1 > maxDomain || lastAllDigits {
		s.drop(start)
		return
	}
	s.commit(KindDomainName, start)
}

// cutDot splits s at its first '.'.
func cutDot(s string) (label, rest string, more bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// appendLabel appends one label, lower-cased and decoded from Punycode if it is an "xn--"
// label. It reports whether the label is valid and whether it is all digits.
func (s *Set) appendLabel(label string) (ok, allDigits bool) {
	allDigits = true
	ascii := true
	for i := 0; i < len(label); i++ {
		c := label[i]
		if c >= utf8.RuneSelf {
			ascii, allDigits = false, false
			break
		}
		if !isAlnum(c) && c != '-' && c != '_' {
			return false, false
		}
		if c < '0' || c > '9' {
			allDigits = false
		}
	}
	if ascii {
		if len(label) > maxLabel {
			return false, false
		}
		if len(label) > 4 && strings.EqualFold(label[:4], "xn--") && s.appendPunycode(label[4:]) {
			return true, false
		}
		s.arena = appendLower(s.arena, label)
		return true, allDigits
	}
	// A label already in Unicode: letters, digits, marks, '-' and '_'.
	for _, r := range label {
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '-' || r == '_') {
			return false, false
		}
		s.arena = utf8.AppendRune(s.arena, unicode.ToLower(r))
	}
	return true, false
}

// appendPunycode decodes a Punycode label (without its "xn--" prefix) and appends it
// lower-cased. It reports false, appending nothing, if the label is not valid Punycode or does
// not decode to a Unicode name label (one with at least one non-ASCII letter, digit or mark).
func (s *Set) appendPunycode(enc string) bool {
	runes, ok := decodePunycode(s.runes[:0], enc)
	s.runes = runes[:0]
	if !ok {
		return false
	}
	nonASCII := false
	for _, r := range runes {
		if r >= utf8.RuneSelf {
			nonASCII = true
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
				return false
			}
		} else if r > unicode.MaxASCII || !(isAlnum(byte(r)) || r == '-' || r == '_') {
			return false
		}
	}
	if !nonASCII {
		return false
	}
	for _, r := range runes {
		s.arena = utf8.AppendRune(s.arena, unicode.ToLower(r))
	}
	return true
}

// Punycode parameters (RFC 3492, section 5).
const (
	pBase        = 36
	pTMin        = 1
	pTMax        = 26
	pSkew        = 38
	pDamp        = 700
	pInitialBias = 72
	pInitialN    = 128
)

// decodePunycode decodes Punycode (RFC 3492, section 6.2) into dst[:0].
func decodePunycode(dst []rune, enc string) ([]rune, bool) {
	out := dst[:0]
	in := 0
	if b := strings.LastIndexByte(enc, '-'); b > 0 {
		for i := 0; i < b; i++ {
			if enc[i] >= utf8.RuneSelf {
				return out, false
			}
			out = append(out, rune(enc[i]))
		}
		in = b + 1
	}
	n, i, bias := pInitialN, 0, pInitialBias
	for in < len(enc) {
		oldI, w := i, 1
		for k := pBase; ; k += pBase {
			if in >= len(enc) {
				return out, false
			}
			digit := punyDigit(enc[in])
			in++
			if digit < 0 || digit > (math.MaxInt32-i)/w {
				return out, false
			}
			i += digit * w
			t := min(max(k-bias, pTMin), pTMax)
			if digit < t {
				break
			}
			if w > math.MaxInt32/(pBase-t) {
				return out, false
			}
			w *= pBase - t
		}
		count := len(out) + 1
		bias = punyAdapt(i-oldI, count, oldI == 0)
		if i/count > math.MaxInt32-n {
			return out, false
		}
		n += i / count
		i %= count
		if n > unicode.MaxRune || (0xD800 <= n && n <= 0xDFFF) {
			return out, false
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = rune(n)
		i++
	}
	return out, true
}

// punyDigit returns the value of a Punycode digit: a-z (or A-Z) are 0-25, 0-9 are 26-35.
func punyDigit(c byte) int {
	switch {
	case 'a' <= c && c <= 'z':
		return int(c - 'a')
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case '0' <= c && c <= '9':
		return int(c-'0') + 26
	}
	return -1
}

// punyAdapt is the bias adaptation function of RFC 3492, section 6.1.
func punyAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= pDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pBase-pTMin)*pTMax)/2 {
		delta /= pBase - pTMin
		k += pBase
	}
	return k + (pBase-pTMin+1)*delta/(delta+pSkew)
}
