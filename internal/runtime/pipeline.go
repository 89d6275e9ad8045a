package runtime

import (
	"context"
	"io"
	"path/filepath"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
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
}

// StartEngine starts the detection engine for the enabled rules of col. It returns nil (and
// no error) when col has no rule that can run; skipped lists the enabled rules that cannot
// run, with why.
func StartEngine(ctx context.Context, dataDir string, col *analysis.Collection, o DetectionOptions) (eng *detect.Engine, skipped map[string]string, err error) {
	if col == nil {
		return nil, nil, nil
	}
	eng, err = detect.New(ctx, col, detect.Options{
		Python: o.Python, CallTimeout: o.RuleTimeout, Workers: o.Workers, MemoryLimit: o.MemoryLimit,
		KVPath: filepath.Join(dataDir, "kv.db"), Stderr: o.Stderr, Profile: o.Profile,
	})
	if err != nil {
		return nil, nil, err
	}
	if len(eng.Rules()) == 0 {
		skipped = eng.Skipped
		eng.Close()
		return nil, skipped, nil
	}
	return eng, eng.Skipped, nil
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
	Types     []*logtypes.LogType
	Lake      LakeWriters
	Engine    *detect.Engine // nil: no detections
	Alerts    *alerts.Store  // where matches become alerts; nil: matches are only written
	OnRaised  func([]*alerts.Alert)
	OnOutcome func(ruleID string, isError bool)
	Workers   int
	MaxRecord int
	Now       func() time.Time
	Stdin     io.Reader
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
	if o.Engine != nil {
		ds = &detect.Sink{Engine: o.Engine, Alerts: o.Alerts, Lake: o.Lake.Matches, Ctx: ctx, OnRaised: o.OnRaised, OnOutcome: o.OnOutcome}
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
