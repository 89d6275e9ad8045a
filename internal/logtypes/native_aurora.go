package logtypes

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// Amazon Aurora MySQL advanced auditing logs: comma-separated lines without a header and
// without quoting, timestamp,serverhost,username,host,connectionid,queryid,operation,database,
// object,retcode. The object of a QUERY event is the SQL text, which holds commas of its own,
// so a CSV reader splits it; the object is everything between the eighth comma and the last
// one, as Panther re-joined it.
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Auditing.html

// auroraLeadingColumns are the columns before the object.
var auroraLeadingColumns = [...]string{
	"timestamp", "serverHost", "username", "host", "connectionId", "queryId", "operation", "database",
}

// auroraOperations are the operations Aurora writes: the documented CONNECT, QUERY, READ,
// WRITE, CREATE, ALTER, RENAME and DROP, and the connection events of the MariaDB audit plugin
// format it follows (DISCONNECT, FAILED_CONNECT, CHANGEUSER).
var auroraOperations = map[string]bool{
	"CONNECT": true, "DISCONNECT": true, "FAILED_CONNECT": true, "CHANGEUSER": true,
	"QUERY": true, "READ": true, "WRITE": true, "CREATE": true, "ALTER": true, "RENAME": true,
	"DROP": true,
}

func init() {
	natives["AWS.AuroraMySQLAudit"] = newAuroraParser
}

func newAuroraParser(lt *logschema.LogType) (func() Parser, error) {
	root := lt.Root
	return func() Parser { return &auroraParser{root: root} }, nil
}

// auroraParser parses the lines of one Aurora MySQL audit log file.
type auroraParser struct {
	root *logschema.Type
	rec  lineFields
}

func (p *auroraParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	line := unsafeString(rec.Data)
	if line == "" || line[0] < '0' || line[0] > '9' {
		return event.Value{}, false, errAuroraStart
	}
	r := &p.rec
	r.reset()
	rest, off := line, 0
	for i, name := range auroraLeadingColumns {
		c := strings.IndexByte(rest, ',')
		if c < 0 {
			return event.Value{}, false, fmt.Errorf("aurora mysql audit: expected at least 9 comma-separated columns (timestamp,serverhost,username,host,connectionid,queryid,operation,database,...,retcode), got %d", i+1)
		}
		v := rest[:c]
		if msg := checkAuroraColumn(name, v); msg != "" {
			return event.Value{}, false, fmt.Errorf("aurora mysql audit: column %d (%s) at offset %d: %s, got %s", i+1, name, off, msg, shortQuote(v))
		}
		r.add(name, v)
		rest, off = rest[c+1:], off+c+1
	}
	last := strings.LastIndexByte(rest, ',')
	object, retCode := "", rest
	if last >= 0 {
		object, retCode = rest[:last], rest[last+1:]
	}
	if retCode != "" && !isInteger(retCode) {
		return event.Value{}, false, fmt.Errorf("aurora mysql audit: last column (retcode) at offset %d: expected the return code, an integer, got %s", off+last+1, shortQuote(retCode))
	}
	r.add("object", object)
	r.add("retCode", retCode)
	v, err := d.Fields(p.root, r.done())
	if err != nil {
		return event.Value{}, false, fmt.Errorf("aurora mysql audit: %w", err)
	}
	return v, true, nil
}

// checkAuroraColumn checks the leading columns that tell Aurora audit lines apart from other
// comma-separated text, and returns what was expected, or "".
func checkAuroraColumn(name, v string) string {
	switch name {
	case "timestamp":
		if !allASCIIDigits(v) {
			return "expected a Unix time in microseconds"
		}
	case "connectionId", "queryId":
		if !allASCIIDigits(v) {
			return "expected a number"
		}
	case "operation":
		if !auroraOperations[v] {
			return "expected CONNECT, DISCONNECT, FAILED_CONNECT, CHANGEUSER, QUERY, READ, WRITE, CREATE, ALTER, RENAME or DROP"
		}
	}
	return ""
}

// isInteger reports whether s is a decimal integer with an optional minus sign.
func isInteger(s string) bool {
	return allASCIIDigits(strings.TrimPrefix(s, "-"))
}

// errAuroraStart rejects a line that does not start with the time in microseconds, without
// allocating.
var errAuroraStart = errors.New("aurora mysql audit: column 1 (timestamp) at offset 0: expected a Unix time in microseconds")
