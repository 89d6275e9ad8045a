package sources

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDecodeSettings(t *testing.T) {
	type settings struct {
		Addr    string   `json:"addr,omitempty"`
		Max     int      `json:"max_bytes,omitempty"`
		Timeout Duration `json:"timeout,omitempty"`
		On      bool     `json:"on"`
	}
	tests := []struct {
		in, err string
		want    settings
	}{
		{in: ``, want: settings{}},
		{in: `{}`, want: settings{}},
		{in: `{"addr":"127.0.0.1:1","max_bytes":5,"timeout":"1m30s","on":true}`, want: settings{"127.0.0.1:1", 5, Duration(90 * time.Second), true}},
		{in: `{"adr":"x"}`, err: `unknown setting "adr"`},
		{in: `{"max_bytes":"big"}`, err: `max_bytes: expected a whole number, got "big"`},
		{in: `{"max_bytes":1.5}`, err: `max_bytes: expected a whole number, got 1.5`},
		{in: `{"timeout":"soon"}`, err: `timeout: expected a duration such as "30s", got "soon"`},
		{in: `{"timeout":30}`, err: `timeout: expected a duration such as "30s", got 30`},
		{in: `{"adr":"x","on":"yes"}`, err: "unknown setting \"adr\"\non: expected true or false, got \"yes\""},
		{in: `[]`, err: `settings must be a JSON object`},
		{in: `{"addr":"x"} {}`, err: `unexpected data after the settings object`},
		{in: `{"addr":`, err: `addr: invalid JSON: EOF`},
	}
	for _, tc := range tests {
		var got settings
		err := DecodeSettings(json.RawMessage(tc.in), &got)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && got != tc.want:
			t.Errorf("%s: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
	b, _ := json.Marshal(Duration(90 * time.Second))
	if string(b) != `"1m30s"` {
		t.Errorf("marshal: %s", b)
	}
}
