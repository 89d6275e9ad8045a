package decode

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/textparse"
)

// Fields decodes the named string fields a text parser produced as the object type t. Each
// value is converted to its field's type: numbers, booleans and timestamps are parsed, and
// json, object and array fields must hold JSON text. Empty values are absent. Names that are
// not fields of t are dropped. A malformed value of an optional field is dropped with a
// warning, as in JSON.
func (d *Decoder) Fields(t *logschema.Type, fields []textparse.Field) (event.Value, error) {
	d.resetRecord()
	items := d.Arena.Alloc(len(t.Fields))
	for _, f := range fields {
		i, ok := t.FieldIndexString(f.Name)
		if !ok || f.Value == "" {
			continue
		}
		ft := t.Fields[i]
		mark := len(d.warns)
		v, err := d.textValue(ft.Type, f.Value)
		if err == nil && len(d.warns) > mark {
			d.within(mark, ft.Column)
		}
		if err != nil {
			e := asMalformed(err)
			if e == nil {
				return event.Value{}, in(err, ft.Name)
			}
			if ft.Required {
				return event.Value{}, required(err, ft.Name)
			}
			d.drop(e, ft.Column)
			continue
		}
		items[i] = v
	}
	if err := checkRequired(t, items); err != nil {
		return event.Value{}, err
	}
	return event.Value{Kind: event.Object, Items: items}, nil
}

func (d *Decoder) textValue(t *logschema.Type, s string) (event.Value, error) {
	switch t.Kind {
	case logschema.KindString:
		var str string
		if utf8.ValidString(s) {
			str = d.Arena.CopyString(s)
		} else {
			str = d.Arena.CopyString(strings.ToValidUTF8(s, "\uFFFD"))
		}
		return d.finishString(t, str)
	case logschema.KindInt, logschema.KindSmallInt, logschema.KindBigInt, logschema.KindFloat, logschema.KindBool:
		b := bytes.TrimSpace([]byte(s))
		if len(b) == 0 || len(b) == 1 && b[0] == '-' {
			return event.Value{}, nil
		}
		return parseScalar(t.Kind, b)
	case logschema.KindTimestamp:
		if strings.TrimSpace(s) == "-" {
			return event.Value{}, nil
		}
		return d.parseTime(t, s)
	case logschema.KindJSON:
		if !validJSON([]byte(s), 0) {
			return event.Value{}, malformed("expected JSON text", []byte(s))
		}
		v, err := d.jsonValue(t, []byte(s))
		if err != nil {
			return event.Value{}, err
		}
		if v.Kind != event.JSON {
			return event.Value{}, errorf(-1, "expected JSON text")
		}
		return v, nil
	case logschema.KindObject, logschema.KindArray:
		if !validJSON([]byte(s), 0) {
			return event.Value{}, malformed("expected JSON text ("+t.Kind.String()+")", []byte(s))
		}
		sub := *t
		sub.EmbeddedJSON = false
		return d.jsonValue(&sub, []byte(s))
	}
	return event.Value{}, errorf(-1, "unsupported schema type "+t.Kind.String())
}
