package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/destinations"
	"github.com/pantherlabs/panther/internal/state"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// dir is a Directory of webhook destinations.
type dir struct{ dests map[string]string } // id -> URL

func (d dir) Destinations(context.Context) ([]delivery.Destination, error) {
	var out []delivery.Destination
	for id := range d.dests {
		out = append(out, delivery.Destination{ID: id, Name: "hook-" + id, Type: "customwebhook", DefaultForSeverity: []string{"HIGH", "CRITICAL"}})
	}
	return out, nil
}

func (d dir) Notifier(_ context.Context, id string) (notify.Notifier, error) {
	url, ok := d.dests[id]
	if !ok {
		return nil, fmt.Errorf("unknown destination %s", id)
	}
	cfg, _ := json.Marshal(map[string]string{"webhookURL": url})
	return destinations.Build("customwebhook", cfg)
}

type env struct {
	st   *alerts.Store
	d    *delivery.Dispatcher
	c    *clock
	path string
}

func setup(t *testing.T, path string, directory delivery.Directory) *env {
	t.Helper()
	db, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	if err := delivery.EnsureSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	st, err := alerts.Open(ctx, db, alerts.Options{Now: c.Now, OnRaise: delivery.Enqueue(directory, c.Now)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := delivery.New(ctx, db, st, directory, delivery.Options{Now: c.Now, Rand: func() float64 { return 0.5 }, LinkBase: "https://panther.local"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{st: st, d: d, c: c, path: path}
}

func raise(t *testing.T, e *env, severity string) string {
	t.Helper()
	as, _, err := e.st.Record(context.Background(), []alerts.Match{{Type: alerts.TypeRule, DetectionID: "AWS.Root.Login",
		DisplayName: "Root login", Dedup: "root", Title: "Root logged in", Severity: severity,
		EventTime: time.Date(2024, 10, 15, 12, 0, 0, 0, time.UTC), LogType: "AWS.CloudTrail", Context: json.RawMessage(`{"ip":"1.2.3.4"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	return as[0].AlertID
}

// drain runs the dispatcher, moving the clock to each next retry, until nothing is pending.
func drain(t *testing.T, e *env) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if _, err := e.d.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		next, ok, err := e.d.NextDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if next.After(e.c.Now()) {
			e.c.Set(next)
		}
	}
	t.Fatal("deliveries never settled")
}

func TestFailsThreeTimesThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	var bodies []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if calls.Add(1) <= 3 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	e := setup(t, filepath.Join(t.TempDir(), "state.db"), dir{map[string]string{"d1": srv.URL}})
	start := e.c.Now()
	id := raise(t, e, "HIGH")
	drain(t, e)
	recs, err := e.d.Deliveries(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Status != delivery.StatusDelivered {
		t.Fatalf("deliveries = %+v", recs)
	}
	var codes []int
	succ := 0
	for _, a := range recs[0].Attempts {
		codes = append(codes, a.StatusCode)
		if a.Success {
			succ++
		}
	}
	if fmt.Sprint(codes) != "[503 503 503 200]" || succ != 1 {
		t.Errorf("attempts: codes %v, %d successes", codes, succ)
	}
	if calls.Load() != 4 {
		t.Errorf("server saw %d requests", calls.Load())
	}
	// Backoff: 30s, 60s, 120s (jitter factor 1 with Rand 0.5).
	if got := recs[0].Attempts[3].StartedAt.Sub(start); got != 210*time.Second {
		t.Errorf("last attempt %v after the first, want 3m30s", got)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(bodies[3]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["alertId"] != id || doc["link"] != "https://panther.local/alerts/"+id || doc["title"] != "New Alert: Root logged in" {
		t.Errorf("notification = %v", doc)
	}
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "bad request", http.StatusBadRequest)
	}))
	defer srv.Close()
	e := setup(t, filepath.Join(t.TempDir(), "state.db"), dir{map[string]string{"d1": srv.URL}})
	id := raise(t, e, "CRITICAL")
	drain(t, e)
	recs, _ := e.d.Deliveries(context.Background(), id)
	if len(recs) != 1 || recs[0].Status != delivery.StatusFailed || len(recs[0].Attempts) != 1 || calls.Load() != 1 {
		t.Fatalf("deliveries = %+v, calls %d", recs, calls.Load())
	}
	if a := recs[0].Attempts[0]; a.StatusCode != 400 || a.Retryable || !strings.Contains(a.Error, "400") {
		t.Errorf("attempt = %+v", a)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	e := setup(t, filepath.Join(t.TempDir(), "state.db"), dir{map[string]string{"d1": srv.URL}})
	id := raise(t, e, "HIGH")
	drain(t, e)
	recs, _ := e.d.Deliveries(context.Background(), id)
	if recs[0].Status != delivery.StatusFailed || len(recs[0].Attempts) != 11 {
		t.Errorf("status %s after %d attempts", recs[0].Status, len(recs[0].Attempts))
	}
}

func TestRoute(t *testing.T) {
	dests := []delivery.Destination{
		{ID: "slack", Name: "Slack #sec", DefaultForSeverity: []string{"HIGH", "CRITICAL"}},
		{ID: "pd", Name: "PagerDuty", DefaultForSeverity: []string{"CRITICAL"}, AlertTypes: []string{"RULE"}},
		{ID: "errors", Name: "Errors", DefaultForSeverity: []string{"HIGH", "CRITICAL", "INFO"}, AlertTypes: []string{"RULE_ERROR"}},
	}
	tests := []struct {
		name string
		a    alerts.Alert
		want string
	}{
		{"by severity", alerts.Alert{Type: alerts.TypeRule, Severity: "CRITICAL"}, "[pd slack]"},
		{"type filter", alerts.Alert{Type: alerts.TypeRuleError, Severity: "CRITICAL"}, "[errors slack]"},
		{"no default", alerts.Alert{Type: alerts.TypeRule, Severity: "LOW"}, "[]"},
		{"output ids", alerts.Alert{Type: alerts.TypeRule, Severity: "LOW", OutputIDs: []string{"pd"}}, "[pd]"},
		{"output ids skip", alerts.Alert{Type: alerts.TypeRule, Severity: "HIGH", OutputIDs: []string{"SKIP"}}, "[]"},
		{"dynamic by name", alerts.Alert{Type: alerts.TypeRule, Severity: "LOW", OutputIDs: []string{"pd"}, Destinations: []string{"Slack #sec"}}, "[slack]"},
		{"dynamic unknown", alerts.Alert{Type: alerts.TypeRule, Severity: "LOW", OutputIDs: []string{"pd"}, Destinations: []string{"Slack #sec", "nope"}}, "[pd]"},
		{"dynamic skip", alerts.Alert{Type: alerts.TypeRule, Severity: "CRITICAL", Destinations: []string{"SKIP"}}, "[]"},
		{"dynamic types not filtered", alerts.Alert{Type: alerts.TypeRuleError, Severity: "LOW", Destinations: []string{"pd"}}, "[pd]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(delivery.Route(&tt.a, dests)); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestResumeAfterCrash kills a process in the middle of a delivery request; a new dispatcher
// then delivers the alert, and exactly one success is recorded.
func TestResumeAfterCrash(t *testing.T) {
	if os.Getenv("DELIVERY_CHILD_DB") != "" {
		return // the child runs in TestMain
	}
	received := make(chan struct{}, 10)
	var block atomic.Bool
	block.Store(true)
	var successes atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		if block.Load() {
			received <- struct{}{}
			// Never answer: the client process is killed meanwhile.
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		successes.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "state.db")
	e := setup(t, path, dir{map[string]string{"d1": srv.URL}})
	id := raise(t, e, "HIGH")

	child := exec.Command(os.Args[0], "-test.run=^TestResumeAfterCrash$")
	child.Env = append(os.Environ(), "DELIVERY_CHILD_DB="+path, "DELIVERY_CHILD_URL="+srv.URL)
	child.Stdout, child.Stderr = os.Stderr, os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-received:
	case <-time.After(time.Minute):
		child.Process.Kill()
		t.Fatal("the child never sent the request")
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	block.Store(false)
	close(release)

	// A new dispatcher (a restarted process) resumes the delivery.
	e2 := setup(t, path, dir{map[string]string{"d1": srv.URL}})
	drain(t, e2)
	recs, err := e2.d.Deliveries(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Status != delivery.StatusDelivered || len(recs[0].Attempts) != 2 {
		t.Fatalf("deliveries = %+v", recs)
	}
	if a := recs[0].Attempts[0]; a.Success || !strings.Contains(a.Error, "interrupted") {
		t.Errorf("interrupted attempt = %+v", a)
	}
	if !recs[0].Attempts[1].Success || successes.Load() != 1 {
		t.Errorf("successes: recorded %v, server %d", recs[0].Attempts[1].Success, successes.Load())
	}
	// Running again sends nothing more.
	drain(t, e2)
	if successes.Load() != 1 {
		t.Errorf("delivered %d times", successes.Load())
	}
}

func TestMain(m *testing.M) {
	if path := os.Getenv("DELIVERY_CHILD_DB"); path != "" {
		// The child: deliver what is due; the test kills it during the request.
		db, err := state.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ctx := context.Background()
		directory := dir{map[string]string{"d1": os.Getenv("DELIVERY_CHILD_URL")}}
		st, err := alerts.Open(ctx, db, alerts.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		d, err := delivery.New(ctx, db, st, directory, delivery.Options{Now: func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }, Timeout: time.Hour})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		d.RunOnce(ctx)
		os.Exit(3) // not reached: the test kills the process first
	}
	os.Exit(m.Run())
}
