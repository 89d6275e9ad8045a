package logtypes

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// The GCP.AuditLog native parser decodes a Cloud Logging LogEntry with the schema and then
// checks that its logName names one of the Cloud Audit Logs, which a schema cannot express:
// the name starts with a variable parent (projects/ID, folders/ID, organizations/ID or
// billingAccounts/ID).
func init() {
	natives["GCP.AuditLog"] = newGCPAuditLog
	jsonNatives["GCP.AuditLog"] = true
}

// gcpLogNameField is the LogEntry field that holds the log name.
const gcpLogNameField = "logName"

// gcpAuditLogIDs are the log IDs of the Cloud Audit Logs, after the "cloudaudit.googleapis.com/"
// prefix.
var gcpAuditLogIDs = []string{"activity", "data_access", "system_event", "policy"}

func newGCPAuditLog(lt *logschema.LogType) (func() Parser, error) {
	i, ok := lt.Root.FieldIndexString(gcpLogNameField)
	if !ok || lt.Root.Fields[i].Type.Kind != logschema.KindString {
		return nil, fmt.Errorf("the schema must have a string field %q", gcpLogNameField)
	}
	p := gcpAuditLogParser{root: lt.Root, logName: i}
	return func() Parser { return p }, nil
}

type gcpAuditLogParser struct {
	root    *logschema.Type
	logName int // index of logName in root
}

func (p gcpAuditLogParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	v, err := d.JSON(p.root, rec.Data)
	if err != nil {
		return event.Value{}, false, err
	}
	name := v.Items[p.logName]
	if name.Kind != event.String {
		return event.Value{}, false, fmt.Errorf("field %s: required field is missing", gcpLogNameField)
	}
	if err := checkGCPAuditLogName(name.S); err != nil {
		return event.Value{}, false, fmt.Errorf("field %s: %w", gcpLogNameField, err)
	}
	return v, true, nil
}

// checkGCPAuditLogName reports whether name is the resource name of an audit log:
// "<parent>/logs/cloudaudit.googleapis.com%2F<id>" where id is activity, data_access,
// system_event or policy. The "/" of the log ID is URL-encoded in Cloud Logging; the decoded
// form, which some export tools write, is accepted too.
func checkGCPAuditLogName(name string) error {
	const (
		logs   = "/logs/"
		prefix = "cloudaudit.googleapis.com"
	)
	i := strings.Index(name, logs)
	if i <= 0 {
		return fmt.Errorf("expected a log name of the form <parent>/logs/<log id>, got %s", gcpQuote(name))
	}
	id := name[i+len(logs):]
	rest, ok := strings.CutPrefix(id, prefix)
	if ok {
		switch {
		case strings.HasPrefix(rest, "/"):
			rest = rest[1:]
		case len(rest) >= 3 && rest[0] == '%' && rest[1] == '2' && (rest[2] == 'F' || rest[2] == 'f'):
			rest = rest[3:]
		default:
			ok = false
		}
	}
	if ok {
		for _, want := range gcpAuditLogIDs {
			if rest == want {
				return nil
			}
		}
	}
	return fmt.Errorf("expected an audit log (log id %s%%2F followed by one of %s), got log id %s",
		prefix, strings.Join(gcpAuditLogIDs, ", "), gcpQuote(id))
}

// gcpQuote quotes s for an error message, shortened to 80 bytes.
func gcpQuote(s string) string {
	const maxLen = 80
	if len(s) > maxLen {
		return strconv.Quote(s[:maxLen]) + "..."
	}
	return strconv.Quote(s)
}
