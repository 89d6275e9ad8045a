package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

const ctEvent = `{"eventVersion":"1.08","eventTime":"2024-10-15T14:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","eventID":"0b7c4e1a-5d2f-4a8e-9c3b-1f6d2e7a8b90"}`

const kvSchema = `version: 0
schema: Custom.Kv
parser:
  fastmatch:
    match: ['k=%{k} v=%{v}']
fields:
  - {name: k, type: string, required: true}
  - {name: v, type: int, required: true}
`

func testTypes(t *testing.T) []*logtypes.LogType {
	t.Helper()
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	s, err := logschema.Parse("kv.yml", []byte(kvSchema))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := logtypes.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return []*logtypes.LogType{reg.Get("AWS.CloudTrail"), kv}
}

// collector is a sink that keeps what it is given.
type collector struct {
	mu     sync.Mutex
	events map[string]int // by log type
	quar   []lake.Quarantined
	lines  []int64
}

func (c *collector) Consume(b *ingest.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.events == nil {
		c.events = map[string]int{}
	}
	for _, ev := range b.Events {
		c.events[ev.LogType.Name]++
		c.lines = append(c.lines, ev.Line)
	}
	for _, q := range b.Quarantine {
		q.Raw = append([]byte(nil), q.Raw...) // the batch is recycled
		c.quar = append(c.quar, q)
		c.lines = append(c.lines, q.Line)
	}
	return nil
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zst(b []byte) []byte {
	enc, _ := zstd.NewWriter(nil)
	return enc.EncodeAll(b, nil)
}

// TestNothingLost feeds garbage, truncated JSON, binary data, empty files and huge lines
// mixed with valid records: the run completes, every valid record becomes an event, and every
// other non-empty record is quarantined with a reason.
func TestNothingLost(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(rng.IntN(256))
	}
	huge := strings.Repeat("x", 3<<20)
	valid := ctEvent + "\n" + "k=a v=1\n"
	files := map[string][]byte{
		"valid.json":     []byte(valid),
		"valid.json.gz":  gz([]byte(valid)),
		"valid.json.zst": zst([]byte(valid)),
		"empty.log":      nil,
		"blank.log":      []byte("\n\n   \n"),
		"garbage.log":    []byte("hello world\nk=a v=notanint\n" + ctEvent + "\n"),
		"truncated.json": []byte(ctEvent + "\n" + ctEvent[:60] + "\n" + ctEvent + "\n"),
		"huge.log":       []byte("k=a v=2\n" + huge + "\n" + ctEvent + "\n"),
		"records.json":   []byte(`{"Records":[` + ctEvent + `,` + ctEvent + `,{"not":"cloudtrail"}]}`),
	}
	var paths []string
	for name, data := range files {
		paths = append(paths, write(t, dir, name, data))
	}
	binPath := write(t, dir, "binary.bin", binary)
	paths = append(paths, binPath)

	c := &collector{}
	p, err := ingest.New(ingest.Options{Types: testTypes(t), Sinks: []ingest.Sink{c}, MaxRecordBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := p.Run(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.FileErrors) > 0 {
		t.Fatalf("file errors: %v", stats.FileErrors)
	}
	// valid x3 (plain, gzip, zstd): 3 CloudTrail + 3 Kv; garbage: 1 CT; truncated: 2 CT;
	// huge: 1 Kv + 1 CT; records: 2 CT.
	if got, want := c.events["AWS.CloudTrail"], 3+1+2+1+2; got != want {
		t.Errorf("CloudTrail events = %d, want %d", got, want)
	}
	if got, want := c.events["Custom.Kv"], 3+1; got != want {
		t.Errorf("Kv events = %d, want %d", got, want)
	}
	byFile := map[string][]lake.Quarantined{}
	for _, q := range c.quar {
		byFile[filepath.Base(q.File)] = append(byFile[filepath.Base(q.File)], q)
		if len(q.Reasons) == 0 || lake.Summary(q.Reasons) == "" {
			t.Errorf("%s:%d quarantined without a reason", q.File, q.Line)
		}
	}
	check := func(file string, lines ...int64) {
		t.Helper()
		qs := byFile[file]
		if len(qs) != len(lines) {
			t.Errorf("%s: %d quarantined, want %d: %+v", file, len(qs), len(lines), qs)
			return
		}
		for i, q := range qs {
			if q.Line != lines[i] {
				t.Errorf("%s: quarantined line %d, want %d", file, q.Line, lines[i])
			}
		}
	}
	check("garbage.log", 1, 2)
	check("truncated.json", 2)
	check("huge.log", 2)
	check("records.json", 1)
	if qs := byFile["huge.log"]; len(qs) == 1 {
		if !qs[0].Truncated || qs[0].Size != int64(len(huge)) || !strings.Contains(lake.Summary(qs[0].Reasons), "exceeds the maximum") {
			t.Errorf("huge line: %+v", qs[0])
		}
	}
	if len(byFile["binary.bin"]) == 0 {
		t.Errorf("binary data was not quarantined")
	}
	for _, f := range []string{"empty.log", "blank.log", "valid.json", "valid.json.gz", "valid.json.zst"} {
		if len(byFile[f]) != 0 {
			t.Errorf("%s: unexpected quarantine %+v", f, byFile[f])
		}
	}
	if stats.Quarantined != int64(len(c.quar)) {
		t.Errorf("stats.Quarantined = %d, collected %d", stats.Quarantined, len(c.quar))
	}
	// Binary data: every byte of it is in some quarantined record.
	var total int
	for _, q := range byFile["binary.bin"] {
		total += int(q.Size)
	}
	if nonSpace := len(bytes.Join(bytes.Fields(binary), nil)); total < nonSpace {
		t.Errorf("binary: %d bytes quarantined, %d non-space bytes in the file", total, nonSpace)
	}
}

func TestFileErrorsDoNotStopTheRun(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "good.json", []byte(ctEvent+"\n"))
	corrupt := gz([]byte(strings.Repeat(ctEvent+"\n", 1000)))
	corrupt = corrupt[:len(corrupt)/2] // truncated gzip stream
	bad := write(t, dir, "bad.json.gz", corrupt)
	c := &collector{}
	p, err := ingest.New(ingest.Options{Types: testTypes(t), Sinks: []ingest.Sink{c}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := p.Run(context.Background(), []string{filepath.Join(dir, "missing.json"), bad, good})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.FileErrors) != 2 {
		t.Fatalf("file errors = %v", stats.FileErrors)
	}
	if !errors.Is(stats.FileErrors[0], os.ErrNotExist) || !strings.Contains(stats.FileErrors[1].Error(), "bad.json.gz") {
		t.Errorf("file errors = %v", stats.FileErrors)
	}
	// The records of the corrupt file read before the error are kept, and the good file is done.
	if c.events["AWS.CloudTrail"] < 2 {
		t.Errorf("events = %v", c.events)
	}
}

func TestSinkErrorStopsTheRun(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 4; i++ {
		paths = append(paths, write(t, dir, "f"+string(rune('a'+i)), []byte(strings.Repeat(ctEvent+"\n", 2000))))
	}
	full := errors.New("no space left on device")
	p, err := ingest.New(ingest.Options{Types: testTypes(t), Sinks: []ingest.Sink{ingest.SinkFunc(func(*ingest.Batch) error { return full })}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Run(context.Background(), paths)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, full) {
			t.Errorf("err = %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the run did not stop after the sink failed")
	}
}

func TestStdinAndSourceLabels(t *testing.T) {
	c := &collector{}
	var got []string
	sink := ingest.SinkFunc(func(b *ingest.Batch) error {
		for _, ev := range b.Events {
			got = append(got, ev.SourceLabel+"/"+ev.SourceID+"/"+ev.RowID[:4])
		}
		return c.Consume(b)
	})
	p, err := ingest.New(ingest.Options{Types: testTypes(t), Sinks: []ingest.Sink{sink}, SourceLabel: "lbl", SourceID: "sid",
		Stdin: strings.NewReader(ctEvent + "\n" + ctEvent + "\n")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background(), []string{"-"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "lbl/sid/") {
		t.Errorf("got %v", got)
	}
}
