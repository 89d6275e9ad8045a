package runtime

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/correlate"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// DetectionOptions configure the detection engine of a run.
type DetectionOptions struct {
	Python      string        // interpreter; default python3
	Workers     int           // Python worker processes; default one per CPU
	RuleTimeout time.Duration // per rule call; default 15s
	MemoryLimit int64         // per worker; default 1 GiB
	Stderr      io.Writer     // what rules print
	Profile     bool          // measure the time spent in each rule
	NoCompile   bool          // run Python rules in CPython only (no compilation to Go)
}

// Detections are the detection side of a run: the engine of the enabled rules, the
// correlator of the correlation rules, and the RULE_ERROR alerts of detections that cannot
// run.
type Detections struct {
	Engine     *detect.Engine
	Correlator *correlate.Correlator // nil without correlation rules
	// LoadErrors counts the enabled detections that cannot run; LoadAlerts are the RULE_ERROR
	// alerts they raised.
	LoadErrors int
	LoadAlerts []*alerts.Alert
}

// Rules returns the number of rules and correlation rules that run.
func (d *Detections) Rules() int {
	if d == nil {
		return 0
	}
	n := 0
	if d.Engine != nil {
		n = len(d.Engine.Rules())
	}
	if d.Correlator != nil {
		n += len(d.Correlator.Rules())
	}
	return n
}

// Close stops the Python workers.
func (d *Detections) Close() error {
	if d == nil || d.Engine == nil {
		return nil
	}
	return d.Engine.Close()
}

// StartDetections starts the engine and the correlator for col; st receives the alerts of
// detections that cannot run, once (and the correlator's signals). Problems that do not stop
// the run (invalid specs, rules that cannot run, data models that do not load) are told to
// warn. It returns nil when nothing would run.
func StartDetections(ctx context.Context, dataDir string, col *analysis.Collection, st *State, o DetectionOptions, warn func(string)) (*Detections, error) {
	if col == nil {
		return nil, nil
	}
	if warn == nil {
		warn = func(string) {}
	}
	for _, inv := range col.Invalid {
		if engineReports(inv) {
			continue // the engine reports it below, with a RULE_ERROR alert
		}
		for _, p := range inv.Problems {
			warn(fmt.Sprintf("skipping invalid detection content: %v", p))
		}
	}
	eng, err := detect.New(ctx, col, detect.Options{
		Python: o.Python, CallTimeout: o.RuleTimeout, Workers: o.Workers, MemoryLimit: o.MemoryLimit,
		KVPath: filepath.Join(dataDir, "kv.db"), Stderr: o.Stderr, Profile: o.Profile, NoCompile: o.NoCompile,
	})
	if err != nil {
		return nil, err
	}
	var msgs bytes.Buffer
	loadAlerts, err := detect.ReportLoadErrors(ctx, eng.LoadErrors, st.Alerts, time.Now(), &msgs)
	for _, line := range strings.Split(strings.TrimSpace(msgs.String()), "\n") {
		if line != "" {
			warn(strings.TrimPrefix(line, "panther: "))
		}
	}
	if err != nil {
		eng.Close()
		return nil, err
	}
	loadErr := map[string]bool{}
	for _, le := range eng.LoadErrors {
		loadErr[le.ID] = true
	}
	for id, why := range eng.Skipped {
		if !loadErr[id] {
			warn(fmt.Sprintf("data model %s cannot load: %s", id, why))
		}
	}
	corr, err := correlate.New(ctx, st.DB, col, st.Alerts, correlate.Options{})
	if err != nil {
		warn(err.Error())
	}
	if corr != nil && len(corr.Rules()) == 0 {
		corr = nil
	}
	if corr != nil {
		live := map[string]bool{}
		for _, r := range eng.Rules() {
			live[r.ID] = true
		}
		for _, r := range corr.Rules() {
			live[r.ID()] = true
		}
		for _, w := range corr.MissingMembers(live) {
			warn(w)
		}
	}
	if len(eng.Rules()) == 0 && corr == nil {
		eng.Close()
		if len(loadAlerts) > 0 {
			return &Detections{LoadErrors: len(eng.LoadErrors), LoadAlerts: loadAlerts}, nil
		}
		return nil, nil
	}
	return &Detections{Engine: eng, Correlator: corr, LoadErrors: len(eng.LoadErrors), LoadAlerts: loadAlerts}, nil
}

// engineReports says whether the detection engine reports an invalid spec (detect.New).
func engineReports(inv *analysis.InvalidSpec) bool {
	return inv.ID != "" && inv.Enabled && (inv.Type == analysis.TypeRule || inv.Type == analysis.TypeCorrelationRule)
}

// LakeWriters are the two writers of a run: events and quarantined records, and what the
// detections write (rule matches and rule errors). The sinks run concurrently, one writer each.
type LakeWriters struct {
	Logs, Matches *lake.Writer
}

// LakeOptions configure the lake writers.
type LakeOptions struct {
	Dir          string
	BufferBytes  int64 // memory of both writers' buffers; default 160 MiB
	MaxFileBytes int64
	Deferred     bool // files are committed by the caller (server checkpoints)
}

// NewLakeWriters returns the writers of a run.
func NewLakeWriters(o LakeOptions) LakeWriters {
	if o.BufferBytes <= 0 {
		o.BufferBytes = 160 << 20
	}
	logs := lake.Options{Dir: o.Dir, MaxBufferedBytes: o.BufferBytes * 3 / 4, MaxFileBytes: o.MaxFileBytes, Deferred: o.Deferred}
	matches := logs
	matches.MaxBufferedBytes = o.BufferBytes / 4
	return LakeWriters{Logs: lake.NewWriter(logs), Matches: lake.NewWriter(matches)}
}

// PipelineOptions configure the pipeline shared by `panther ingest` and the server.
type PipelineOptions struct {
	Types      []*logtypes.LogType
	Lake       LakeWriters
	Detections *Detections   // nil: no detections
	Alerts     *alerts.Store // where matches become alerts; nil: matches are only written
	OnRaised   func([]*alerts.Alert)
	OnOutcome  func(ruleID string, isError bool)
	Workers    int
	MaxRecord  int
	Now        func() time.Time
	Stdin      io.Reader
	// SourceID and SourceLabel are stamped on inputs that name no source (files).
	SourceID, SourceLabel string
}

// Pipeline is the ingest pipeline with its sinks: the lake, and the detections when there
// are rules.
type Pipeline struct {
	*ingest.Pipeline
	Detections *detect.Sink // nil without rules
}

// NewPipeline builds (and does not start) the pipeline.
func NewPipeline(ctx context.Context, o PipelineOptions) (*Pipeline, error) {
	sinks := []ingest.Sink{ingest.LakeSink{W: o.Lake.Logs}}
	var ds *detect.Sink
	if d := o.Detections; d != nil && d.Engine != nil {
		ds = &detect.Sink{Engine: d.Engine, Alerts: o.Alerts, Lake: o.Lake.Matches, Ctx: ctx, OnRaised: o.OnRaised, OnOutcome: o.OnOutcome}
		if d.Correlator != nil {
			ds.Signals = d.Correlator
		}
		sinks = append(sinks, ds)
	}
	p, err := ingest.New(ingest.Options{
		Types: o.Types, Sinks: sinks, Workers: o.Workers, MaxRecordBytes: o.MaxRecord, Now: o.Now, Stdin: o.Stdin,
		SourceID: o.SourceID, SourceLabel: o.SourceLabel,
	})
	if err != nil {
		return nil, err
	}
	return &Pipeline{Pipeline: p, Detections: ds}, nil
}
