package sqlengine_test

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

// TestEncoders checks the JSON form of every DuckDB type a query can return, top level and
// nested, through the driver's real values.
func TestEncoders(t *testing.T) {
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: t.TempDir(), Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, c := range []struct{ expr, typ, want string }{
		{"DATE '2024-01-02'", "DATE", `"2024-01-02"`},
		{"TIME '10:00:01.25'", "TIME", `"10:00:01.25"`},
		{"TIMETZ '10:00:01+02:00'", "TIMETZ", `"10:00:01+02:00"`},
		{"TIMESTAMP '2024-01-01 10:00:00'", "TIMESTAMP", `"2024-01-01T10:00:00Z"`},
		{"TIMESTAMPTZ '2024-01-01 10:00:00.5+01'", "TIMESTAMPTZ", `"2024-01-01T09:00:00.5Z"`},
		{"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID", "UUID", `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`},
		{"123.40::DECIMAL(10,2)", "DECIMAL(10,2)", `123.4`},
		{"-0.05::DECIMAL(38,4)", "DECIMAL(38,4)", `-0.05`},
		{"INTERVAL 1 DAY", "INTERVAL", `"1 day"`},
		{"INTERVAL '14 months 3 days 04:05:06.5'", "INTERVAL", `"1 year 2 months 3 days 04:05:06.5"`},
		{"INTERVAL 0 SECOND", "INTERVAL", `"00:00:00"`},
		{"'ab\\x00'::BLOB", "BLOB", `"ab\\x00"`},
		{"'0101'::BIT", "BIT", `"0101"`},
		{"170141183460469231731687303715884105727::HUGEINT", "HUGEINT", `170141183460469231731687303715884105727`},
		{"18446744073709551615::UBIGINT", "UBIGINT", `18446744073709551615`},
		{"'e'::ENUM('e','f')", "ENUM", `"e"`},
		{"union_value(k := 1)", `UNION("k" INTEGER)`, `1`},
		{"'nan'::DOUBLE", "DOUBLE", `"NaN"`},
		{"'{\"a\":[1,2]}'::JSON", "JSON", `{"a":[1,2]}`},
		{"[DATE '2024-01-01', NULL]", "DATE[]", `["2024-01-01",null]`},
		{"[1,2]::INTEGER[2]", "INTEGER[2]", `[1,2]`},
		{"{'z': DATE '2024-01-01', 'a b': [TIME '01:02:03'], 'u': 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID}",
			`STRUCT("z" DATE, "a b" TIME[], "u" UUID)`, `{"z":"2024-01-01","a b":["01:02:03"],"u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}`},
		{"MAP {'k2': DATE '2024-01-01', 'k1': NULL}", "MAP(VARCHAR, DATE)", `{"k2":"2024-01-01","k1":null}`},
		{"MAP {DATE '2024-01-01': 1}", "MAP(DATE, INTEGER)", `{"2024-01-01":1}`},
		{"[{'d': 1.5::DECIMAL(4,1)}]", `STRUCT("d" DECIMAL(4,1))[]`, `[{"d":1.5}]`},
	} {
		rows, err := eng.Query(context.Background(), "SELECT "+c.expr+" AS v")
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		var v any
		if rows.Next() {
			err = rows.Scan(&v)
		}
		typ := rows.Types[0]
		rows.Close()
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if typ != c.typ {
			t.Errorf("%s: type %s, want %s", c.expr, typ, c.typ)
		}
		b, err := sqlengine.MarshalJSON(sqlengine.NewEncoder(typ)(v))
		if err != nil || string(b) != c.want {
			t.Errorf("%s (%s): %s %v, want %s", c.expr, typ, b, err, c.want)
		}
	}
}

// FuzzNewEncoder: any type name gives an encoder, and encoding a value never panics.
func FuzzNewEncoder(f *testing.F) {
	for _, s := range []string{"DATE", `STRUCT("a" INTEGER, "b""c" DATE[])[]`, "MAP(VARCHAR, UUID)", `UNION("k" INTEGER)`, "DECIMAL(10,2)[3]", "STRUCT(", "MAP(A", `STRUCT("x`, "[]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typ string) {
		enc := sqlengine.NewEncoder(typ)
		for _, v := range []any{nil, "s", []byte{0xff}, []any{1, "x"}, map[string]any{"a": 1}} {
			if _, err := sqlengine.MarshalJSON(enc(v)); err != nil {
				t.Fatalf("%q: %v", typ, err)
			}
		}
	})
}
