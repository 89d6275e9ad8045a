package sqlengine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

const rich = `version: 0
schema: Custom.Rich
fields:
  - {name: s, type: string, indicators: [ip]}
  - {name: i, type: int}
  - {name: small, type: smallint}
  - {name: big, type: bigint}
  - {name: f, type: float}
  - {name: b, type: boolean}
  - {name: t, type: timestamp, timeFormat: rfc3339, isEventTime: true}
  - {name: j, type: json}
  - name: o
    type: object
    fields:
      - {name: x, type: string}
      - name: inner
        type: object
        fields:
          - {name: y, type: int}
  - name: tags
    type: array
    element: {type: string}
  - name: objs
    type: array
    element:
      type: object
      fields:
        - {name: n, type: int}
        - name: ks
          type: array
          element: {type: string}
  - name: matrix
    type: array
    element:
      type: array
      element: {type: int}
  - {name: "detail-type", type: string}
`

var rows = []string{
	`{"s":"10.0.0.1","i":1,"small":2,"big":9007199254740993,"f":1.5,"b":true,"t":"2024-03-01T10:20:30.123456Z","j":{"k":[1,"v"]},
	  "o":{"x":"ox","inner":{"y":7}},"tags":["a","b"],"objs":[{"n":1,"ks":["p","q"]},{"n":2},{"ks":[]},{}],
	  "matrix":[[1,2],[],[3]],"detail-type":"dash"}`,
	`{"t":"2024-03-01T11:00:00Z"}`,
	`{"t":"2024-03-01T10:59:59Z","o":{"inner":{}},"tags":[],"objs":[],"matrix":[[]],"s":"ünïcode ☃"}`,
	`{"t":"2024-03-01T10:00:00Z","tags":[null,"z"],"objs":[null,{"n":3}]}`,
}

