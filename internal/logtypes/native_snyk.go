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

// The Snyk.GroupAudit and Snyk.OrgAudit native parsers decode a Snyk audit log record with the
// schema and then check the level of the event. Group and organization audit records have the
// same keys, so a schema cannot tell them apart; the level follows from the record instead:
// a group.* event, or an event that names no organization, is group-level, and every other
// event is organization-level. The two types therefore split the records between them and a
// record is never claimed by both.
//
// Organization-level events that a group audit log also lists (org.delete with the orgId of
// the deleted organization, for example) are filed as Snyk.OrgAudit; rules that care about both
// levels list both log types.
func init() {
	natives["Snyk.GroupAudit"] = newSnykAudit(snykGroupLevel)
	natives["Snyk.OrgAudit"] = newSnykAudit(snykOrgLevel)
	jsonNatives["Snyk.GroupAudit"] = true
	jsonNatives["Snyk.OrgAudit"] = true
}

// snykLevel is the level of a Snyk audit event.
type snykLevel bool

const (
	snykGroupLevel snykLevel = true
	snykOrgLevel   snykLevel = false
)

func (l snykLevel) String() string {
	if l == snykGroupLevel {
		return "group"
	}
	return "organization"
}

// snykEventField is the field that names the event; snykOrgFields name the organization, in
// the camelCase of API v1 and the snake_case of the REST API.
const snykEventField = "event"

var snykOrgFields = []string{"orgId", "org_id"}

func newSnykAudit(level snykLevel) func(lt *logschema.LogType) (func() Parser, error) {
	return func(lt *logschema.LogType) (func() Parser, error) {
		p := snykAuditParser{root: lt.Root, level: level}
		i, ok := lt.Root.FieldIndexString(snykEventField)
		if !ok || lt.Root.Fields[i].Type.Kind != logschema.KindString {
			return nil, fmt.Errorf("the schema must have a string field %q", snykEventField)
		}
		p.event = i
		for _, name := range snykOrgFields {
			j, ok := lt.Root.FieldIndexString(name)
			if !ok || lt.Root.Fields[j].Type.Kind != logschema.KindString {
				return nil, fmt.Errorf("the schema must have a string field %q", name)
			}
			p.orgs = append(p.orgs, j)
		}
		return func() Parser { return p }, nil
	}
}

type snykAuditParser struct {
	root  *logschema.Type
	level snykLevel
	event int   // index of the event field in root
	orgs  []int // indexes of the organization ID fields in root
}

func (p snykAuditParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	v, err := d.JSON(p.root, rec.Data)
	if err != nil {
		return event.Value{}, false, err
	}
	name := v.Items[p.event]
	if name.Kind != event.String {
		return event.Value{}, false, fmt.Errorf("field %s: required field is missing", snykEventField)
	}
	org := ""
	for _, i := range p.orgs {
		if it := v.Items[i]; it.Kind == event.String && it.S != "" {
			org = it.S
			break
		}
	}
	if got := snykEventLevel(name.S, org); got != p.level {
		return event.Value{}, false, snykLevelError(p.level, name.S, org)
	}
	return v, true, nil
}

// snykEventLevel returns the level of an event named name whose record names the organization
// org ("" when it names none).
func snykEventLevel(name, org string) snykLevel {
	if strings.HasPrefix(name, "group.") || org == "" {
		return snykGroupLevel
	}
	return snykOrgLevel
}

// snykLevelError explains why an event is not of the level want.
func snykLevelError(want snykLevel, name, org string) error {
	if want == snykGroupLevel {
		return fmt.Errorf("field %s: expected a group-level event (a group.* event, or an event without orgId or org_id), got %s for organization %s: that is an organization audit event",
			snykEventField, snykQuote(name), snykQuote(org))
	}
	if strings.HasPrefix(name, "group.") {
		return fmt.Errorf("field %s: expected an organization-level event, got the group event %s: that is a group audit event",
			snykEventField, snykQuote(name))
	}
	return fmt.Errorf("field %s: expected an organization-level event with orgId or org_id, got %s without an organization: that is a group audit event",
		snykEventField, snykQuote(name))
}

// snykQuote quotes s for an error message, shortened to 80 bytes.
func snykQuote(s string) string {
	const maxLen = 80
	if len(s) > maxLen {
		return strconv.Quote(s[:maxLen]) + "..."
	}
	return strconv.Quote(s)
}
