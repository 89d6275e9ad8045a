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
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/correlate"
	"github.com/pantherlabs/panther/internal/detect"
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
	// Detections; Rules (rules and correlation rules) is 0 when none ran.
	Rules int
	// LoadErrors counts the detections that cannot run; each raised a RULE_ERROR alert.
	LoadErrors       int
	LoadAlerts       []*alerts.Alert
	CorrelationRules int
	Correlation      correlate.Result
	Matches, Errors  int64
	Raised           []*alerts.Alert
	RuleStats        []pyrun.DetectionStats // with Detection.Profile
	GuardSkips       int64
	// DetectRules are the engine's rules: which compiled to Go, their Go counters.
	DetectRules []*detect.Rule
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
		if col, err = loadContent(ctx, st, o.DataDir, o.DetectionsDir); err != nil {
			return nil, err
		}
	}
	dets, err := StartDetections(ctx, o.DataDir, col, st, o.Detection, func(msg string) { fmt.Fprintf(o.Warn, "panther: %s\n", msg) })
	if err != nil {
		return nil, err
	}
	writers := NewLakeWriters(LakeOptions{Dir: lakeDir})
	p, err := NewPipeline(ctx, PipelineOptions{Types: types, Lake: writers, Detections: dets, Alerts: st.Alerts,
		Workers: o.Workers, MaxRecord: o.MaxRecord, Stdin: o.Stdin, SourceID: o.SourceID, SourceLabel: o.SourceLabel})
	if err != nil {
		dets.Close()
		return nil, err
	}
	if o.OnStart != nil {
		o.OnStart(p.Pipeline)
	}
	start := time.Now()
	stats, runErr := p.Run(ctx, o.Paths)
	res.Stats, res.Elapsed = stats, time.Since(start)
	if dets != nil {
		res.Rules, res.LoadErrors, res.LoadAlerts = dets.Rules(), dets.LoadErrors, dets.LoadAlerts
		if dets.Engine != nil {
			res.RuleStats, res.GuardSkips, res.DetectRules = dets.Engine.Stats(), dets.Engine.Skips.Load(), dets.Engine.Rules()
		}
		runErr = errors.Join(runErr, dets.Close())
	}
	runErr = errors.Join(runErr, writers.Logs.Close(), writers.Matches.Close())
	if runErr == nil && dets != nil && dets.Correlator != nil {
		// The correlation rules look at the signals this ingest recorded (and those before).
		res.Correlation, runErr = dets.Correlator.Flush(ctx, time.Now())
		res.CorrelationRules = len(dets.Correlator.Rules())
	}
	if runErr != nil {
		return res, runErr
	}
	if p.Detections != nil {
		res.Matches, res.Errors, res.Raised = p.Detections.Matches, p.Detections.Errors, p.Detections.Raised
	}
	if len(res.Raised)+len(res.LoadAlerts)+len(res.Correlation.Raised) > 0 {
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

// loadContent loads the detections of dir, or of the data dir's content store when dir is
// empty (it imports what older versions left in DATA_DIR/detections once); nil when there
// is none.
func loadContent(ctx context.Context, st *State, dataDir, dir string) (*analysis.Collection, error) {
	if dir != "" {
		return DirContent{Dir: dir}.Load(ctx)
	}
	cs, err := content.Open(ctx, st.DB, content.Options{LegacyDir: DetectionsDir(dataDir)})
	if err != nil {
		return nil, err
	}
	col, err := cs.Load(ctx)
	if err != nil {
		return nil, err
	}
	if len(col.Specs) == 0 && len(col.Invalid) == 0 {
		return nil, nil
	}
	return col, nil
}
