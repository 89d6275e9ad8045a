package scan

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
)

const testAccount = "123456789012"

// memSink records what a scan hands over.
type memSink struct {
	mu      sync.Mutex
	changes []cloudsec.Change
	ends    []string // "region/type: ids"
	state   map[string]cloudsec.Change
}

func (m *memSink) Upsert(_ context.Context, _ string, cs []cloudsec.Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		m.state = map[string]cloudsec.Change{}
	}
	m.changes = append(m.changes, cs...)
	for _, c := range cs {
		m.state[c.ResourceID] = c
	}
	return nil
}

func (m *memSink) EndScan(_ context.Context, _, _, region, typ string, seen []string, started time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, c := range m.state {
		if c.ResourceType == typ && c.Region == region && !c.Deleted && !slices.Contains(seen, id) && c.ScannedAt.Before(started) {
			c.Deleted, c.Snapshot = true, nil
			m.state[id] = c
		}
	}
	s := append([]string(nil), seen...)
	sort.Strings(s)
	b, _ := json.Marshal(s)
	m.ends = append(m.ends, region+"/"+typ+": "+string(b))
	return nil
}

func (m *memSink) byID(t *testing.T, id string) cloudsec.Snapshot {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.state[id]
	if !ok {
		ids := []string{}
		for k := range m.state {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		t.Fatalf("no resource %s; have %v", id, ids)
	}
	return c.Snapshot
}

func newFake(t *testing.T) *awsfake.Server {
	f := awsfake.New()
	t.Cleanup(f.Close)
	return f
}

func newScanner(t *testing.T, f *awsfake.Server, sink cloudsec.Sink, types []string, regions ...string) *Scanner {
	t.Helper()
	if len(regions) == 0 {
		regions = []string{"us-east-1"}
	}
	s, err := New(Options{SourceID: "src", AccountID: testAccount, Regions: regions, Types: types, Sink: sink,
		AWS: aws.Config{Region: "us-east-1", Credentials: f.Credentials()}, Endpoint: f.URL,
		ThrottleWait: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func scanOK(t *testing.T, s *Scanner) *Result {
	t.Helper()
	res, err := s.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("scan errors: %v", res.Errors)
	}
	return res
}

func wantEq(t *testing.T, sn cloudsec.Snapshot, want any, keys ...any) {
	t.Helper()
	got := path(sn, keys...)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("%v = %s, want %s", keys, gb, wb)
	}
}