func setup(t testing.TB) (*sqlengine.Engine, string) {
	t.Helper()
	s, err := logschema.Parse("rich.yml", []byte(rich))
	if err != nil {
		t.Fatal(err)
	}
	reg := logtypes.NewRegistry()
	lt, err := reg.Add(s, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := lake.NewWriter(lake.Options{Dir: dir})
	arena := &event.Arena{}
	dec := &decode.Decoder{Arena: arena}
	var evs []*event.Event
	var matches []*lake.Match
	for i, r := range rows {
		v, err := dec.JSON(lt.Root, []byte(r))
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		ev := &event.Event{LogType: lt.LogType, Root: v, RowID: fmt.Sprintf("row%d", i), ParseTime: time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC).UnixNano()}
		ev.EventTime, _ = decode.EventTime(lt.LogType, &ev.Root)
		ev.Indicators[0] = append([]string(nil), dec.Indicators.Values(0)...)
		evs = append(evs, ev)
		matches = append(matches, &lake.Match{RuleID: "Rule.One", AlertID: "alert" + fmt.Sprint(i), AlertContext: `{"c":1}`,
			Tags: []string{"t1", "t2"}, Reports: map[string][]string{"MITRE ATT&CK": {"TA0001:T1078", "TA0004"}, "Empty": nil},
			Severity: "HIGH", Title: "title", Dedup: "dedup", Error: "boom"})
	}
	if err := w.WriteEvents(lake.Logs, evs, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteEvents(lake.RuleMatches, evs[:1], matches[:1]); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteEvents(lake.RuleErrors, evs[:1], matches[:1]); err != nil {
		t.Fatal(err)
	}
	err = w.WriteQuarantine([]lake.Quarantined{
		{Raw: []byte("garbage line"), Size: 12, File: "f.log", Line: 3, Reasons: []lake.Reason{{LogType: "A.B", Error: "no"}, {Error: "general"}}, Time: time.Date(2024, 3, 2, 5, 0, 0, 0, time.UTC).UnixNano(), RowID: "q1"},
		{Raw: []byte("bin\xff\x00ary"), Size: 9, File: "f.log", Line: 4, Time: time.Date(2024, 3, 2, 5, 0, 0, 0, time.UTC).UnixNano(), RowID: "q2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng, dir
}

func query(t *testing.T, eng *sqlengine.Engine, q string) string {
	t.Helper()
	_, rows, err := eng.QueryAll(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var lines []string
	for _, r := range rows {
		parts := make([]string, len(r))
		for i, v := range r {
			parts[i] = fmt.Sprint(v)
		}
		lines = append(lines, strings.Join(parts, "|"))
	}
	return strings.Join(lines, "\n")
}

func TestRoundTrip(t *testing.T) {
	eng, _ := setup(t)
	tests := []struct{ q, want string }{
		{"SELECT count(*) FROM panther_logs.custom_rich", "4"},
		{"SELECT s, i, small, big, f, b, strftime(t, '%Y-%m-%d %H:%M:%S.%f') FROM panther_logs.custom_rich WHERE p_row_id = 'row0'",
			"10.0.0.1|1|2|9007199254740993|1.5|true|2024-03-01 10:20:30.123456"},
		{"SELECT j->>'$.k[1]', o.x, o.inner.y, tags, \"detail-type\" FROM panther_logs.custom_rich WHERE p_row_id = 'row0'",
			"v|ox|7|[a b]|dash"},
		{"SELECT CAST(to_json(objs) AS VARCHAR), CAST(to_json(matrix) AS VARCHAR) FROM panther_logs.custom_rich WHERE p_row_id = 'row0'",
			`[{"n":1,"ks":["p","q"]},{"n":2,"ks":null},{"n":null,"ks":[]},{"n":null,"ks":null}]|[[1,2],[],[3]]`},
		{"SELECT s IS NULL, o IS NULL, tags IS NULL, objs IS NULL FROM panther_logs.custom_rich WHERE p_row_id = 'row1'",
			"true|true|true|true"},
		{"SELECT s, CAST(to_json(o) AS VARCHAR), CAST(to_json(tags) AS VARCHAR), CAST(to_json(objs) AS VARCHAR), CAST(to_json(matrix) AS VARCHAR) FROM panther_logs.custom_rich WHERE p_row_id = 'row2'",
			`ünïcode ☃|{"x":null,"inner":{"y":null}}|[]|[]|[[]]`},
		{"SELECT CAST(to_json(tags) AS VARCHAR), CAST(to_json(objs) AS VARCHAR) FROM panther_logs.custom_rich WHERE p_row_id = 'row3'",
			`[null,"z"]|[null,{"n":3,"ks":null}]`},
		{"SELECT p_log_type, p_any_ip_addresses, year, month, day, hour FROM panther_logs.custom_rich WHERE p_row_id = 'row0'",
			"Custom.Rich|[10.0.0.1]|2024|3|1|10"},
		{"SELECT hour, count(*) FROM panther_logs.custom_rich GROUP BY 1 ORDER BY 1", "10|3\n11|1"},
		{"SELECT p_log_type, count(*) FROM panther_views.all_logs GROUP BY 1", "Custom.Rich|4"},
		{"SELECT p_rule_id, p_alert_id, p_alert_context->>'$.c', p_rule_tags, p_rule_reports['MITRE ATT&CK'], p_rule_reports['Empty'], p_rule_severity FROM panther_rule_matches.custom_rich",
			"Rule.One|alert0|1|[t1 t2]|[TA0001:T1078 TA0004]|[]|HIGH"},
		{"SELECT p_rule_error, p_db_name FROM panther_views.all_rule_errors", "boom|panther_rule_errors"},
		{"SELECT raw, raw_base64, line, reason, reasons[1].log_type, reasons[2].log_type IS NULL FROM panther_system.quarantine ORDER BY line",
			"garbage line|<nil>|3|A.B: no; general|A.B|true\nbin\uFFFD\x00ary|Ymlu/wBhcnk=|4||<nil>|true"},
	}
	for _, tt := range tests {
		if got := query(t, eng, tt.q); got != tt.want {
			t.Errorf("%s\n got %q\nwant %q", tt.q, got, tt.want)
		}
	}
}

func TestEmptyTablesAndErrors(t *testing.T) {
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: t.TempDir(), Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	// Known log types are queryable before any data arrives.
	if got := query(t, eng, "SELECT count(*), count(eventName) FROM panther_logs.aws_cloudtrail"); got != "0|0" {
		t.Errorf("got %q", got)
	}
	if got := query(t, eng, "SELECT count(*) FROM panther_views.all_logs"); got != "0" {
		t.Errorf("got %q", got)
	}
	if got := query(t, eng, "SELECT count(*) FROM panther_system.quarantine"); got != "0" {
		t.Errorf("got %q", got)
	}
	_, _, err = eng.QueryAll(context.Background(), "SELEC 1")
	var qe *sqlengine.QueryError
	if err == nil || !strings.Contains(err.Error(), "syntax error") || !strings.Contains(err.Error(), "LINE 1") {
		t.Errorf("syntax error: %v", err)
	} else if _, ok := err.(*sqlengine.QueryError); !ok {
		t.Errorf("error type %T", err)
	}
	_ = qe
	// The configuration is locked and extensions cannot be installed.
	for _, q := range []string{"SET threads=64", "INSTALL httpfs", "SELECT * FROM read_parquet('https://example.com/x.parquet')"} {
		if _, _, err := eng.QueryAll(context.Background(), q); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
}
