// Command serverbench load-tests `panther server`: it starts the binary on a fresh data dir
// with a detection corpus and a webhook destination pointing at a receiver of its own,
// pushes synthetic CloudTrail over HTTP from concurrent senders, and reports the sustained
// rate, the latency from acceptance to alert delivery, the queue depth and the memory.
//
// Latency is measured with probe events: every -probe-every one event of the stream is a
// probe whose request parameters carry the time it was sent; a probe rule of our own raises
// one alert per probe with that time in its alert context, and the receiver subtracts it
// from the time the alert arrives.
//
//	go run ./tools/serverbench -bin bin/panther -rules internal/pyrun/testdata/bench_rules -duration 60s
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pantherlabs/panther/internal/synth"
)

const probeRule = `AnalysisType: rule
RuleID: Bench.Probe
DisplayName: Bench latency probe
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: Info
Detection:
  - KeyPath: eventName
    Condition: Equals
    Value: BenchProbe
GroupBy:
  - KeyPath: requestID
AlertContext:
  - KeyName: sent
    KeyValue:
      KeyPath: requestParameters.benchSentAt
`

type options struct {
	bin, rules, dataDir, csvPath string
	duration, warmup, sample     time.Duration
	senders, batch, rate, pool   int
	probeEvery                   int
	flush                        string
	workers                      int
	keep                         bool
	profile                      string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/panther", "the panther binary")
	flag.StringVar(&o.rules, "rules", "internal/pyrun/testdata/bench_rules", "detection content to enable (plus the probe rule)")
	flag.StringVar(&o.dataDir, "data-dir", "", "data dir (default: a new temporary one, removed after)")
	flag.StringVar(&o.csvPath, "csv", "", "write a sample every -sample to this CSV (time, events, rss, open files, queue)")
	flag.DurationVar(&o.duration, "duration", time.Minute, "how long to push")
	flag.DurationVar(&o.warmup, "warmup", 10*time.Second, "the first part of the run, not counted in the rates")
	flag.DurationVar(&o.sample, "sample", 5*time.Second, "interval of the samples")
	flag.IntVar(&o.senders, "senders", 8, "concurrent HTTP senders")
	flag.IntVar(&o.batch, "batch", 500, "events per request")
	flag.IntVar(&o.rate, "rate", 0, "target events/s over all senders (0: as fast as accepted)")
	flag.IntVar(&o.pool, "pool", 200000, "distinct synthetic events generated and cycled")
	flag.IntVar(&o.probeEvery, "probe-every", 2000, "one probe event per this many events")
	flag.StringVar(&o.flush, "flush", "", "lake.flush_interval of the server (default: the server's)")
	flag.IntVar(&o.workers, "python-workers", 0, "python.workers of the server (0: one per CPU)")
	flag.BoolVar(&o.keep, "keep", false, "keep the data dir")
	flag.StringVar(&o.profile, "cpuprofile", "", "write a 20s CPU profile of the server, taken after the warm-up, to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "serverbench:", err)
		os.Exit(1)
	}
}

// receiver counts the alerts delivered and the probes' latencies.
type receiver struct {
	mu        sync.Mutex
	latencies []time.Duration
	alerts    int64
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	var n struct {
		AlertContext map[string]any `json:"alertContext"`
	}
	_ = json.NewDecoder(r.Body).Decode(&n)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.alerts++
	if s, ok := n.AlertContext["sent"].(string); ok {
		if ns, err := strconv.ParseInt(s, 10, 64); err == nil {
			rc.latencies = append(rc.latencies, now.Sub(time.Unix(0, ns)))
		}
	}
}

func (rc *receiver) snapshot() (int64, []time.Duration) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.alerts, slices.Clone(rc.latencies)
}

