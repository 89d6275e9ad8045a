package detect

import (
	"encoding/json"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
)

func TestSignalDoc(t *testing.T) {
	s, err := logschema.Parse("s.yml", []byte("version: 0\nschema: Custom.Signal\nfields:\n  - {name: user, type: string}\n"))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := logschema.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	v, err := (&decode.Decoder{Arena: &event.Arena{}}).JSON(lt.Root, []byte(`{"user":"ann"}`))
	if err != nil {
		t.Fatal(err)
	}
	ev := &event.Event{LogType: lt, Root: v, RowID: "r1", EventTime: 1, ParseTime: 1}
	for _, c := range []struct {
		ctx     string
		wantCtx any
	}{
		{`{"ip":"1.2.3.4","n":[1]}`, map[string]any{"ip": "1.2.3.4", "n": []any{1.0}}},
		{``, nil},
		{`{"_error": "x"`, nil}, // not JSON: left out
		{`[1]`, nil},            // not an object: left out
	} {
		var doc map[string]any
		if err := json.Unmarshal(signalDoc(ev, []byte(c.ctx)), &doc); err != nil {
			t.Fatalf("%q: %v", c.ctx, err)
		}
		if doc["user"] != "ann" || doc["p_row_id"] != "r1" {
			t.Errorf("%q: event fields missing: %v", c.ctx, doc)
		}
		got, has := doc["p_alert_context"]
		if c.wantCtx == nil {
			if has {
				t.Errorf("%q: p_alert_context = %v", c.ctx, got)
			}
			continue
		}
		if b, _ := json.Marshal(got); string(b) != mustJSON(c.wantCtx) {
			t.Errorf("%q: p_alert_context = %s", c.ctx, b)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
