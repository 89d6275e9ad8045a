package logtypes

import (
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/logschema"
)

// layoutsSchema is a CSV log whose vendor added a column in version 2, and another one, in a
// different place, in version 3: rows are read by the layout of their column count, and the
// two layouts of four columns by their content.
const layoutsSchema = `version: 0
schema: Custom.Versions
parser:
  csv:
    layouts:
      - [time, user, action]
      - [time, user, action, bytes]
      - [time, user, port, action]
fields:
  - {name: time, type: timestamp, timeFormat: rfc3339, required: true, isEventTime: true}
  - {name: user, type: string, required: true}
  - {name: action, type: string}
  - {name: bytes, type: bigint}
  - {name: port, type: int}
`

func TestCSVLayouts(t *testing.T) {
	s, err := logschema.Parse("versions.yml", []byte(layoutsSchema))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ line, want, err string }{
		{line: "2024-12-10T10:00:00Z,alice,login", want: `"user":"alice","action":"login"}`},
		{line: "2024-12-10T10:00:01Z,alice,download,5120", want: `"action":"download","bytes":5120}`},
		{line: "2024-12-10T10:00:02Z,bob,8443,connect", want: `"action":"connect","port":8443}`},
		// Neither four-column layout reads it cleanly: the first one's result stands.
		{line: "2024-12-10T10:00:03Z,bob,x,y", want: `"user":"bob","action":"x"}`},
		{line: "2024-12-10T10:00:04Z,bob", err: "csv: row has 2 columns, expected 3 or 4 (the columns of the layouts)"},
		{line: "yesterday,bob,login", err: "field time:"},
	}
	p := lt.NewParser()
	for _, tt := range tests {
		got, ok, err := parseForTest(lt, p, tt.line, false)
		if tt.err != "" {
			if ok || err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: ok %v err %v, want %q", tt.line, ok, err, tt.err)
			}
			continue
		}
		if err != nil || !ok || !strings.HasSuffix(got, tt.want) {
			t.Errorf("%s: %s %v %v, want ...%s", tt.line, got, ok, err, tt.want)
		}
	}
}

func TestCSVLayoutsSchemaErrors(t *testing.T) {
	for _, tt := range []struct{ yml, want string }{
		{"version: 0\nschema: Custom.Ab\nparser:\n  csv:\n    layouts: [[a], [a, b]]\n    columns: [a]\nfields:\n  - {name: a, type: string}\n",
			"parser.csv.layouts: not allowed with columns or hasHeader"},
		{"version: 0\nschema: Custom.Ab\nparser:\n  csv:\n    layouts: x\nfields:\n  - {name: a, type: string}\n",
			"parser.csv.layouts: expected a list of layouts"},
		{"version: 0\nschema: Custom.Ab\nparser:\n  csv:\n    layouts: [[a, a]]\nfields:\n  - {name: a, type: string}\n",
			`csv: layouts[0]: columns[1]: duplicate name "a"`},
	} {
		s, err := logschema.Parse("s.yml", []byte(tt.yml))
		if err == nil {
			_, err = Build(s)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}
