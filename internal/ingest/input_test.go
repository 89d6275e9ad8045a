package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

const csvSchema = `version: 0
schema: Custom.Csv
parser:
  csv:
    delimiter: ','
    hasHeader: true
fields:
  - {name: user, type: string, required: true}
  - {name: n, type: int, required: true}
`

// TestInputs runs a long-lived pipeline over inputs of both forms, with their own sources and
// allowed types, and checks what each Done reports.
func TestInputs(t *testing.T) {
	types := testTypes(t)
	csvT := buildType(t, csvSchema)
	var mu sync.Mutex
	var stamped []string
	sink := ingest.SinkFunc(func(b *ingest.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range b.Events {
			stamped = append(stamped, ev.LogType.Name+"|"+ev.SourceID+"|"+ev.SourceLabel+"|"+ev.SourceAddress)
		}
		return nil
	})
	p, err := ingest.New(ingest.Options{Types: types, Sinks: []ingest.Sink{sink}, Workers: 2, BatchEvents: 3})
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	done := map[string]*ingest.InputStats{}
	var dmu sync.Mutex
	record := func(s *ingest.InputStats) {
		dmu.Lock()
		defer dmu.Unlock()
		if done[s.Input.Name] != nil {
			t.Errorf("Done called twice for %s", s.Input.Name)
		}
		done[s.Input.Name] = s
	}
	body := strings.Repeat(ctEvent+"\n", 10) + "k=a v=1\nnot a record\n"
	inputs := []*ingest.Input{
		{Name: "http", Open: opener(gz([]byte(body))), SourceID: "s1", SourceLabel: "edge", SourceAddress: "203.0.113.7:5000", Done: record},
		// Only CloudTrail is allowed here: the kv line is quarantined.
		{Name: "restricted", Open: opener([]byte(body)), SourceID: "s2", SourceLabel: "ct-only",
			Types: []*logtypes.LogType{types[0]}, Done: record},
		{Name: "syslog", Records: [][]byte{[]byte("k=b v=2"), []byte(ctEvent), []byte("line one\nline two"), []byte("k=c v=3")},
			Cut: []ingest.Cut{{Index: 3, Size: 1 << 20}}, SourceID: "s3", SourceAddress: "198.51.100.1:514", Done: record},
		// A part of a CSV object: the header comes separately and is not an event.
		{Name: "part2", Records: [][]byte{[]byte("bob,2"), []byte("carol,3")}, Header: []byte("user,n"), SourceID: "s4",
			Types: []*logtypes.LogType{csvT}, Done: record},
		{Name: "empty", Records: [][]byte{}, SourceID: "s5", Done: record},
		{Name: "broken", Open: func() (io.ReadCloser, error) { return nil, errors.New("gone") }, Done: record},
	}
	for _, in := range inputs {
		if err := p.Submit(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if len(done) != len(inputs) {
		t.Fatalf("done = %v", done)
	}
	check := func(name string, ct, kv, csv, quar int64) {
		t.Helper()
		s := done[name]
		got := func(lt string) int64 {
			if ts := s.Types[lt]; ts != nil {
				return ts.Events
			}
			return 0
		}
		if got("AWS.CloudTrail") != ct || got("Custom.Kv") != kv || got("Custom.Csv") != csv || s.Quarantined != quar {
			t.Errorf("%s: types %v, quarantined %d; want ct %d kv %d csv %d quarantined %d", name, s.Types, s.Quarantined, ct, kv, csv, quar)
		}
		if s.SinkErr != nil {
			t.Errorf("%s: sink error %v", name, s.SinkErr)
		}
	}
	check("http", 10, 1, 0, 1)
	check("restricted", 10, 0, 0, 2)
	check("syslog", 1, 1, 0, 2) // the cut record is quarantined, though its head would parse
	check("part2", 0, 0, 2, 0)
	check("empty", 0, 0, 0, 0)
	if s := done["http"]; s.Bytes != int64(len(body)) || s.QuarantinedBytes != int64(len("not a record")) {
		t.Errorf("http bytes %d, quarantined bytes %d", s.Bytes, s.QuarantinedBytes)
	}
	if err := done["broken"].Err; err == nil || err.Error() != "gone" {
		t.Errorf("broken: %v", err)
	}
	want := map[string]int{
		"AWS.CloudTrail|s1|edge|203.0.113.7:5000": 10, "Custom.Kv|s1|edge|203.0.113.7:5000": 1,
		"AWS.CloudTrail|s2|ct-only|": 10, "Custom.Kv|s3||198.51.100.1:514": 1, "AWS.CloudTrail|s3||198.51.100.1:514": 1,
		"Custom.Csv|s4||": 2,
	}
	got := map[string]int{}
	for _, s := range stamped {
		got[s]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d events, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if err := p.Submit(context.Background(), inputs[0]); err == nil {
		t.Error("Submit after Close succeeded")
	}
}

// TestInputsAfterSinkFailure: once a sink fails, every input still in the pipeline is done
// with the error, and Submit refuses new ones.
func TestInputsAfterSinkFailure(t *testing.T) {
	full := errors.New("no space left on device")
	p, err := ingest.New(ingest.Options{Types: testTypes(t), Workers: 1, BatchEvents: 2,
		Sinks: []ingest.Sink{ingest.SinkFunc(func(*ingest.Batch) error { return full })}})
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	var sinkErrs []error
	var mu sync.Mutex
	in := &ingest.Input{Name: "a", Open: opener([]byte(strings.Repeat(ctEvent+"\n", 100))), Done: func(s *ingest.InputStats) {
		mu.Lock()
		sinkErrs = append(sinkErrs, s.SinkErr)
		mu.Unlock()
	}}
	if err := p.Submit(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	// The failure happens asynchronously; submitting more eventually fails with it.
	var serr error
	for i := 0; i < 1000 && serr == nil; i++ {
		serr = p.Submit(context.Background(), &ingest.Input{Name: "b", Records: [][]byte{[]byte(ctEvent)}, Done: in.Done})
	}
	if !errors.Is(serr, full) {
		t.Fatalf("Submit err = %v", serr)
	}
	if err := p.Close(); !errors.Is(err, full) {
		t.Fatalf("Close = %v", err)
	}
	if len(sinkErrs) == 0 || !errors.Is(sinkErrs[0], full) {
		t.Fatalf("sink errors = %v", sinkErrs)
	}
}

func opener(data []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

func buildType(t *testing.T, schema string) *logtypes.LogType {
	t.Helper()
	s, err := logschemaParse(schema)
	if err != nil {
		t.Fatal(err)
	}
	lt, err := logtypes.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return lt
}

var logschemaParse = func(text string) (*logschema.Schema, error) { return logschema.Parse("test.yml", []byte(text)) }
