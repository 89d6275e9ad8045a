package pyrun

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	stderr := &syncBuffer{}
	p := newPool(t, Options{Workers: 2, Stderr: stderr, BatchSize: 2}, testContent(t))
	basic := sel(t, p, "Basic.Rule", "NonBool.Rule", "ImportError.Rule", "AuxError.Rule", "Hit.Rule")
	events := []Event{
		{Data: json.RawMessage(`{"eventName":"ConsoleLogin","userIdentity":{"userName":"root"},"dest":[]}`), Detections: basic},
		{Data: json.RawMessage(`{"eventName":"ConsoleLogin","userIdentity":{"userName":"bob"},"value":true}`), Detections: basic},
		{Data: json.RawMessage(`{"match":true,"value":false,"hit":true,"n":3}`), Detections: basic},
		{Data: json.RawMessage(`{"Name":"b","Encrypted":false}`), Detections: sel(t, p, "Policy.Check")},
		{Data: json.RawMessage(`{"Name":"c","Encrypted":true}`), Detections: sel(t, p, "Policy.Check")},
		{Data: json.RawMessage(`{"ignored":true}`)},
	}
	got, err := p.Evaluate(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, r := range got {
		s := fmt.Sprintf("%d %s", r.Event, r.DetectionID)
		if r.Error != nil {
			s += " error " + r.Error.Type + ": " + r.Error.Message
		}
		summary = append(summary, s)
	}
	want := []string{
		"0 Basic.Rule",
		"0 NonBool.Rule error FunctionReturnTypeError: detection [NonBool.Rule] function [rule] returned [NoneType], expected [bool]",
		"0 ImportError.Rule error ModuleNotFoundError: No module named 'not_a_real_module_xyz'",
		"1 NonBool.Rule",
		"1 ImportError.Rule error ModuleNotFoundError: No module named 'not_a_real_module_xyz'",
		"2 AuxError.Rule",
		"2 ImportError.Rule error ModuleNotFoundError: No module named 'not_a_real_module_xyz'",
		"2 Hit.Rule",
		"3 Policy.Check",
	}
	if strings.Join(summary, "\n") != strings.Join(want, "\n") {
		t.Fatalf("results:\n%s\nwant:\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
	}
	m := got[0].Match
	if m.Title.Value != "Admin login by root" || m.Severity.Value != "HIGH" || len(m.Description.Value) != 1000 ||
		m.AlertContext.Value != `{"user": {"userName": "root"}, "n": 1}` || m.Destinations == nil || len(m.Destinations.Names) != 0 || m.Dedup != nil {
		t.Errorf("Basic.Rule match = %+v", m)
	}
	a := m.Resolve(Defaults{ID: "Basic.Rule", Severity: "Low"})
	if a.Title != "Admin login by root" || a.Dedup != "Admin login by root" || a.Severity != "HIGH" || len(a.Destinations) != 1 || a.Destinations[0] != "SKIP" {
		t.Errorf("Resolve = %+v", a)
	}
	aux := got[5].Match
	if aux.Title.Err != "ZeroDivisionError: division by zero" || !strings.HasPrefix(aux.Dedup.Err, "FunctionReturnTypeError") {
		t.Errorf("AuxError.Rule match = %+v", aux)
	}
	if a := aux.Resolve(Defaults{ID: "AuxError.Rule", DisplayName: "Aux", Severity: "Medium"}); a.Title != "AuxError.Rule" || a.Dedup != "defaultDedupString:AuxError.Rule" || a.Severity != "MEDIUM" {
		t.Errorf("AuxError Resolve = %+v", a)
	}
	if a := got[7].Match.Resolve(Defaults{ID: "Hit.Rule"}); a.Title != "hit 3" || a.Dedup != "hit 3" {
		t.Errorf("Hit Resolve = %+v", a)
	}
	if a := got[8].Match.Resolve(Defaults{ID: "Policy.Check"}); a.Title != "Unencrypted b" {
		t.Errorf("Policy Resolve = %+v", a)
	}
	if e := got[1].Error; e.Path != "testdata/content/non_bool_rule.py" || e.Function != "rule" {
		t.Errorf("NonBool error = %+v", e)
	}
	stats := map[string]DetectionStats{}
	for _, s := range p.Stats() {
		stats[s.ID] = s
	}
	if s := stats["Basic.Rule"]; s.Calls != 3 || s.Matches != 1 || s.Errors != 0 {
		t.Errorf("Basic.Rule stats = %+v", s)
	}
	if s := stats["ImportError.Rule"]; s.Calls != 3 || s.Errors != 3 {
		t.Errorf("ImportError.Rule stats = %+v", s)
	}
}

func TestEvaluateTracebackAndProfile(t *testing.T) {
	c := Content{Detections: []Detection{{ID: "Boom", Kind: KindRule, Module: Module{Path: "rules/boom.py", Source: "def helper(e):\n    return e['missing']\n\n\ndef rule(event):\n    return helper(event)\n"}}}}
	p := newPool(t, Options{Workers: 1, Profile: true}, c)
	got, err := p.Evaluate(context.Background(), []Event{{Data: json.RawMessage(`{"a":1}`), Detections: sel(t, p, "Boom")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Error == nil {
		t.Fatalf("got %+v", got)
	}
	e := got[0].Error
	tb := e.Traceback
	first := strings.Index(tb, "  File \"rules/boom.py\", line 6, in rule\n    return helper(event)\n")
	second := strings.Index(tb, "  File \"rules/boom.py\", line 2, in helper\n    return e['missing']\n")
	if e.Type != "KeyError" || e.Message != "'missing'" || e.Line != 2 || first != 0 || second <= first ||
		strings.Count(tb, "File ") != 2 || e.Error() != "rules/boom.py:2: KeyError: 'missing'" {
		t.Errorf("error = %+v\ntraceback:\n%s", e, e.Traceback)
	}
	if s := p.Stats()[0]; s.Time <= 0 || s.Calls != 1 || s.Errors != 1 {
		t.Errorf("stats = %+v", s)
	}
}

func TestCachingHelpers(t *testing.T) {
	kv := filepath.Join(t.TempDir(), "kv.sqlite")
	p := newPool(t, Options{Workers: 2, KVPath: kv, BatchSize: 1}, testContent(t))
	s := sel(t, p, "Cache.Rule")
	ev := func(user string, ttl int) Event {
		return Event{Data: json.RawMessage(fmt.Sprintf(`{"user":%q,"ttl":%d}`, user, ttl)), Detections: s}
	}
	// Two workers increment the same counters concurrently; the counts
	// must still be exact.
	var events []Event
	for range 10 {
		events = append(events, ev("alice", 3600))
	}
	got, err := p.Evaluate(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 {
		t.Fatalf("got %d matches, want 9 (count >= 2): %+v", len(got), got)
	}
	last := got[len(got)-1].Match.AlertContext.Value
	if last != `{"count": 10, "users": ["alice"]}` && !strings.Contains(last, `"users": ["alice"]`) {
		t.Errorf("alert context = %s", last)
	}
	// A negative relative TTL expires at once: every increment restarts at 1.
	got, err = p.Evaluate(context.Background(), []Event{ev("bob", -5), ev("bob", -5), ev("bob", -5)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("expired counter matched: %+v", got)
	}
	// The helper functions themselves, against the same file.
	script := `
import os, sys, time
sys.path.insert(0, sys.argv[1])
from panther_detection_helpers import caching as c
assert c.get_counter("alice" and "logins-alice") == 10
assert c.get_counter("nope") == 0
c.reset_counter("logins-alice"); assert c.get_counter("logins-alice") == 0
c.put_string_set("s", ["a", "b"]); assert c.get_string_set("s") == {"a", "b"}
assert c.add_to_string_set("s", ["c"]) == {"a", "b", "c"}
assert c.remove_from_string_set("s", "a") == {"b", "c"}
assert c.add_to_string_set("s", []) == {"b", "c"}
assert c.check_account_age("s") is True and c.check_account_age("") is False and c.check_account_age("zz") is False
c.set_key_expiration("s", int(time.time()) - 10)
assert c.get_string_set("s", force_ttl_check=True) == set()
assert c.get_string_set("s") == {"b", "c"}
assert c.check_account_age("s") is False
assert c.remove_from_string_set("s", "b") == set()
assert c.add_to_string_set("s", "z") == {"z"}
c.put_string_set("s", [])
assert c.get_string_set("s") == set()
c.put_dictionary("d", {"k": [1, 2]}); assert c.get_dictionary("d") == {"k": [1, 2]}
try:
    c.put_dictionary("d", ["not", "a", "dict"])
    raise SystemExit("expected TypeError")
except TypeError:
    pass
try:
    c.put_dictionary("d", {"k": {1, 2}})
    raise SystemExit("expected ValueError")
except ValueError:
    pass
c.put_dictionary("old", {"x": 1}, epoch_seconds=-1)
assert c.get_dictionary("old", force_ttl_check=True) == {}
assert c.get_dictionary("missing") == {}
assert [c.evaluate_threshold("t", threshold=3) for _ in range(4)] == [False, False, True, False]
assert c._finalize_epoch_seconds(None) > time.time() + 89 * 86400
assert c._finalize_epoch_seconds("2000000000.5") == 2000000000
assert abs(c._finalize_epoch_seconds(60) - (time.time() + 60)) < 5
assert c.increment_counter("fresh", 5, epoch_seconds=None) == 5
print("ok")
`
	out := runPython(t, p, script, kv)
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("caching script printed %q", out)
	}
}

func runPython(t *testing.T, p *Pool, script, kv string) string {
	t.Helper()
	cmd := execCommand(p.python, "-c", script, p.dir)
	cmd.Env = append(os.Environ(), "PANTHER_KV_PATH="+kv)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return string(out)
}

func TestWorkerKilledMidBatch(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no fifo support: %v", err)
	}
	c := Content{Detections: []Detection{
		rule(t, "KillOnce", "kill_once_rule"),
		rule(t, "Hit", "hit_rule"),
	}}
	p := newPool(t, Options{Workers: 1}, c)
	s := sel(t, p, "KillOnce", "Hit")
	events := []Event{
		{Data: json.RawMessage(`{"hit":true,"n":0}`), Detections: s},
		{Data: json.RawMessage(`{"hit":false,"n":1}`), Detections: s},
		{Data: json.RawMessage(fmt.Sprintf(`{"hit":true,"n":2,"fifo":%q}`, fifo)), Detections: s},
		{Data: json.RawMessage(`{"hit":true,"n":3}`), Detections: s},
	}
	killed := make(chan error, 1)
	go func() {
		// Opening the FIFO blocks until the rule opens it for writing.
		b, err := os.ReadFile(fifo)
		if err != nil {
			killed <- err
			return
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			killed <- err
			return
		}
		killed <- syscall.Kill(pid, syscall.SIGKILL)
	}()
	got, err := p.Evaluate(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-killed; err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, r := range got {
		if r.Error != nil {
			t.Errorf("unexpected error result %+v", r.Error)
		}
		title := ""
		if r.Match != nil && r.Match.Title != nil {
			title = r.Match.Title.Value
		}
		summary = append(summary, fmt.Sprintf("%d %s %s", r.Event, r.DetectionID, title))
	}
	want := "0 KillOnce \n0 Hit hit 0\n2 KillOnce \n2 Hit hit 2\n3 KillOnce \n3 Hit hit 3"
	if strings.Join(summary, "\n") != want {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(summary, "\n"), want)
	}
}

func TestRobustness(t *testing.T) {
	c := Content{Detections: []Detection{
		rule(t, "Loop", "loop_rule"),
		rule(t, "Stubborn", "stubborn_rule"),
		rule(t, "Memory", "memory_rule"),
		rule(t, "Crash", "crash_rule"),
		rule(t, "Hit", "hit_rule"),
	}}
	p := newPool(t, Options{Workers: 2, CallTimeout: 300 * time.Millisecond, MemoryLimit: 512 << 20, BatchSize: 3}, c)
	all := sel(t, p, "Loop", "Stubborn", "Memory", "Crash", "Hit")
	var events []Event
	for i := range 12 {
		ev := map[string]any{"hit": i%2 == 0, "n": i}
		switch i {
		case 1:
			ev["loop"] = true
		case 4:
			ev["stuck"] = true
		case 7:
			ev["big"] = true
		case 10:
			ev["crash"] = true
		}
		b, _ := json.Marshal(ev)
		events = append(events, Event{Data: b, Detections: all})
	}
	got, err := p.Evaluate(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]*RuleError{}
	matches := map[string]bool{}
	for _, r := range got {
		key := fmt.Sprintf("%d %s", r.Event, r.DetectionID)
		if r.Error != nil {
			errs[key] = r.Error
		} else {
			matches[key] = true
		}
	}
	if e := errs["1 Loop"]; e == nil || e.Type != "DetectionTimeoutError" || !e.Timeout {
		t.Errorf("1 Loop: %+v", e)
	}
	if e := errs["4 Stubborn"]; e == nil || e.Type != "DetectionTimeoutError" || !strings.Contains(e.Message, "worker was killed") {
		t.Errorf("4 Stubborn: %+v", e)
	}
	if e := errs["7 Memory"]; e == nil || e.Type != "MemoryError" {
		t.Errorf("7 Memory: %+v", e)
	}
	if e := errs["10 Crash"]; e == nil || e.Type != "WorkerCrash" || !e.Crash {
		t.Errorf("10 Crash: %+v", e)
	}
	if len(errs) != 4 {
		t.Errorf("got %d errors, want 4: %v", len(errs), errs)
	}
	for i := range 12 {
		for _, id := range []string{"Loop", "Stubborn", "Memory", "Crash", "Hit"} {
			key := fmt.Sprintf("%d %s", i, id)
			if errs[key] != nil {
				continue
			}
			if want := i%2 == 0; matches[key] != want {
				t.Errorf("%s: match = %v, want %v", key, matches[key], want)
			}
		}
	}
	// The pool still works after all that.
	got, err = p.Evaluate(context.Background(), []Event{{Data: json.RawMessage(`{"hit":true}`), Detections: sel(t, p, "Hit")}})
	if err != nil || len(got) != 1 || got[0].Match == nil {
		t.Fatalf("after recovery: %+v, %v", got, err)
	}
}
