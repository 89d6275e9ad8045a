package pycompile

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
)

// TestStandardFieldsFollowAppendJSON checks that the event view lists the p_ fields in the
// order and with the presence rules of event.AppendJSON, which is what CPython sees.
func TestStandardFieldsFollowAppendJSON(t *testing.T) {
	lt := &logschema.LogType{Name: "Test.Std", Root: &logschema.Type{Kind: logschema.KindObject,
		Fields: []*logschema.Field{{Name: "a", Column: "a", Type: &logschema.Type{Kind: logschema.KindString}}}}}
	full := &event.Event{LogType: lt, Root: event.Value{Kind: event.Object, Items: []event.Value{{Kind: event.String, S: "x"}}},
		EventTime: 1, ParseTime: 2, RowID: "r", SourceID: "sid", SourceLabel: "lbl", SourceAddress: "1.2.3.4:5",
		ParseWarnings: []event.Warning{{Field: "f", Value: "v", Error: "e"}}}
	for i := range full.Indicators {
		full.Indicators[i] = []string{"v" + indicators.Kinds[i].String()}
	}
	empty := &event.Event{LogType: lt, Root: event.Value{Kind: event.Object, Items: []event.Value{{}}}}
	for _, e := range []*event.Event{full, empty} {
		js := event.AppendJSON(nil, e)
		dec := json.NewDecoder(strings.NewReader(string(js)))
		tok, _ := dec.Token()
		if tok != json.Delim('{') {
			t.Fatal("not an object")
		}
		var want []string
		for dec.More() {
			k, _ := dec.Token()
			want = append(want, k.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
		x := &Evaluator{}
		var got []string
		if err := x.viewItems(typedEvent(e), func(k, _ Value) (bool, *Exception) {
			got = append(got, k.S)
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("keys:\n got %v\nwant %v", got, want)
		}
		pv, _ := parseJSON(string(js))
		gotTag, err := x.tag(typedEvent(e), false, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantTag, _ := x.tag(genericEvent(pv.dict()), false, 0)
		if !SameTagged(gotTag, wantTag) {
			t.Errorf("values:\n got %s\nwant %s", FormatTagged(gotTag), FormatTagged(wantTag))
		}
	}
}
