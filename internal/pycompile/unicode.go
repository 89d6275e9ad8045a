package pycompile

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Case mapping and printability of non-ASCII text follow the Unicode database, whose version
// differs between Go (15.0) and CPython 3.11 (14.0), and CPython applies special casing (ß to
// SS, final sigma...). Compiled code maps and prints only characters of blocks where both agree
// (TestUnicodeAgreesWithCPython checks every one of them against the interpreter); other text
// bails.

type runeRange struct{ lo, hi rune }

// caseRanges hold the characters whose lower and upper case mappings agree.
var caseRanges = []runeRange{
	{0x80, 0x052F},   // Latin-1, Latin Extended-A/B, IPA, Greek, Cyrillic
	{0x0590, 0x0CF2}, // Hebrew, Arabic, Syriac, Thaana, NKo, Indic scripts (caseless)
	{0x0CF4, 0x0ECD},
	{0x0ECF, 0x0FFF},
	{0x3000, 0x9FFF}, // CJK symbols, kana, CJK ideographs (caseless)
	{0xAC00, 0xD7A3}, // Hangul
	{0xFF00, 0xFFEF}, // halfwidth and fullwidth forms
}

// printRanges hold the characters whose printability (str.isprintable, as repr uses it) agrees.
var printRanges = []runeRange{
	{0x80, 0x052F},
	{0x0590, 0x05FF}, // Hebrew
	{0x0600, 0x06FF}, // Arabic
	{0x3040, 0x30FF}, // Hiragana, Katakana
	{0x4E00, 0x9FFF}, // CJK ideographs
	{0xAC00, 0xD7A3}, // Hangul
}

func inRanges(r rune, rs []runeRange) bool {
	for _, rg := range rs {
		if r >= rg.lo && r <= rg.hi {
			return true
		}
	}
	return false
}

// upperSpecial are the characters whose upper case is several characters (SpecialCasing.txt),
// in the case ranges.
var upperSpecial = map[rune]bool{0xDF: true, 0x149: true, 0x1F0: true, 0x390: true, 0x3B0: true, 0x587: true}

// pyLower is str.lower; ok is false when the text has characters it cannot map exactly.
func pyLower(s string) (string, bool) {
	if isASCII(s) {
		return asciiLower(s), true
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 0x80 && (!inRanges(r, caseRanges) || r == 0x130 || r == 0x3A3) {
			return "", false // İ lowers to two characters; Σ depends on its position
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String(), true
}

// pyUpper is str.upper; ok is false when the text has characters it cannot map exactly.
func pyUpper(s string) (string, bool) {
	if isASCII(s) {
		return asciiUpper(s), true
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 0x80 && (!inRanges(r, caseRanges) || upperSpecial[r]) {
			return "", false
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String(), true
}

// pyPrintable is str.isprintable for one character; ok is false outside the agreed ranges.
func pyPrintable(r rune) (printable, ok bool) {
	if r < 0x80 {
		return r >= 0x20 && r < 0x7f, true
	}
	if !inRanges(r, printRanges) {
		return false, false
	}
	return unicode.IsPrint(r), true
}

// strReprUnicode is repr(str) for text with non-ASCII characters.
func strReprUnicode(s string) (string, *Exception) {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x80:
			if r < ' ' || r == 0x7f {
				b = append(b, '\\', 'x', hexDigit[r>>4], hexDigit[r&15])
			} else {
				b = append(b, byte(r))
			}
		default:
			p, ok := pyPrintable(r)
			if !ok {
				return "", bailf("repr of text with characters whose printability Go and CPython may disagree on")
			}
			switch {
			case p:
				b = utf8.AppendRune(b, r)
			case r <= 0xff:
				b = append(b, '\\', 'x', hexDigit[r>>4], hexDigit[r&15])
			case r <= 0xffff:
				b = append(b, '\\', 'u')
				for shift := 12; shift >= 0; shift -= 4 {
					b = append(b, hexDigit[(r>>uint(shift))&15])
				}
			default:
				b = append(b, '\\', 'U')
				for shift := 28; shift >= 0; shift -= 4 {
					b = append(b, hexDigit[(r>>uint(shift))&15])
				}
			}
		}
	}
	return string(append(b, quote)), nil
}
