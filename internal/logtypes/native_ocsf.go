package logtypes

import (
	"fmt"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// The OCSF natives decode an OCSF event with the schema of one OCSF class and then check its
// class_uid, an integer a schema's validate (which applies to strings) cannot restrict. All
// OCSF classes share the base event attributes, so the class is what tells them apart.
func init() {
	registerOCSF("OCSF.NetworkActivity", 4001)
}

// ocsfClassField is the OCSF attribute that holds the class of an event.
const ocsfClassField = "class_uid"

func registerOCSF(name string, classUID int64) {
	natives[name] = func(lt *logschema.LogType) (func() Parser, error) {
		i, ok := lt.Root.FieldIndexString(ocsfClassField)
		if !ok || lt.Root.Fields[i].Type.Kind != logschema.KindInt {
			return nil, fmt.Errorf("the schema must have an int field %q", ocsfClassField)
		}
		p := ocsfParser{root: lt.Root, class: i, uid: classUID}
		return func() Parser { return p }, nil
	}
	jsonNatives[name] = true
}

type ocsfParser struct {
	root  *logschema.Type
	class int   // index of class_uid in root
	uid   int64 // the class_uid this type accepts
}

func (p ocsfParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	v, err := d.JSON(p.root, rec.Data)
	if err != nil {
		return event.Value{}, false, err
	}
	c := v.Items[p.class]
	if c.Kind != event.Int {
		return event.Value{}, false, fmt.Errorf("field %s: required field is missing", ocsfClassField)
	}
	if c.N != p.uid {
		return event.Value{}, false, fmt.Errorf("field %s: expected %d, got %d", ocsfClassField, p.uid, c.N)
	}
	return v, true, nil
}
