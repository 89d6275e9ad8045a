package grok

// The built-in library. Every name and meaning follows the classic grok
// library; the expressions are our own, written for RE2, which has no
// lookaround and no atomic groups. Where the classic text differs:
//
//   - "not preceded or followed by a digit" guards become \b word boundaries
//     (IPV4, POSINT, NONNEGINT) or are dropped where the surrounding pattern
//     delimits the value (BASE10NUM, TIME);
//   - HOSTNAME labels have no 63-character limit: a counted repetition
//     {0,62} compiles to 62 copies and makes every pattern that uses
//     HOSTNAME several times slower;
//   - IPV6 checks the shape of compressed forms but not their group count
//     (see ipv6);
//   - MONTH, DAY and LOGLEVEL ignore case; MONTH and DAY take English names
//     only; TZ also accepts GMT.
//
// The sizes matter: Go's regexp uses a backtracking matcher, several times
// faster than its NFA, only for programs of at most 500 instructions, and
// TestProgramSizes keeps COMBINEDAPACHELOG under that budget.

const (
	hex4  = `[0-9A-Fa-f]{1,4}`
	octet = `(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`
	ipv4  = octet + `(?:\.` + octet + `){3}`
)

// ipv6 matches the text forms of RFC 4291 section 2.2: eight groups, or
// fewer around one "::", with an optional IPv4 tail and an optional zone.
//
// The classic grok expression also bounds the number of groups around "::"
// and checks the range of each octet of the IPv4 tail. Doing so takes an
// alternation per position of the "::" and makes the program about four times
// larger, which keeps Go's regexp from using its backtracking matcher (about
// five times faster) on patterns such as COMBINEDAPACHELOG. So this form
// checks the shape (1 to 4 hex digits per group, at most one "::", four
// groups of 1 to 3 digits in the IPv4 tail) and leaves the group count of
// compressed forms and the octet ranges of the tail unchecked.
func ipv6() string {
	h := hex4
	groups := `(?:` + h + `(?::` + h + `)*)?`
	v4 := `\d{1,3}(?:\.\d{1,3}){3}`
	return `(?:` +
		`(?:` + h + `:){6}(?:` + h + `:` + h + `|` + v4 + `)|` +
		groups + `::(?:` + groups + `|(?:` + h + `:)*` + v4 + `)` +
		`)(?:%[0-9A-Za-z._~-]+)?`
}

// hostLabel is one DNS label: letters, digits and inner hyphens, at most 63
// characters.
const hostLabel = `[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?`

