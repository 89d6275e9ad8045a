package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The crash test: senders push numbered events over HTTP while the server is killed with
// SIGKILL at random moments and restarted; then SQL must find every acknowledged event in
// the lake exactly once, and the alerts must be those a clean run gives. The last stop is a
// SIGTERM, which must drain and exit 0.
//
// PANTHER_CRASH_ROUNDS sets the number of kills (default 3; `go run mage.go test:crash` runs 20).

const crashSchema = `version: 0
schema: Custom.Crash
fields:
  - {name: tenth, type: string}
  - {name: n, type: bigint, required: true}
  - {name: k, type: string, required: true}
  - {name: sender, type: string}
`

const crashRule = `AnalysisType: rule
RuleID: Crash.EveryTenth
Enabled: true
LogTypes: [Custom.Crash]
Severity: High
DedupPeriodMinutes: 1440
Detection:
  - KeyPath: tenth
    Condition: Equals
    Value: "yes"
AlertTitle: "group {k}"
GroupBy:
  - KeyPath: k
`

// binary builds the panther command once per test run.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func buildPanther(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "panther-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "panther")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// run runs a panther command against dataDir.
func run(t *testing.T, bin, dataDir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "PANTHER_DATA_DIR="+dataDir)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("panther %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}

// server is one run of `panther server`.
type server struct {
	cmd  *exec.Cmd
	done chan error
	logs *bytes.Buffer
}

func startPanther(t *testing.T, bin, dataDir, listen string) *server {
	t.Helper()
	cmd := exec.Command(bin, "server", "--data-dir", dataDir, "--listen", listen,
		"--set", "lake.flush_interval=300ms", "--set", "reload.interval=100ms", "--set", "log.level=info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	cmd.Stderr = &lockedWriter{w: logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan error, 1), logs: logs}
	listening := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		seen := false
		for sc.Scan() {
			if !seen && strings.HasPrefix(sc.Text(), "Panther listening on http://") {
				seen = true
				listening <- true
			}
		}
		if !seen {
			listening <- false
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case ok := <-listening:
		if !ok {
			t.Fatalf("the server exited before listening: %s", logs.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the server did not listen within 60s: %s", logs.String())
	}
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills servers")
	}
	rounds := 3
	if v := os.Getenv("PANTHER_CRASH_ROUNDS"); v != "" {
		rounds, _ = strconv.Atoi(v)
	}
	bin := buildPanther(t)
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "schemas", "crash.yml"), []byte(crashSchema), 0o644); err != nil {
		t.Fatal(err)
	}
	dets := t.TempDir()
	if err := os.WriteFile(filepath.Join(dets, "every_tenth.yml"), []byte(crashRule), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, bin, data, "detections", "upload", dets)
	var src struct{ ID, Token string }
	if err := json.Unmarshal([]byte(run(t, bin, data, "sources", "add", "--type", "http", "--label", "crash", "--log-type", "Custom.Crash", "--format", "json")), &src); err != nil {
		t.Fatal(err)
	}
	var hooks atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hooks.Add(1) }))
	defer hook.Close()
	run(t, bin, data, "destinations", "add", "--type", "customwebhook", "--name", "hook", "--severity", "HIGH",
		"--config", `{"webhookURL":"`+hook.URL+`"}`)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := l.Addr().String()
	l.Close()
	url := "http://" + listen + "/http/" + src.ID

	// The plan: senders × batches of numbered events; each batch is retried until acknowledged,
	// with an Idempotency-Key so a retry of a batch the server stored is not stored twice.
	// Senders push until the last round is over, pacing themselves so that the kills fall
	// in the middle of the traffic; a batch begun is retried until acknowledged.
	const senders, batchSize, maxBatches = 3, 40, 100000
	var stop atomic.Bool
	var sent atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var acked [senders]atomic.Int64 // batches acknowledged, per sender (in order)
	client := &http.Client{Timeout: 5 * time.Second}
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < maxBatches && !stop.Load(); b++ {
				var body bytes.Buffer
				first := (s*maxBatches + b) * batchSize
				for i := first; i < first+batchSize; i++ {
					tenth := "no"
					if i%10 == 0 {
						tenth = "yes"
					}
					fmt.Fprintf(&body, `{"n":%d,"k":"k%d","tenth":"%s","sender":"s%d"}`+"\n", i, i%7, tenth, s)
				}
				for {
					if ctx.Err() != nil {
						return
					}
					req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body.Bytes()))
					req.Header.Set("Authorization", "Bearer "+src.Token)
					req.Header.Set("Idempotency-Key", fmt.Sprintf("s%d-b%d", s, b))
					resp, err := client.Do(req)
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == 200 {
							sent.Add(batchSize)
							acked[s].Add(1)
							break
						}
					}
					// Down, refusing or full: the sender retries, as real senders do.
					select {
					case <-ctx.Done():
						return
					case <-time.After(50 * time.Millisecond):
					}
				}
				time.Sleep(10 * time.Millisecond) // pacing
			}
		}()
	}

	srv := startPanther(t, bin, data, listen)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for r := 0; r < rounds; r++ {
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond) // a random moment, not synchronisation
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-srv.done
		t.Logf("round %d: killed with %d events acknowledged so far", r+1, sent.Load())
		srv = startPanther(t, bin, data, listen)
	}
	stop.Store(true)
	wg.Wait()
	// SIGTERM drains the pipeline and writes the last checkpoint, then exits 0.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Fatalf("after SIGTERM: %v\n%s", err, srv.logs.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the server did not stop within 2 minutes of SIGTERM")
	}

	// Every acknowledged event is in the lake, once; nothing else is.
	var ackedN []int64
	var total int64
	var ackedRanges []string // each sender's acknowledged events are one run of numbers
	for s := range senders {
		if n := acked[s].Load(); n > 0 {
			first := int64(s) * maxBatches * batchSize
			ackedRanges = append(ackedRanges, fmt.Sprintf("n BETWEEN %d AND %d", first, first+n*batchSize-1))
		}
		for b := int64(0); b < acked[s].Load(); b++ {
			first := (int64(s)*maxBatches + b) * batchSize
			for i := first; i < first+batchSize; i++ {
				ackedN = append(ackedN, i)
			}
		}
	}
	total = int64(len(ackedN))
	if total != sent.Load() || total == 0 {
		t.Fatalf("%d events acknowledged, %d counted", sent.Load(), total)
	}
	out := run(t, bin, data, "query", "--format", "json", "SELECT count(*) AS rows, count(DISTINCT n) AS uniq FROM panther_logs.custom_crash")
	var got struct{ Rows, Uniq int64 }
	decodeFirst(t, out, &got)
	if got.Rows != total || got.Uniq != total {
		t.Errorf("lake: %+v; want the %d acknowledged events, each once", got, total)
		t.Logf("quarantine: %s", run(t, bin, data, "query", "SELECT count(*), min(reason) FROM panther_system.quarantine"))
		t.Logf("checkpoint: %s", run(t, bin, data, "sources", "show", "crash"))
		t.Fatalf("server logs of the last run:\n%s", srv.logs.String())
	}
	out = run(t, bin, data, "query", "--format", "json", "SELECT count(*) AS rows FROM panther_logs.custom_crash WHERE NOT ("+strings.Join(ackedRanges, " OR ")+")")
	var extra struct{ Rows int64 }
	decodeFirst(t, out, &extra)
	if extra.Rows != 0 {
		t.Fatalf("%d events in the lake were never acknowledged", extra.Rows)
	}
	var tenth int64
	for _, n := range ackedN {
		if n%10 == 0 {
			tenth++
		}
	}
	out = run(t, bin, data, "query", "--format", "json", "SELECT count(*) AS rows, count(DISTINCT n) AS uniq FROM panther_rule_matches.custom_crash")
	var matches struct{ Rows, Uniq int64 }
	decodeFirst(t, out, &matches)
	if matches.Rows != tenth || matches.Uniq != tenth {
		t.Fatalf("rule matches: %+v; want %d, each once", matches, tenth)
	}
	// A clean run: one alert per group k0..k6, counting each matching event once.
	var alerts []struct {
		ID         string `json:"id"`
		Title      string `json:"title"`
		EventCount int    `json:"eventCount"`
	}
	for _, line := range strings.Split(strings.TrimSpace(run(t, bin, data, "alerts", "list", "--format", "json", "--limit", "100")), "\n") {
		var a struct {
			ID         string `json:"id"`
			Title      string `json:"title"`
			EventCount int    `json:"eventCount"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		alerts = append(alerts, a)
	}
	want := map[string]int{}
	for _, n := range ackedN {
		if n%10 == 0 {
			want[fmt.Sprintf("group k%d", n%7)]++
		}
	}
	if len(alerts) != len(want) {
		t.Fatalf("%d alerts, a clean run gives %d: %+v", len(alerts), len(want), alerts)
	}
	for _, a := range alerts {
		if a.EventCount != want[a.Title] {
			t.Errorf("alert %q counts %d events, a clean run %d", a.Title, a.EventCount, want[a.Title])
		}
	}
	t.Logf("%d events in %d rounds: each once in the lake; %d alerts as in a clean run; %d webhook calls", total, rounds, len(alerts), hooks.Load())
}

// decodeFirst decodes the first JSON object printed by `panther query --format json`.
func decodeFirst(t *testing.T, out string, v any) {
	t.Helper()
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	line = strings.TrimPrefix(strings.TrimSpace(line), "[")
	line = strings.TrimSuffix(strings.TrimSuffix(line, "]"), ",")
	if err := json.Unmarshal([]byte(line), v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}
