package logtypes

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// snykType builds one of the Snyk audit types from its embedded schema alone, so that the
// tests do not depend on the other managed schemas.
func snykType(tb testing.TB, file string) *LogType {
	tb.Helper()
	path := "schemas/snyk/" + file
	data, err := managedFS.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := logschema.Parse(path, data)
	if err != nil {
		tb.Fatal(err)
	}
	lt, err := Build(s)
	if err != nil {
		tb.Fatal(err)
	}
	if !lt.JSON {
		tb.Fatalf("%s is not marked as a JSON type", lt.Name)
	}
	return lt
}

func snykTypes(tb testing.TB) (group, org *LogType) {
	tb.Helper()
	group, org = snykType(tb, "groupaudit.yml"), snykType(tb, "orgaudit.yml")
	// The level check splits records between the two types only if both decode the same
	// records, so their fields must be the same.
	if len(group.Root.Fields) != len(org.Root.Fields) {
		tb.Fatalf("Snyk.GroupAudit has %d fields, Snyk.OrgAudit %d: the schemas must declare the same fields",
			len(group.Root.Fields), len(org.Root.Fields))
	}
	for i, f := range group.Root.Fields {
		g, o := f, org.Root.Fields[i]
		if g.Name != o.Name || g.Type.Kind != o.Type.Kind || g.Required != o.Required {
			tb.Fatalf("field %d differs: Snyk.GroupAudit %s (%v, required %v), Snyk.OrgAudit %s (%v, required %v)",
				i, g.Name, g.Type.Kind, g.Required, o.Name, o.Type.Kind, o.Required)
		}
	}
	return group, org
}

func TestSnykEventLevel(t *testing.T) {
	tests := []struct {
		event, org string
		want       snykLevel
	}{
		{"group.user.add", "", snykGroupLevel},
		{"group.sso.edit", "2b7d9e41-a3c6-4f12-8d5e-9c0b1a2f3e4d", snykGroupLevel},
		{"org.create", "", snykGroupLevel},
		{"api.access", "", snykGroupLevel},
		{"org.user.add", "2b7d9e41-a3c6-4f12-8d5e-9c0b1a2f3e4d", snykOrgLevel},
		{"api.access", "org", snykOrgLevel},
		{"org.delete", "org", snykOrgLevel},
		{"groups.typo", "org", snykOrgLevel}, // only the "group." prefix marks a group event
		{"", "", snykGroupLevel},
		{"", "org", snykOrgLevel},
	}
	for _, tt := range tests {
		if got := snykEventLevel(tt.event, tt.org); got != tt.want {
			t.Errorf("snykEventLevel(%q, %q) = %s, want %s", tt.event, tt.org, got, tt.want)
		}
	}
}

