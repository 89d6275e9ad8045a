package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/pyrun"
	"github.com/pantherlabs/panther/internal/runtime"
)

func runIngest(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "ingest", "ingest [--data-dir D] [--log-type T]... [--source LABEL] [--detections DIR] PATH...").withDataDir()
	var types listFlag
	f.Var(&types, "log-type", "allowed log type (repeatable or comma-separated; default: all types)")
	source := f.String("source", "", "source label stamped on every event as p_source_label")
	sourceID := f.String("source-id", "", "source id stamped on every event as p_source_id")
	workers := f.Int("workers", 0, "files parsed at once (default: number of CPUs)")
	maxRecord := f.Int("max-record-bytes", 0, "longest record accepted; longer ones are quarantined (default 32 MiB)")
	quiet := f.Bool("quiet", false, "no progress and no summary")
	dets := f.String("detections", "", "run the detections in DIR (default: those uploaded to the data dir)")
	noDets := f.Bool("no-detections", false, "do not run detections")
	python := f.String("python", "", "Python interpreter for Python detections (default python3)")
	ruleTimeout := f.Duration("rule-timeout", 0, "time limit of one rule call (default 15s)")
	ruleStats := f.Int("rule-stats", 0, "after the run, print which Python functions run in Go, then the N Python rules that took the most time")
	noCompile := f.Bool("no-compile", false, "run Python rules in CPython only, without compiling them to Go (also PANTHER_NO_COMPILE=1)")
	paths, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if env.Getenv("GOMEMLIMIT") == "" {
		// Keep the Go heap of a long ingest small: the lake buffers are bounded (160 MiB) and the
		// garbage collector works harder rather than letting the heap double.
		debug.SetMemoryLimit(ingestMemoryLimit)
	}
	if len(paths) == 0 {
		fmt.Fprintln(env.Stderr, "panther ingest: no input files (use - for standard input)")
		f.Usage()
		return ExitUsage
	}
	res, err := ingestFiles(ctx, env, ingestConfig{
		dataDir: f.DataDir(), types: types, source: *source, sourceID: *sourceID,
		workers: *workers, maxRecord: *maxRecord, quiet: *quiet, paths: paths,
		detectionsDir: *dets, noDetections: *noDets, ruleStats: *ruleStats,
		detection: runtime.DetectionOptions{Python: *python, RuleTimeout: *ruleTimeout, Stderr: env.Stderr, Profile: *ruleStats > 0,
			NoCompile: *noCompile || env.Getenv("PANTHER_NO_COMPILE") == "1"},
	})
	if err != nil {
		return errorf(env, "ingest: %v", err)
	}
	if len(res.Stats.FileErrors) > 0 {
		for _, e := range res.Stats.FileErrors {
			fmt.Fprintf(env.Stderr, "panther: ingest: %v\n", e)
		}
		return ExitError
	}
	return ExitOK
}

// ingestMemoryLimit is the soft memory limit of the Go heap during `panther ingest`, unless
// GOMEMLIMIT is set.
const ingestMemoryLimit = 400 << 20

type ingestConfig struct {
	dataDir       string
	types         []string
	source        string
	sourceID      string
	workers       int
	maxRecord     int
	quiet         bool
	paths         []string
	detectionsDir string
	noDetections  bool
	detection     runtime.DetectionOptions
	ruleStats     int // print the N slowest rules
	summaryWriter io.Writer
}

// ingestFiles runs the pipeline (runtime.IngestFiles) and prints the summary.
func ingestFiles(ctx context.Context, env *Env, c ingestConfig) (*runtime.IngestResult, error) {
	stopProgress := func() {}
	start := time.Now()
	res, err := runtime.IngestFiles(ctx, runtime.IngestOptions{
		DataDir: c.dataDir, Paths: c.paths, Stdin: env.Stdin, LogTypes: c.types, SourceID: c.sourceID, SourceLabel: c.source,
		Workers: c.workers, MaxRecord: c.maxRecord, DetectionsDir: c.detectionsDir, NoDetections: c.noDetections,
		Detection: c.detection, Warn: env.Stderr, LinkBase: os.Getenv("PANTHER_URL"),
		OnStart: func(p *ingest.Pipeline) {
			if !c.quiet && isTerminal(env.Stderr) {
				stopProgress = showProgress(env.Stderr, &p.Progress, start)
			}
		},
	})
	stopProgress()
	if err != nil {
		return res, err
	}
	out := c.summaryWriter
	if out == nil {
		out = env.Stdout
	}
	if !c.quiet {
		printSummary(out, res.Stats, res.Elapsed)
		if res.Rules > 0 || res.LoadErrors > 0 {
			fmt.Fprintf(out, "%d rules ran: %d matches, %d rule errors, %d alerts raised\n",
				res.Rules-res.CorrelationRules, res.Matches, res.Errors, len(res.Raised))
			if res.CorrelationRules > 0 {
				fmt.Fprintf(out, "%d correlation rules ran: %d windows evaluated, %d matches, %d alerts raised\n",
					res.CorrelationRules, res.Correlation.Runs, res.Correlation.Occurrences, len(res.Correlation.Raised))
			}
			if res.LoadErrors > 0 {
				fmt.Fprintf(out, "%d detections cannot run (see above): %d RULE_ERROR alerts raised\n", res.LoadErrors, len(res.LoadAlerts))
			}
			if c.ruleStats > 0 {
				printRuleStats(out, res, c.ruleStats)
			}
		}
		if res.Deliveries > 0 {
			fmt.Fprintf(out, "%d alert deliveries attempted\n", res.Deliveries)
		}
		if !res.NextRetry.IsZero() {
			fmt.Fprintf(out, "deliveries pending retry from %s: run `panther alerts deliver` or the server to send them\n", res.NextRetry.UTC().Format(time.RFC3339))
		}
	}
	return res, nil
}