func builtinPatterns() map[string]string {
	return map[string]string{
		// Users and mail.
		"USERNAME":       `[a-zA-Z0-9._-]+`,
		"USER":           `%{USERNAME}`,
		"EMAILLOCALPART": `[a-zA-Z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[a-zA-Z0-9!#$%&'*+/=?^_{|}~-]+)*`,
		"EMAILADDRESS":   `%{EMAILLOCALPART}@%{HOSTNAME}`,
		"HTTPDUSER":      `%{EMAILADDRESS}|%{USER}`,

		// Numbers.
		"INT":         `[+-]?\d+`,
		"BASE10NUM":   `[+-]?(?:\d+(?:\.\d+)?|\.\d+)`,
		"NUMBER":      `%{BASE10NUM}`,
		"BASE16NUM":   `[+-]?(?:0[xX])?[0-9A-Fa-f]+`,
		"BASE16FLOAT": `[+-]?(?:0[xX])?(?:[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?|\.[0-9A-Fa-f]+)`,
		"POSINT":      `\b[1-9]\d*\b`,
		"NONNEGINT":   `\b\d+\b`,

		// Words, spaces and free text.
		"WORD":         `\b\w+\b`,
		"NOTSPACE":     `\S+`,
		"NS":           `%{NOTSPACE}`,
		"SPACE":        `\s*`,
		"DATA":         `.*?`,
		"GREEDYDATA":   `.*`,
		"QUOTEDSTRING": `"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`(?:[^`\\\\]|\\\\.)*`",
		"QS":           `%{QUOTEDSTRING}`,
		"UUID":         `[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}`,

		// Network addresses.
		"CISCOMAC":   `(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4}`,
		"WINDOWSMAC": `(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2}`,
		"COMMONMAC":  `(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2}`,
		"MAC":        `%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC}`,
		"IPV4":       `\b` + ipv4 + `\b`,
		"IPV6":       ipv6(),
		"IP":         `%{IPV6}|%{IPV4}`,
		"HOSTNAME":   `\b` + hostLabel + `(?:\.` + hostLabel + `)*\.?`,
		"HOST":       `%{HOSTNAME}`,
		// Every IPV4 text is also a HOSTNAME, so leaving IPV4 out keeps
		// the meaning and makes the program smaller.
		"IPORHOST": `%{IPV6}|%{HOSTNAME}`,
		"HOSTPORT": `%{IPORHOST}:%{POSINT}`,

		// Paths and URIs.
		"PATH":         `%{UNIXPATH}|%{WINPATH}`,
		"UNIXPATH":     `(?:/(?:[\w%!$@:.,+~-]+|\\.)*)+`,
		"TTY":          `/dev/(?:pts|tty[pq]?)(?:\w+)?/?\d+`,
		"WINPATH":      `(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+`,
		"URIPROTO":     `[A-Za-z][A-Za-z0-9+.-]+`,
		"URIHOST":      `%{IPORHOST}(?::%{POSINT})?`,
		"URIPATH":      `(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+`,
		"URIPARAM":     `\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\[\]<>-]*`,
		"URIPATHPARAM": `%{URIPATH}(?:%{URIPARAM})?`,
		"URI":          `%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?`,

		// Dates and times.
		"MONTH":              `\b(?i:jan(?:uary)?|feb(?:ruary)?|ma(?:r(?:ch)?|y)|apr(?:il)?|ju(?:ne?|ly?)|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b`,
		"MONTHNUM":           `0?[1-9]|1[0-2]`,
		"MONTHNUM2":          `0[1-9]|1[0-2]`,
		"MONTHDAY":           `0[1-9]|[12]\d|3[01]|[1-9]`,
		"DAY":                `\b(?i:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\b`,
		"YEAR":               `\d\d(?:\d\d)?`,
		"HOUR":               `2[0-3]|[01]?\d`,
		"MINUTE":             `[0-5]\d`,
		"SECOND":             `(?:[0-5]?\d|60)(?:[:.,]\d+)?`,
		"TIME":               `%{HOUR}:%{MINUTE}:%{SECOND}`,
		"DATE_US":            `%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}`,
		"DATE_EU":            `%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}`,
		"ISO8601_TIMEZONE":   `Z|[+-]%{HOUR}:?%{MINUTE}`,
		"ISO8601_SECOND":     `%{SECOND}`,
		"TIMESTAMP_ISO8601":  `%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?`,
		"DATE":               `%{DATE_US}|%{DATE_EU}`,
		"DATESTAMP":          `%{DATE}[- ]%{TIME}`,
		"TZ":                 `[APMCE][SD]T|UTC|GMT`,
		"DATESTAMP_RFC822":   `%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}`,
		"DATESTAMP_RFC2822":  `%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}`,
		"DATESTAMP_OTHER":    `%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}`,
		"DATESTAMP_EVENTLOG": `%{YEAR}%{MONTHNUM2}%{MONTHDAY}%{HOUR}%{MINUTE}%{SECOND}`,
		"HTTPDATE":           `%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}`,

		// Syslog.
		"SYSLOGTIMESTAMP": `%{MONTH} +%{MONTHDAY} %{TIME}`,
		"PROG":            `[\x21-\x5a\x5c\x5e-\x7e]+`,
		"SYSLOGPROG":      `%{PROG:program}(?:\[%{POSINT:pid}\])?`,
		"SYSLOGHOST":      `%{IPORHOST}`,
		"SYSLOGFACILITY":  `<%{NONNEGINT:facility}\.%{NONNEGINT:priority}>`,
		"SYSLOGBASE":      `%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:`,
		"LOGLEVEL":        `\b(?i:alert|trace|debug|notice|info?(?:rmation)?|warn?(?:ing)?|err?(?:or)?|crit?(?:ical)?|fatal|severe|emerg(?:ency)?)\b`,

		// Web servers.
		"COMMONAPACHELOG":   `%{IPORHOST:clientip} %{HTTPDUSER:ident} %{USER:auth} \[%{HTTPDATE:timestamp}\] "(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" %{NUMBER:response} (?:%{NUMBER:bytes}|-)`,
		"COMBINEDAPACHELOG": `%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}`,
	}
}
