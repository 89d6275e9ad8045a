package pyrun

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	pythonOnce sync.Once
	pythonErr  error
)

// requirePython skips the test when no CPython >= 3.9 is available.
func requirePython(t testing.TB) {
	t.Helper()
	pythonOnce.Do(func() {
		_, _, pythonErr = probePython(context.Background(), "")
	})
	if pythonErr != nil {
		t.Skipf("skipping: these tests need python3 >= %s on PATH: %v", MinPython, pythonErr)
	}
}

// module reads testdata/content/<name>.py.
func module(t testing.TB, name string) Module {
	t.Helper()
	path := filepath.Join("testdata", "content", name+".py")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Module{Name: name, Path: path, Source: string(src)}
}

func rule(t testing.TB, id, file string) Detection {
	return Detection{ID: id, Kind: KindRule, Module: module(t, file)}
}

// testContent is the content of the spec tests.
func testContent(t testing.TB) Content {
	udm := module(t, "udm_model")
	return Content{
		Globals: []Module{module(t, "helpers_global")},
		DataModels: []DataModel{{
			ID:       "Test.UDM.Model",
			LogTypes: []string{"Test.UDM"},
			Module:   &udm,
			Mappings: []Mapping{
				{Name: "source_ip", Path: "$.net.src"},
				{Name: "actor", Method: "get_actor"},
				{Name: "nested", Path: "deep"},
				{Name: "item_names", Path: "$.items[*].name"},
			},
		}},
		Detections: []Detection{
			rule(t, "Basic.Rule", "basic_rule"),
			rule(t, "Mocked.Rule", "mocked_rule"),
			rule(t, "Stateful.Rule", "stateful_rule"),
			rule(t, "AuxError.Rule", "aux_error_rule"),
			rule(t, "NonBool.Rule", "non_bool_rule"),
			rule(t, "ImportError.Rule", "import_error_rule"),
			rule(t, "Missing.Rule", "missing_rule"),
			rule(t, "UDM.Rule", "udm_rule"),
			rule(t, "DeepWalk.Rule", "deep_walk_rule"),
			rule(t, "Overflow.Rule", "overflow_rule"),
			rule(t, "Cache.Rule", "cache_rule"),
			{ID: "Policy.Check", Kind: KindPolicy, Module: module(t, "policy_check")},
			{ID: "Sched.NoRule", Kind: KindScheduledRule, Module: module(t, "sched_norule")},
			rule(t, "Dest.Rule", "dest_rule"),
			{ID: "Signal.Rule", Kind: KindRule, Module: module(t, "basic_rule"), SuppressAlert: true},
			rule(t, "Hit.Rule", "hit_rule"),
		},
	}
}

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newPool(t testing.TB, o Options, c Content) *Pool {
	t.Helper()
	requirePython(t)
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := New(ctx, o, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

func sel(t testing.TB, p *Pool, ids ...string) *Selection {
	t.Helper()
	s, err := p.Select(ids...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
