package resources_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec/resources"
)

func TestReadSnapshots(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ name, in, err string }{
		{"array", `[{"ResourceId":"a","ResourceType":"AWS.S3.Bucket","Region":"us-east-1"},
 {"ResourceId":"b","ResourceType":"AWS.S3.Bucket","Versioning":{"Status":"Enabled"}}]`, ""},
		{"ndjson", "{\"ResourceId\":\"a\",\"ResourceType\":\"T\"}\n\n{\"ResourceId\":\"b\",\"ResourceType\":\"T\"}\n", ""},
		{"missing id", "{\"ResourceId\":\"a\",\"ResourceType\":\"T\"}\n{\"ResourceType\":\"T\"}\n", "in.json: record 2 (line 2): ResourceId is missing"},
		{"missing type in array", "[\n{\"ResourceId\":\"a\",\"ResourceType\":\"T\"},\n{\"ResourceId\":\"b\"}\n]", "in.json: record 2 (line 3): ResourceType is missing"},
		{"not a string", `[{"ResourceId":7,"ResourceType":"T"}]`, "record 1 (line 1): ResourceId is a number, expected a string"},
		{"not an object", "[1]", "record 1 (line 1): expected a JSON object"},
		{"duplicate", "{\"ResourceId\":\"a\",\"ResourceType\":\"T\"}\n{\"ResourceId\":\"a\",\"ResourceType\":\"T\"}", "record 2 (line 2): ResourceId a is also record 1"},
		{"bad json", "{\"ResourceId\":\"a\",\"ResourceType\":\"T\"}\n{\"ResourceId\":", "record 2 (line 2)"},
		{"trailing", `[{"ResourceId":"a","ResourceType":"T"}] {}`, "unexpected data after the array"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs, err := resources.ReadSnapshots("in.json", strings.NewReader(c.in), at)
			if c.err == "" {
				if err != nil || len(cs) != 2 || cs[1].ResourceID != "b" || !cs[0].ScannedAt.Equal(at) {
					t.Fatalf("%v %+v", err, cs)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("err = %v, want %q", err, c.err)
			}
		})
	}
}

func FuzzReadSnapshots(f *testing.F) {
	f.Add(`[{"ResourceId":"a","ResourceType":"T"}]`)
	f.Add("{\"ResourceId\":\"a\",\"ResourceType\":\"T\",\"Tags\":{}}\n{}")
	f.Add("[")
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := resources.ReadSnapshots("f", strings.NewReader(in), time.Time{})
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.ResourceID == "" || c.ResourceType == "" || c.Snapshot == nil {
				t.Fatalf("accepted an incomplete record: %+v", c)
			}
		}
	})
}
