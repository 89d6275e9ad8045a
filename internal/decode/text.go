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
// not fields of t are dropped.
func (d *Decoder) Fields(t *logschema.Type, fields []textparse.Field) (event.Value, error) {
	d.Indicators.Reset()
	items := d.Arena.Alloc(len(t.Fields))
	for _, f := range fields {
		i, ok := t.FieldIndexString(f.Name)
		if !ok || f.Value == "" {
			continue
		}
		ft := t.Fields[i]
		v, err := d.textValue(ft.Type, f.Value)
		if err != nil {
			return event.Value{}, in(err, ft.Name)
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
		if len(b) == 0 {
			return event.Value{}, nil
		}
		return parseScalar(t.Kind, b)
	case logschema.KindTimestamp:
		return d.parseTime(t, s)
	case logschema.KindJSON:
		v, err := d.jsonValue(t, []byte(s))
		if err != nil {
			return event.Value{}, err
		}
		if v.Kind != event.JSON {
			return event.Value{}, errorf(-1, "expected JSON text")
		}
		return v, nil
	case logschema.KindObject, logschema.KindArray:
		sub := *t
		sub.EmbeddedJSON = false
		return d.jsonValue(&sub, []byte(s))
	}
	return event.Value{}, errorf(-1, "unsupported schema type "+t.Kind.String())
}
