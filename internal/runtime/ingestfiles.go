package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// IngestOptions configure IngestFiles (`panther ingest`).
type IngestOptions struct {
	DataDir string
	Paths   []string // "-" is Stdin
	Stdin   io.Reader
	// LogTypes are the allowed types (empty: all).
	LogTypes              []string
	SourceID, SourceLabel string
	Workers, MaxRecord    int
	// DetectionsDir is the content to run (default: the data dir's uploaded detections);
	// NoDetections runs none.
	DetectionsDir string
	NoDetections  bool
	Detection     DetectionOptions
	// Warn receives problems that do not stop the run (invalid detection content, rules that
	// cannot run).
	Warn io.Writer
	// OnStart is given the pipeline before it runs (for progress).
	OnStart func(*ingest.Pipeline)
	// LinkBase is the server URL in alert links.
	LinkBase string
}

// IngestResult is what a run did.
type IngestResult struct {
	Stats   *ingest.Stats
	Elapsed time.Duration
	// Detections; Rules is 0 when none ran.
	Rules           int
	Matches, Errors int64
	Raised          []*alerts.Alert
	RuleStats       []pyrun.DetectionStats // with Detection.Profile
	GuardSkips      int64
	// Deliveries attempted after the run, and when retries are due (zero: none pending).
	Deliveries int
	NextRetry  time.Time
}

// IngestFiles parses files into the data dir's lake with the same pipeline as the server:
// events and quarantined records to the lake, the detections to rule matches and alerts;
// then it sends the deliveries that are due.
func IngestFiles(ctx context.Context, o IngestOptions) (*IngestResult, error) {
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	reg, err := LogTypes(o.DataDir)
	if err != nil {
		return nil, err
	}
	types, err := SelectTypes(reg, o.LogTypes)
	if err != nil {
		return nil, err
	}
	lakeDir := filepath.Join(o.DataDir, "lake")
	if err := os.MkdirAll(lakeDir, 0o755); err != nil {
		return nil, err
	}
	st, err := OpenState(ctx, o.DataDir, StateOptions{LinkBase: o.LinkBase})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	res := &IngestResult{}
	var col *analysis.Collection
	if !o.NoDetections {
		dir := o.DetectionsDir
		if dir == "" {
			dir = DetectionsDir(o.DataDir)
		}
		if col, err = (DirContent{Dir: dir}).Load(ctx); err != nil {
			return nil, err
		}
		if col != nil {
			for _, p := range col.Problems() {
				fmt.Fprintf(o.Warn, "panther: skipping invalid detection content: %v\n", p)
			}
		}
	}
	eng, skipped, err := StartEngine(ctx, o.DataDir, col, o.Detection)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(skipped))
	for id := range skipped {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(o.Warn, "panther: detection %s cannot run: %s\n", id, skipped[id])
	}
	writers := NewLakeWriters(LakeOptions{Dir: lakeDir})
	p, err := NewPipeline(ctx, PipelineOptions{Types: types, Lake: writers, Engine: eng, Alerts: st.Alerts,
		Workers: o.Workers, MaxRecord: o.MaxRecord, Stdin: o.Stdin, SourceID: o.SourceID, SourceLabel: o.SourceLabel})
	if err != nil {
		if eng != nil {
			eng.Close()
		}
		return nil, err
	}
	if o.OnStart != nil {
		o.OnStart(p.Pipeline)
	}
	start := time.Now()
	stats, runErr := p.Run(ctx, o.Paths)
	res.Stats, res.Elapsed = stats, time.Since(start)
	if eng != nil {
		res.Rules = len(eng.Rules())
		res.RuleStats, res.GuardSkips = eng.Stats(), eng.Skips
		runErr = errors.Join(runErr, eng.Close())
	}
	runErr = errors.Join(runErr, writers.Logs.Close(), writers.Matches.Close())
	if runErr != nil {
		return res, runErr
	}
	if p.Detections != nil {
		res.Matches, res.Errors, res.Raised = p.Detections.Matches, p.Detections.Errors, p.Detections.Raised
	}
	if len(res.Raised) > 0 {
		if res.Deliveries, err = st.Dispatcher.RunOnce(ctx); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(o.Warn, "panther: delivering alerts: %v\n", err)
		}
		if next, ok, err := st.Dispatcher.NextDue(ctx); err == nil && ok {
			res.NextRetry = next
		}
	}
	return res, nil
}

// SelectTypes returns the types named (canonical names, sorted), or all types when names is
// empty; unknown names are errors.
func SelectTypes(r *logtypes.Registry, names []string) ([]*logtypes.LogType, error) {
	if len(names) == 0 {
		return r.All(), nil
	}
	var out []*logtypes.LogType
	seen := map[string]bool{}
	var errs []error
	for _, n := range names {
		t, err := r.Lookup(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errors.Join(errs...)
}
