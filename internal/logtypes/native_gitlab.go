package logtypes

import (
	"fmt"
	"strings"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// The GitLab.Production native parser decodes a production_json.log record with the schema and
// then requires that it has action or etag_route. API requests share most keys with controller
// requests but have neither, so without this check a GitLab.API record that lacks one of its
// own required keys would be taken for a GitLab.Production record. A schema can require every
// one of a set of fields, not one of them; hence the native parser.
func init() {
	natives["GitLab.Production"] = func(lt *logschema.LogType) (func() Parser, error) {
		return newAnyOfJSON(lt, "action", "etag_route")
	}
	jsonNatives["GitLab.Production"] = true
}

// newAnyOfJSON returns a JSON parser for lt that rejects records in which none of the named
// top-level fields has a non-null value. Every name must be a top-level field of the schema.
func newAnyOfJSON(lt *logschema.LogType, names ...string) (func() Parser, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no fields to require")
	}
	p := anyOfJSONParser{root: lt.Root, fields: make([]int, len(names))}
	for i, name := range names {
		idx, ok := lt.Root.FieldIndexString(name)
		if !ok {
			return nil, fmt.Errorf("the schema has no top-level field %q", name)
		}
		p.fields[i] = idx
	}
	p.err = fmt.Errorf("expected at least one of the fields %s, found none", strings.Join(names, ", "))
	return func() Parser { return p }, nil
}

// anyOfJSONParser decodes a JSON record with the schema and requires one of a set of fields.
type anyOfJSONParser struct {
	root   *logschema.Type
	fields []int // indexes in root of the fields of which one must be present
	err    error // the error of a record that has none of them
}

// Parse decodes rec and checks that one of the required fields is present; a field that is
// null counts as missing, as it does for required fields.
func (p anyOfJSONParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	v, err := d.JSON(p.root, rec.Data)
	if err != nil {
		return event.Value{}, false, err
	}
	for _, i := range p.fields {
		if v.Items[i].Kind != event.Null {
			return v, true, nil
		}
	}
	return event.Value{}, false, p.err
}
