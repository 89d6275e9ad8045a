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

	"github.com/pantherlabs/panther/internal/correlate"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/pyrun"
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
		detections: detectionConfig{dir: *dets, off: *noDets, python: *python, ruleTimeout: *ruleTimeout, stats: *ruleStats},
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
	var corrRes correlate.Result
	if runErr == nil && dr != nil && dr.corr != nil {
		// The correlation rules look at the signals this ingest recorded (and those before).
		corrRes, runErr = dr.corr.Flush(ctx, time.Now())
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
			if dr.corr != nil {
				fmt.Fprintf(out, "%d correlation rules ran: %d windows evaluated, %d matches, %d alerts raised\n",
					len(dr.corr.Rules()), corrRes.Runs, corrRes.Occurrences, len(corrRes.Raised))
			}
			if n := len(dr.engine.LoadErrors); n > 0 {
				fmt.Fprintf(out, "%d detections cannot run (see above): %d RULE_ERROR alerts raised\n", n, len(dr.loadAlerts))
			}
			if c.detections.stats > 0 {
				printRuleStats(out, dr.engine.Stats(), c.detections.stats, dr.engine.Skips)
			}
		}
	}
	if dr != nil && len(dr.sink.Raised)+len(dr.loadAlerts)+len(corrRes.Raised) > 0 {
		deliverDue(ctx, st, out)
	}
	return stats, nil
}

// printRuleStats prints the rules that took the most time in Python.
func printRuleStats(w io.Writer, stats []pyrun.DetectionStats, n int, skips int64) {
	fmt.Fprintf(w, "\nslowest Python rules (%d rule calls skipped by their leading tests):\n", skips)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tCALLS\tMATCHES\tERRORS\tTOTAL\tPER CALL")
	for i, s := range stats {
		if i == n {
			break
		}
		per := time.Duration(0)
		if s.Calls > 0 {
			per = s.Time / time.Duration(s.Calls)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\n", s.ID, s.Calls, s.Matches, s.Errors, s.Time.Round(time.Microsecond), per)
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