// printRuleStats prints which Python rules compiled to Go, then the rules that took the most
// time, in Go and in CPython together.
func printRuleStats(w io.Writer, res *runtime.IngestResult, n int) {
	fmt.Fprintln(w)
	detect.PrintCompileReport(w, res.DetectRules)
	fmt.Fprintf(w, "\nslowest Python rules, Go and CPython time together (%d rule calls skipped by their leading tests):\n", res.GuardSkips)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tGO\tGO CALLS\tGO MATCHES\tFALLBACKS\tAUX IN PY\tGO TIME\tPER GO CALL\tPY CALLS\tPY MATCHES\tERRORS\tPY TIME\tPER PY CALL")
	byID := map[string]*detect.Rule{}
	for _, r := range res.DetectRules {
		byID[r.ID] = r
	}
	type row struct {
		py    pyrun.DetectionStats
		goCol string
		rs    detect.RuleStats
	}
	rows := make([]row, 0, len(res.RuleStats))
	for _, s := range res.RuleStats {
		rw := row{py: s, goCol: "-"}
		if r := byID[s.ID]; r != nil {
			rw.rs = r.Stats()
			if r.Compiled() {
				rw.goCol = "rule"
				defined, compiled := r.CompiledAux()
				if defined == compiled {
					rw.goCol = "all"
				}
			}
		}
		rows = append(rows, rw)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].py.Time+rows[i].rs.GoTime > rows[j].py.Time+rows[j].rs.GoTime })
	per := func(d time.Duration, calls int64) time.Duration {
		if calls == 0 {
			return 0
		}
		return d / time.Duration(calls)
	}
	for i, rw := range rows {
		if i == n {
			break
		}
		s, rs := rw.py, rw.rs
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", s.ID, rw.goCol, rs.GoCalls, rs.GoMatches, rs.Fallbacks, rs.AuxInPython,
			rs.GoTime.Round(time.Microsecond), per(rs.GoTime, rs.GoCalls), s.Calls, s.Matches, s.Errors, s.Time.Round(time.Microsecond), per(s.Time, s.Calls))
	}
	tw.Flush()
}

func printSummary(w io.Writer, s *ingest.Stats, elapsed time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "LOG TYPE\tEVENTS\tBYTES\t")
	var events, bytes int64
	for _, name := range s.SortedTypes() {
		ts := s.Types[name]
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", name, ts.Events, humanBytes(ts.Bytes))
		events += ts.Events
		bytes += ts.Bytes
	}
	fmt.Fprintf(tw, "total\t%d\t%s\t\n", events, humanBytes(bytes))
	tw.Flush()
	rate := float64(events) / elapsed.Seconds()
	fmt.Fprintf(w, "%d files, %s read, %d events, %d quarantined lines in %s (%.0f events/s)\n",
		s.Files, humanBytes(s.InputBytes), events, s.Quarantined, elapsed.Round(time.Millisecond), rate)
	if s.Quarantined > 0 {
		fmt.Fprintln(w, "quarantined lines, by closest log type and reason: panther quarantine summary; each: panther query \"SELECT file, line, reason FROM panther_system.quarantine\"")
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// showProgress prints a progress line until the returned stop function is called.
func showProgress(w io.Writer, pr *ingest.Progress, start time.Time) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				el := time.Since(start).Seconds()
				ev := pr.Events.Load()
				fmt.Fprintf(w, "\r\033[K%d files done, %s read, %d events (%.0f/s), %d quarantined",
					pr.Files.Load(), humanBytes(pr.Bytes.Load()), ev, float64(ev)/el, pr.Quarantined.Load())
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