func run(o options) error {
	dataDir := o.dataDir
	if dataDir == "" {
		d, err := os.MkdirTemp("", "panther-bench-")
		if err != nil {
			return err
		}
		dataDir = d
		if !o.keep {
			defer os.RemoveAll(d)
		}
	}
	panther := func(args ...string) ([]byte, error) {
		cmd := exec.Command(o.bin, args...)
		cmd.Env = append(os.Environ(), "PANTHER_DATA_DIR="+dataDir)
		cmd.Stderr = os.Stderr
		return cmd.Output()
	}
	// Content: the corpus and the probe rule.
	content, err := os.MkdirTemp("", "panther-bench-rules-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(content)
	if err := os.CopyFS(content, os.DirFS(o.rules)); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(content, "bench_probe.yml"), []byte(probeRule), 0o644); err != nil {
		return err
	}
	if _, err := panther("detections", "upload", content); err != nil {
		return fmt.Errorf("detections upload: %w", err)
	}
	out, err := panther("sources", "add", "--type", "http", "--label", "bench", "--log-type", "AWS.CloudTrail", "--format", "json")
	if err != nil {
		return fmt.Errorf("sources add: %w", err)
	}
	var src struct{ ID, Token string }
	if err := json.Unmarshal(out, &src); err != nil {
		return err
	}
	rc := &receiver{}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(hl, rc)
	if _, err := panther("destinations", "add", "--type", "customwebhook", "--name", "bench-receiver",
		"--severity", "INFO,LOW,MEDIUM,HIGH,CRITICAL", "--config", `{"webhookURL":"http://`+hl.Addr().String()+`/"}`); err != nil {
		return fmt.Errorf("destinations add: %w", err)
	}

	// The events: a pool of synthetic CloudTrail, cycled.
	var pool bytes.Buffer
	if err := synth.CloudTrail(&pool, o.pool, 1); err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimSpace(pool.Bytes()), []byte("\n"))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	listen := ln.Addr().String()
	ln.Close()
	args := []string{"server", "--listen", listen, "--set", "log.level=warn"}
	if o.flush != "" {
		args = append(args, "--set", "lake.flush_interval="+o.flush)
	}
	if o.workers > 0 {
		args = append(args, "--set", "python.workers="+strconv.Itoa(o.workers))
	}
	if o.profile != "" {
		args = append(args, "--set", "metrics.pprof=true")
	}
	srv := exec.Command(o.bin, args...)
	srv.Env = append(os.Environ(), "PANTHER_DATA_DIR="+dataDir)
	stdout, _ := srv.StdoutPipe()
	srv.Stderr = os.Stderr
	started := time.Now()
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Process.Kill()
	sc := bufio.NewScanner(stdout)
	up := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Panther listening on") {
			up = true
			break
		}
	}
	if !up {
		return errors.New("the server did not start")
	}
	go io.Copy(io.Discard, stdout)
	fmt.Printf("server up in %s on %s (data dir %s)\n", time.Since(started).Round(time.Millisecond), listen, dataDir)
	base := "http://" + listen

	// Senders.
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	defer cancel()
	var accepted, rejected, next atomic.Int64
	var probe atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.senders}}
	var tick <-chan time.Time
	if o.rate > 0 {
		per := time.Duration(float64(time.Second) * float64(o.batch) / float64(o.rate))
		t := time.NewTicker(per)
		defer t.Stop()
		tokens := make(chan time.Time, o.senders)
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case v := <-t.C:
					select {
					case tokens <- v:
					default:
					}
				}
			}
		}()
		tick = tokens
	}
	for s := 0; s < o.senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body bytes.Buffer
			for ctx.Err() == nil {
				if tick != nil {
					select {
					case <-ctx.Done():
						return
					case <-tick:
					}
				}
				body.Reset()
				for i := 0; i < o.batch; i++ {
					n := next.Add(1)
					if n%int64(o.probeEvery) == 0 {
						id := probe.Add(1)
						fmt.Fprintf(&body, `{"eventVersion":"1.09","eventID":"probe-%d","requestID":"probe-%d","eventTime":"%s","eventSource":"bench.local","eventName":"BenchProbe","awsRegion":"us-east-1","requestParameters":{"benchSentAt":"%d"}}`+"\n",
							id, id, time.Now().UTC().Format(time.RFC3339), time.Now().UnixNano())
						continue
					}
					body.Write(lines[n%int64(len(lines))])
					body.WriteByte('\n')
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/http/"+src.ID, bytes.NewReader(body.Bytes()))
				req.Header.Set("Authorization", "Bearer "+src.Token)
				req.Header.Set("Content-Type", "application/x-ndjson")
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					accepted.Add(int64(o.batch))
				} else {
					rejected.Add(int64(o.batch))
					if resp.StatusCode == 429 {
						select {
						case <-ctx.Done():
						case <-time.After(200 * time.Millisecond):
						}
					}
				}
			}
		}()
	}

	if o.profile != "" {
		go func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(o.warmup):
			}
			if err := saveProfile(base+"/debug/pprof/profile?seconds=20", o.profile); err != nil {
				fmt.Fprintln(os.Stderr, "serverbench: cpu profile:", err)
			}
		}()
	}

	// Samples.
	var w *csv.Writer
	if o.csvPath != "" {
		f, err := os.Create(o.csvPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = csv.NewWriter(f)
		defer w.Flush()
		w.Write([]string{"seconds", "accepted", "processed", "rss_mb", "python_rss_mb", "open_files", "queue_unprocessed", "alerts_delivered"})
	}
	type sample struct {
		at                 time.Time
		accepted, processd float64
	}
	var first, last sample
	var peakRSS, peakPy, peakQueue float64
	t0 := time.Now()
	sampleT := time.NewTicker(o.sample)
	defer sampleT.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-sampleT.C:
		}
		m, err := scrape(base)
		if err != nil {
			continue
		}
		rss := m["process_resident_memory_bytes"] / (1 << 20)
		py := childrenRSS(srv.Process.Pid) / (1 << 20)
		s := sample{at: time.Now(), accepted: float64(accepted.Load()), processd: m[`panther_events_total{log_type="AWS.CloudTrail",source="bench"}`]}
		if s.at.Sub(t0) >= o.warmup && first.at.IsZero() {
			first = s
		}
		last = s
		peakRSS, peakPy, peakQueue = max(peakRSS, rss), max(peakPy, py), max(peakQueue, m["panther_queue_unprocessed"])
		delivered, _ := rc.snapshot()
		if w != nil {
			w.Write([]string{fmt.Sprintf("%.0f", s.at.Sub(t0).Seconds()), fmt.Sprint(s.accepted), fmt.Sprint(s.processd),
				fmt.Sprintf("%.1f", rss), fmt.Sprintf("%.1f", py), fmt.Sprint(m["process_open_fds"]), fmt.Sprint(m["panther_queue_unprocessed"]), fmt.Sprint(delivered)})
			w.Flush()
		}
		fmt.Printf("t=%4.0fs accepted=%d processed=%.0f queue=%.0f rss=%.0fMB python=%.0fMB fds=%.0f\n", s.at.Sub(t0).Seconds(),
			accepted.Load(), s.processd, m["panther_queue_unprocessed"], rss, py, m["process_open_fds"])
	}
	wg.Wait()
	// Let the probes in flight arrive: wait until the queue is drained (bounded).
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		m, err := scrape(base)
		if err == nil && m["panther_queue_unprocessed"] == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	delivered, lat := rc.snapshot()
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(time.Millisecond)
	}
	span := last.at.Sub(first.at).Seconds()
	fmt.Println()
	fmt.Printf("pushed for %s (%d senders x %d events per request%s), after a %s warm-up:\n", o.duration, o.senders, o.batch,
		map[bool]string{true: fmt.Sprintf(", target %d events/s", o.rate), false: ""}[o.rate > 0], o.warmup)
	fmt.Printf("  accepted   %8.0f events/s (%d refused with 429/5xx)\n", (last.accepted-first.accepted)/span, rejected.Load())
	fmt.Printf("  processed  %8.0f events/s (parsed, detections run, alerts recorded)\n", (last.processd-first.processd)/span)
	fmt.Printf("  latency from acceptance to alert delivered: p50 %s, p99 %s, max %s over %d probes (%d sent)\n", q(0.5), q(0.99), q(1), len(lat), probe.Load())
	fmt.Printf("  queue depth (unprocessed payloads) peak %.0f; server RSS peak %.0f MB, Python workers %.0f MB; %d alerts delivered\n",
		peakQueue, peakRSS, peakPy, delivered)
	srv.Process.Signal(syscall.SIGTERM)
	waitDone := make(chan error, 1)
	go func() { waitDone <- srv.Wait() }()
	select {
	case err := <-waitDone:
		if err != nil {
			return fmt.Errorf("server exit after SIGTERM: %w", err)
		}
	case <-time.After(2 * time.Minute):
		return errors.New("the server did not stop within 2 minutes of SIGTERM")
	}
	return nil
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) ([0-9.eE+-]+|NaN)$`)

// scrape reads /metrics into series -> value.
func scrape(base string) (map[string]float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if m := sampleLine.FindStringSubmatch(sc.Text()); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			out[m[1]] = v
		}
	}
	return out, sc.Err()
}

// saveProfile writes what url answers to path.
func saveProfile(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// childrenRSS sums the resident memory of pid's child processes (the Python workers).
func childrenRSS(pid int) float64 {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0
	}
	var total float64
	for _, task := range tasks {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		if err != nil {
			continue
		}
		for _, c := range strings.Fields(string(data)) {
			total += vmRSS(c)
		}
	}
	return total
}

// vmRSS reads the resident memory of process pid.
func vmRSS(pid string) float64 {
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb * 1024
			}
		}
	}
	return 0
}