func TestSnykAuditParsers(t *testing.T) {
	group, org := snykTypes(t)
	tests := []struct {
		desc     string
		data     string
		json     bool
		want     string // "group", "org" or "" (neither)
		groupErr string // substring of the Snyk.GroupAudit error when it rejects the record
		orgErr   string // substring of the Snyk.OrgAudit error when it rejects the record
	}{
		{desc: "group event", want: "group",
			data:   `{"groupId":"g1","userId":"u1","event":"group.user.add","created":"2024-03-04T11:15:55.572Z","content":{"role":"Group Member"}}`,
			orgErr: `expected an organization-level event, got the group event "group.user.add"`},
		{desc: "group event naming an organization", want: "group",
			data:   `{"groupId":"g1","orgId":"o1","event":"group.sso.edit","created":"2024-03-04T11:15:55Z"}`,
			orgErr: `got the group event "group.sso.edit"`},
		{desc: "organization created, seen in the group log", want: "group",
			data:   `{"groupId":"g1","event":"org.create","created":"2024-03-04T11:15:55Z","content":{"newOrgPublicId":"o2"}}`,
			orgErr: `expected an organization-level event with orgId or org_id, got "org.create" without an organization`},
		{desc: "empty orgId", want: "group",
			data:   `{"groupId":"g1","orgId":"","event":"api.access","created":"2024-03-04T11:15:55Z"}`,
			orgErr: `got "api.access" without an organization`},
		{desc: "organization event, API v1", want: "org",
			data:     `{"groupId":"g1","orgId":"o1","userId":"u1","event":"org.user.remove","created":"2024-03-06T09:32:14.173Z"}`,
			groupErr: `expected a group-level event (a group.* event, or an event without orgId or org_id), got "org.user.remove" for organization "o1"`},
		{desc: "organization event, REST API", want: "org",
			data:     `{"org_id":"o1","group_id":"g1","event":"org.project.ignore.create","created":"2024-06-01T08:00:00Z"}`,
			groupErr: `got "org.project.ignore.create" for organization "o1"`},
		{desc: "space-separated time", want: "org",
			data:     `{"orgId":"o1","event":"org.delete","created":"2023-03-15 13:13:13.133"}`,
			groupErr: "that is an organization audit event"},
		{desc: "no event",
			data:     `{"orgId":"o1","created":"2024-03-06T09:32:14Z"}`,
			groupErr: "field event: required field is missing", orgErr: "field event: required field is missing"},
		{desc: "event is an object",
			data:     `{"orgId":"o1","event":{"name":"org.edit"},"created":"2024-03-06T09:32:14Z"}`,
			groupErr: "field event: expected a string", orgErr: "field event: expected a string"},
		{desc: "bad time",
			data:     `{"orgId":"o1","event":"org.edit","created":"03/06/2024"}`,
			groupErr: "field created: ", orgErr: "field created: "},
		{desc: "text record", json: false,
			data:     `org.user.add 2024-03-06T09:32:14Z`,
			groupErr: errNotJSON.Error(), orgErr: errNotJSON.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			isJSON := tt.json || json.Valid([]byte(tt.data))
			for _, c := range []struct {
				lt      *LogType
				name    string
				wantErr string
			}{{group, "group", tt.groupErr}, {org, "org", tt.orgErr}} {
				d := &decode.Decoder{Arena: &event.Arena{}}
				v, ok, err := c.lt.NewParser().Parse(d, &input.Record{Data: []byte(tt.data), JSON: isJSON, Line: 1})
				if tt.want == c.name {
					if err != nil || !ok {
						t.Fatalf("%s: Parse = ok %v, error %v; want an event", c.lt.Name, ok, err)
					}
					i, _ := c.lt.Root.FieldIndexString(snykEventField)
					if v.Items[i].Kind != event.String || !strings.Contains(tt.data, `"`+v.Items[i].S+`"`) {
						t.Fatalf("%s: event field = %+v, not the input's", c.lt.Name, v.Items[i])
					}
					continue
				}
				if err == nil || ok {
					t.Fatalf("%s: Parse = ok %v, error %v; want a rejection", c.lt.Name, ok, err)
				}
				if !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("%s: Parse error = %q, want one containing %q", c.lt.Name, err, c.wantErr)
				}
			}
		})
	}
}

func TestNewSnykAuditNeedsFields(t *testing.T) {
	const head = "version: 0\nschema: Test.Snyk\nparser:\n  native:\n    name: Snyk.OrgAudit\nfields:\n"
	tests := []struct {
		fields, wantErr string
	}{
		{"  - name: orgId\n    type: string\n  - name: org_id\n    type: string\n", `string field "event"`},
		{"  - name: event\n    type: int\n  - name: orgId\n    type: string\n  - name: org_id\n    type: string\n", `string field "event"`},
		{"  - name: event\n    type: string\n  - name: org_id\n    type: string\n", `string field "orgId"`},
		{"  - name: event\n    type: string\n  - name: orgId\n    type: string\n  - name: org_id\n    type: json\n", `string field "org_id"`},
	}
	for _, tt := range tests {
		s, err := logschema.Parse("test.yml", []byte(head+tt.fields))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Build(s); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Build error = %v, want one containing %q", err, tt.wantErr)
		}
	}
}

