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

// gitlabProductionType builds GitLab.Production from its embedded schema alone, so that the
// test does not depend on the other managed schemas.
func gitlabProductionType(tb testing.TB) *LogType {
	tb.Helper()
	const path = "schemas/gitlab/production.yml"
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
		tb.Fatal("GitLab.Production is not marked as a JSON type")
	}
	return lt
}

const gitlabControllerRequest = `{"method":"GET","path":"/gitlab/gitlab-foss/issues/1234","format":"html",` +
	`"controller":"Projects::IssuesController","action":"show","status":200,"time":"2017-08-08T20:15:54.821Z",` +
	`"params":[{"key":"param_key","value":"param_value"}],"remote_ip":"18.245.0.1","user_id":1,"username":"admin",` +
	`"queue_duration_s":0.0,"gitaly_calls":16,"gitaly_duration_s":0.16,"redis_calls":115,"redis_duration_s":0.13,` +
	`"correlation_id":"O1SdybnnIq7","cpu_s":17.50,"db_duration_s":0.08,"view_duration_s":2.39,"duration_s":20.54}`

func TestGitLabProductionParser(t *testing.T) {
	lt := gitlabProductionType(t)
	const noneErr = "expected at least one of the fields action, etag_route, found none"
	tests := []struct {
		desc    string
		data    string
		json    bool
		wantErr string // substring of the error; "" means an event
	}{
		{"controller request", gitlabControllerRequest, true, ""},
		{"etag route only", `{"method":"GET","path":"/api/graphql","status":304,"time":"2024-01-12T08:21:01Z","etag_route":"project_pipeline"}`, true, ""},
		{"empty action counts", `{"status":200,"time":"2024-01-12T08:21:01Z","action":""}`, true, ""},
		{"actioncable", `{"method":null,"path":null,"format":null,"controller":"IssuesChannel","action":"subscribe","status":200,"time":"2020-05-14T19:46:22.008Z"}`, true, ""},
		{"api request", `{"time":"2018-10-29T12:49:42.123Z","severity":"INFO","status":200,"method":"GET","path":"/api/v4/projects","host":"localhost","route":"/api/:version/projects"}`, true, noneErr},
		{"null action and etag route", `{"status":200,"time":"2024-01-12T08:21:01Z","action":null,"etag_route":null}`, true, noneErr},
		{"numeric action is taken as text", `{"status":200,"time":"2024-01-12T08:21:01Z","action":7}`, true, ""},
		{"action not a string", `{"status":200,"time":"2024-01-12T08:21:01Z","action":{"name":"show"}}`, true, "field action: expected a string"},
		{"missing status", `{"time":"2024-01-12T08:21:01Z","action":"show"}`, true, "field status: required field is missing"},
		{"text record", `GET /x 200`, false, errNotJSON.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			d := &decode.Decoder{Arena: &event.Arena{}}
			v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(tt.data), JSON: tt.json, Line: 1})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want one containing %q", err, tt.wantErr)
				}
				if ok {
					t.Fatal("Parse reported ok with an error")
				}
				return
			}
			if err != nil || !ok {
				t.Fatalf("Parse = ok %v, error %v; want an event", ok, err)
			}
			if !hasActionOrEtagRoute(lt, v) {
				t.Fatalf("accepted a record without action or etag_route: %s", tt.data)
			}
		})
	}
}

func TestNewAnyOfJSON(t *testing.T) {
	lt := gitlabProductionType(t)
	if _, err := newAnyOfJSON(lt.LogType); err == nil {
		t.Fatal("newAnyOfJSON with no names succeeded, want an error")
	}
	_, err := newAnyOfJSON(lt.LogType, "action", "no_such_field")
	if err == nil || !strings.Contains(err.Error(), `"no_such_field"`) {
		t.Fatalf("newAnyOfJSON error = %v, want one naming the unknown field", err)
	}
}

// TestGitLabProductionNeedsFields checks that a custom schema naming the native parser but
// lacking its fields is refused when it is built, not when a record arrives.
func TestGitLabProductionNeedsFields(t *testing.T) {
	s, err := logschema.Parse("test.yml", []byte("version: 0\nschema: Test.GitLab\nparser:\n  native:\n    name: GitLab.Production\nfields:\n  - name: action\n    type: string\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(s); err == nil || !strings.Contains(err.Error(), `"etag_route"`) {
		t.Fatalf("Build error = %v, want one about the etag_route field", err)
	}
}

// hasActionOrEtagRoute is the oracle of the native check: a non-null action or etag_route.
func hasActionOrEtagRoute(lt *LogType, v event.Value) bool {
	for _, name := range []string{"action", "etag_route"} {
		i, _ := lt.Root.FieldIndexString(name)
		if v.Items[i].Kind != event.Null {
			return true
		}
	}
	return false
}

func FuzzGitLabProductionParser(f *testing.F) {
	lt := gitlabProductionType(f)
	f.Add([]byte(gitlabControllerRequest))
	f.Add([]byte(`{"status":304,"time":"2024-01-12T08:21:01Z","etag_route":"project_pipeline"}`))
	f.Add([]byte(`{"status":200,"time":"2024-01-12T08:21:01Z","action":null}`))
	f.Add([]byte(`{"time":"2018-10-29T12:49:42.123Z","severity":"INFO","status":200,"route":"/api/:version/projects"}`))
	f.Add([]byte(`{"action":"show"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decode.Decoder{Arena: &event.Arena{}}
		rec := &input.Record{Data: data, JSON: json.Valid(data)}
		v, ok, err := lt.NewParser().Parse(d, rec)
		if err != nil {
			if ok {
				t.Fatal("Parse reported ok with an error")
			}
			if !rec.JSON && !errors.Is(err, errNotJSON) {
				t.Fatalf("text record: error %v, want errNotJSON", err)
			}
			return
		}
		if !ok {
			t.Fatal("Parse returned no event and no error")
		}
		if !hasActionOrEtagRoute(lt, v) {
			t.Fatalf("accepted a record without action or etag_route: %q", data)
		}
		// The plain schema decoder must accept every record the native parser accepts.
		if _, err := d.JSON(lt.Root, data); err != nil {
			t.Fatalf("the schema rejects an accepted record: %v", err)
		}
	})
}

func BenchmarkGitLabProductionParser(b *testing.B) {
	lt := gitlabProductionType(b)
	data := []byte(gitlabControllerRequest)
	rec := &input.Record{Data: data, JSON: true}
	d := &decode.Decoder{Arena: &event.Arena{}}
	p := lt.NewParser()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d.Arena.Reset()
		if _, ok, err := p.Parse(d, rec); err != nil || !ok {
			b.Fatal(err)
		}
	}
}
