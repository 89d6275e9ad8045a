package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
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
	ruleStats := f.Int("rule-stats", 0, "after the run, print the N Python rules that took the most time")
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
		detections: detectionConfig{dir: *dets, off: *noDets, python: *python, ruleTimeout: *ruleTimeout, stats: *ruleStats,
			noCompile: *noCompile || env.Getenv("PANTHER_NO_COMPILE") == "1"},
	})
	if err != nil {
		return errorf(env, "ingest: %v", err)
	}
	if len(res.FileErrors) > 0 {
		for _, e := range res.FileErrors {
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
	detections    detectionConfig
	summaryWriter io.Writer
}

// ingestFiles runs the pipeline into the data dir's lake and prints the summary.
func ingestFiles(ctx context.Context, env *Env, c ingestConfig) (*ingest.Stats, error) {
	reg, err := registry(c.dataDir)
	if err != nil {
		return nil, err
	}
	types, err := selectTypes(reg, c.types)
	if err != nil {
		return nil, err
	}
	lakeDir := filepath.Join(c.dataDir, "lake")
	if err := os.MkdirAll(lakeDir, 0o755); err != nil {
		return nil, err
	}
	w := lake.NewWriter(lake.Options{Dir: lakeDir})
	st, err := openState(ctx, c.dataDir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// The detections write rule matches with their own writer: sinks run concurrently.
	mw := lake.NewWriter(lake.Options{Dir: lakeDir})
	dr, err := startDetections(ctx, c.dataDir, c.detections, st, mw, env.Stderr)
	if err != nil {
		return nil, err
	}
	sinks := []ingest.Sink{ingest.LakeSink{W: w}}
	if dr != nil {
		sinks = append(sinks, dr.sink)
	}
	p, err := ingest.New(ingest.Options{
		Types: types, SourceID: c.sourceID, SourceLabel: c.source, Sinks: sinks,
		Workers: c.workers, MaxRecordBytes: c.maxRecord, Stdin: env.Stdin,
	})
	if err != nil {
		dr.Close()
		return nil, err
	}
	start := time.Now()
	stopProgress := func() {}
	if !c.quiet && isTerminal(env.Stderr) {
		stopProgress = showProgress(env.Stderr, &p.Progress, start)
	}
	stats, runErr := p.Run(ctx, c.paths)
	stopProgress()
	if err := dr.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if err := w.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if err := mw.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return stats, runErr
	}
	out := c.summaryWriter
	if out == nil {
		out = env.Stdout
	}
	if !c.quiet {
		printSummary(out, stats, time.Since(start))
		if dr != nil {
			fmt.Fprintf(out, "%d rules ran: %d matches, %d rule errors, %d alerts raised\n",
				len(dr.engine.Rules()), dr.sink.Matches, dr.sink.Errors, len(dr.sink.Raised))
			if n := len(dr.engine.LoadErrors); n > 0 {
				fmt.Fprintf(out, "%d detections cannot run (see above): %d RULE_ERROR alerts raised\n", n, len(dr.loadAlerts))
			}
			if c.detections.stats > 0 {
				printRuleStats(out, dr.engine, c.detections.stats)
			}
		}
	}
	if dr != nil && len(dr.sink.Raised)+len(dr.loadAlerts) > 0 {
		deliverDue(ctx, st, out)
	}
	return stats, nil
}

// printRuleStats prints which Python rules compiled to Go, then the rules that took the most
// time in CPython.
func printRuleStats(w io.Writer, eng *detect.Engine, n int) {
	fmt.Fprintln(w)
	detect.PrintCompileReport(w, eng.Rules())
	stats := eng.Stats()
	fmt.Fprintf(w, "\nslowest Python rules in CPython (%d rule calls skipped by their leading tests):\n", eng.Skips.Load())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tGO\tGO CALLS\tGO MATCHES\tFALLBACKS\tAUX IN PY\tPY CALLS\tPY MATCHES\tERRORS\tPY TIME\tPER PY CALL")
	byID := map[string]*detect.Rule{}
	for _, r := range eng.Rules() {
		byID[r.ID] = r
	}
	for i, s := range stats {
		if i == n {
			break
		}
		per := time.Duration(0)
		if s.Calls > 0 {
			per = s.Time / time.Duration(s.Calls)
		}
		goCol, rs := "-", detect.RuleStats{}
		if r := byID[s.ID]; r != nil {
			rs = r.Stats()
			if r.Compiled() {
				goCol = "rule"
				defined, compiled := r.CompiledAux()
				if defined == compiled {
					goCol = "all"
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", s.ID, goCol, rs.GoCalls, rs.GoMatches, rs.Fallbacks, rs.AuxInPython,
			s.Calls, s.Matches, s.Errors, s.Time.Round(time.Microsecond), per)
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
		fmt.Fprintln(w, "quarantined lines: panther query \"SELECT file, line, reason FROM panther_system.quarantine\"")
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