func TestSnykLevelErrorShortensValues(t *testing.T) {
	long := strings.Repeat("x", 500)
	for _, err := range []error{
		snykLevelError(snykGroupLevel, long, long),
		snykLevelError(snykOrgLevel, "group."+long, ""),
		snykLevelError(snykOrgLevel, long, ""),
	} {
		if len(err.Error()) > 400 {
			t.Errorf("error is %d bytes long, want values cut to 80 bytes: %.100s...", len(err.Error()), err)
		}
	}
}

// FuzzSnykAudit checks that the two Snyk audit types split the records between them: a record
// that the shared schema decodes is accepted by exactly one of them, and any other record by
// neither, with an error in both cases.
func FuzzSnykAudit(f *testing.F) {
	group, org := snykTypes(f)
	for _, s := range []string{
		`{"groupId":"g1","userId":"u1","event":"group.user.add","created":"2024-03-04T11:15:55.572Z","content":{}}`,
		`{"groupId":"g1","orgId":"o1","event":"org.user.add","created":"2024-03-04T11:15:55Z"}`,
		`{"org_id":"o1","event":"api.access","created":"2024-06-01 08:01:00.5"}`,
		`{"orgId":"","event":"group.edit","created":"2024-03-04T11:15:55Z"}`,
		`{"event":"org.create","created":"2024-03-04T11:15:55Z"}`,
		`{"event":7,"created":1}`,
		`not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := &input.Record{Data: data, JSON: json.Valid(data)}
		decodes := false
		if rec.JSON {
			d := &decode.Decoder{Arena: &event.Arena{}}
			_, err := d.JSON(group.Root, data)
			decodes = err == nil
		}
		accepted := 0
		for _, lt := range []*LogType{group, org} {
			d := &decode.Decoder{Arena: &event.Arena{}}
			v, ok, err := lt.NewParser().Parse(d, rec)
			if err != nil {
				if ok {
					t.Fatalf("%s: Parse reported ok with an error", lt.Name)
				}
				if !rec.JSON && !errors.Is(err, errNotJSON) {
					t.Fatalf("%s: text record: error %v, want errNotJSON", lt.Name, err)
				}
				continue
			}
			if !ok {
				t.Fatalf("%s: Parse returned no event and no error", lt.Name)
			}
			accepted++
			i, _ := lt.Root.FieldIndexString(snykEventField)
			if v.Items[i].Kind != event.String {
				t.Fatalf("%s: accepted a record without an event name", lt.Name)
			}
		}
		switch {
		case decodes && accepted != 1:
			t.Fatalf("a record the schema decodes was accepted by %d Snyk types, want exactly 1: %q", accepted, data)
		case !decodes && accepted != 0:
			t.Fatalf("a record the schema rejects was accepted by %d Snyk types: %q", accepted, data)
		}
	})
}

func BenchmarkSnykAuditParser(b *testing.B) {
	_, org := snykTypes(b)
	data := []byte(`{"groupId":"8c0f3a11-52d4-4b7e-9e0a-5b1de6a3c7f2","orgId":"2b7d9e41-a3c6-4f12-8d5e-9c0b1a2f3e4d",` +
		`"userId":"0a9e4c2d-7f31-4d55-8b6a-3f2e9d1c4b70","event":"org.user.remove","created":"2024-03-06T09:32:14.173Z",` +
		`"content":{"email":"dev.lead@fabrikam.example","force":true,"userPublicId":"c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"}}`)
	rec := &input.Record{Data: data, JSON: true}
	d := &decode.Decoder{Arena: &event.Arena{}}
	p := org.NewParser()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d.Arena.Reset()
		if _, ok, err := p.Parse(d, rec); err != nil || !ok {
			b.Fatal(err)
		}
	}
}
