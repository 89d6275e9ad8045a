package logschema

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// symbolNames are the symbols Panther transliterates in field names, as in Glue/Athena.
var symbolNames = map[rune]string{
	'@':  "at_sign",
	',':  "comma",
	'`':  "backtick",
	'\'': "apostrophe",
	'$':  "dollar_sign",
	'*':  "asterisk",
	'&':  "ampersand",
	'!':  "exclamation",
	'%':  "percent",
	'+':  "plus",
	'/':  "slash",
	'\\': "backslash",
	'#':  "hash",
	'~':  "tilde",
	'=':  "eq",
}

// ColumnName rewrites a field name into the column name used in the lake and seen by rules.
// Letters, digits, '_' and '-' are kept with their case; the symbols Panther names are spelled
// out between underscores ("@timestamp" -> "at_sign_timestamp"); accented letters lose their
// accents; anything else becomes '_'.
func ColumnName(name string) string {
	if isPlainName(name) {
		return name
	}
	var b strings.Builder
	symbolEnd := false // b ends with the '_' written after a symbol name
	for _, r := range norm.NFD.String(name) {
		switch {
		case r < utf8.RuneSelf && (isASCIIAlnum(byte(r)) || r == '_' || r == '-'):
			b.WriteRune(r)
			symbolEnd = false
		case symbolNames[r] != "":
			if b.Len() > 0 && !symbolEnd && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			b.WriteString(symbolNames[r])
			b.WriteByte('_')
			symbolEnd = true
		case unicode.Is(unicode.Mn, r):
			// A combining mark left by decomposing an accented letter: drop it.
		default:
			b.WriteByte('_')
			symbolEnd = false
		}
	}
	out := b.String()
	if symbolEnd {
		out = out[:len(out)-1]
	}
	return out
}

func isPlainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isASCIIAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// TableName is the lake table of a log type: lower case, '.' replaced by '_'
// (AWS.CloudTrail -> aws_cloudtrail).
func TableName(logType string) string {
	return strings.ReplaceAll(strings.ToLower(logType), ".", "_")
}
