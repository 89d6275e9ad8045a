package resources

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// The log types of the cloud security history. Their tables are
// panther_cloudsecurity.resource_history and panther_cloudsecurity.compliance_history; rules
// target them by these names like any log type.
const (
	ResourceHistoryType   = "Resource.History"
	ComplianceHistoryType = "Compliance.History"
)

//go:embed schemas/*.yml
var schemaFS embed.FS

var (
	typesOnce sync.Once
	typesErr  error
	histTypes map[string]*logtypes.LogType
)

// LogTypes returns the two history log types, compiled from the schemas embedded in this
// package.
func LogTypes() (resource, compliance *logtypes.LogType, err error) {
	typesOnce.Do(func() {
		histTypes = map[string]*logtypes.LogType{}
		for _, f := range []string{"schemas/resource_history.yml", "schemas/compliance_history.yml"} {
			data, err := schemaFS.ReadFile(f)
			if err != nil {
				typesErr = err
				return
			}
			s, err := logschema.Parse(f, data)
			if err != nil {
				typesErr = err
				return
			}
			t, err := logtypes.Build(s)
			if err != nil {
				typesErr = err
				return
			}
			t.Managed = true
			histTypes[t.Name] = t
		}
	})
	if typesErr != nil {
		return nil, nil, fmt.Errorf("resources: history schemas: %w", typesErr)
	}
	return histTypes[ResourceHistoryType], histTypes[ComplianceHistoryType], nil
}

// ResourceRecord is one row of Resource.History.
type ResourceRecord struct {
	ChangeType    string                `json:"changeType"`
	Changes       map[string]Difference `json:"changes,omitempty"`
	IntegrationID string                `json:"integrationId"`
	LastUpdated   string                `json:"lastUpdated"`
	ID            string                `json:"id"`
	ResourceType  string                `json:"resourceType"`
	AccountID     string                `json:"accountId,omitempty"`
	Region        string                `json:"region,omitempty"`
	ARN           string                `json:"arn,omitempty"`
	Name          string                `json:"name,omitempty"`
	Tags          any                   `json:"tags,omitempty"`
	Deleted       bool                  `json:"deleted"`
	Resource      cloudsec.Snapshot     `json:"resource,omitempty"`
}

// RecordOf returns the history record of an update.
func RecordOf(u *Update) ResourceRecord {
	r := u.Resource
	rec := ResourceRecord{ChangeType: u.ChangeType, Changes: u.Changes, IntegrationID: r.SourceID,
		LastUpdated: r.LastModified.UTC().Format(time.RFC3339Nano), ID: r.ID, ResourceType: r.Type,
		AccountID: r.AccountID, Region: r.Region, Deleted: r.Deleted}
	if s, ok := r.Attributes[cloudsec.KeyARN].(string); ok {
		rec.ARN = s
	}
	if s, ok := r.Attributes[cloudsec.KeyName].(string); ok {
		rec.Name = s
	}
	if t, ok := r.Attributes[cloudsec.KeyTags].(map[string]any); ok && len(t) > 0 {
		rec.Tags = t
	}
	if !r.Deleted {
		rec.Resource = r.Attributes
	}
	return rec
}

// ComplianceRecord is one row of Compliance.History.
type ComplianceRecord struct {
	ChangeType     string `json:"changeType"`
	LastUpdated    string `json:"lastUpdated"`
	IntegrationID  string `json:"integrationId,omitempty"`
	PolicyID       string `json:"policyId"`
	PolicySeverity string `json:"policySeverity,omitempty"`
	ResourceID     string `json:"resourceId"`
	ResourceType   string `json:"resourceType"`
	AccountID      string `json:"accountId,omitempty"`
	Region         string `json:"region,omitempty"`
	Status         string `json:"status"`
	PreviousStatus string `json:"previousStatus,omitempty"`
	ErrorMessage   string `json:"errorMessage,omitempty"`
	Suppressed     bool   `json:"suppressed"`
}

// HistoryOptions configure a History.
type HistoryOptions struct {
	// LakeDir is the lake directory (<data-dir>/lake).
	LakeDir string
	// Sinks receive the history events after the lake has them (the detection engine, so
	// that rules on Resource.History and Compliance.History run).
	Sinks []ingest.Sink
	Now   func() time.Time
}

// History writes the cloud security history into the lake: the records go through the same
// pipeline as logs (so they get p_ fields and indicators, and rules can run on them) into
// lake files of kind cloudsecurity, committed before the write returns.
type History struct {
	o              HistoryOptions
	resLT, compLT  *logtypes.LogType
	mu             sync.Mutex
	sinksMu        sync.Mutex
	writtenRecords int64
}

// NewHistory returns a writer of the history into o.LakeDir.
func NewHistory(o HistoryOptions) (*History, error) {
	if o.LakeDir == "" {
		return nil, errors.New("resources: history: no lake directory")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r, c, err := LogTypes()
	if err != nil {
		return nil, err
	}
	return &History{o: o, resLT: r, compLT: c}, nil
}

// SetSinks replaces the sinks that receive history events after the lake (a reloaded
// detection engine).
func (h *History) SetSinks(s []ingest.Sink) {
	h.sinksMu.Lock()
	h.o.Sinks = s
	h.sinksMu.Unlock()
}

// Records returns the number of history records written.
func (h *History) Records() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.writtenRecords
}

// WriteResources writes one Resource.History record per update.
func (h *History) WriteResources(ctx context.Context, updates []Update) error {
	if len(updates) == 0 {
		return nil
	}
	recs := make([][]byte, 0, len(updates))
	for i := range updates {
		b, err := json.Marshal(RecordOf(&updates[i]))
		if err != nil {
			return fmt.Errorf("resources: history of %s: %w", updates[i].Resource.ID, err)
		}
		recs = append(recs, b)
	}
	return h.write(ctx, h.resLT, "resource_history", recs)
}

// WriteCompliance writes Compliance.History records.
func (h *History) WriteCompliance(ctx context.Context, recs []ComplianceRecord) error {
	if len(recs) == 0 {
		return nil
	}
	out := make([][]byte, 0, len(recs))
	for i := range recs {
		b, err := json.Marshal(&recs[i])
		if err != nil {
			return err
		}
		out = append(out, b)
	}
	return h.write(ctx, h.compLT, "compliance_history", out)
}

func (h *History) write(ctx context.Context, lt *logtypes.LogType, name string, recs [][]byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	w := lake.NewWriter(lake.Options{Dir: h.o.LakeDir, Now: h.o.Now})
	var quarantined []string
	lakeSink := ingest.SinkFunc(func(b *ingest.Batch) error {
		for _, q := range b.Quarantine {
			quarantined = append(quarantined, lake.Summary(q.Reasons))
		}
		return w.WriteEvents(lake.CloudSecurity, b.Events, nil)
	})
	h.sinksMu.Lock()
	sinks := append([]ingest.Sink{lakeSink}, h.o.Sinks...)
	h.sinksMu.Unlock()
	p, err := ingest.New(ingest.Options{Types: []*logtypes.LogType{lt}, Sinks: sinks, Workers: 1, Now: h.o.Now})
	if err != nil {
		return fmt.Errorf("resources: %s: %w", name, err)
	}
	p.Start(ctx)
	var inErr error
	err = p.Submit(ctx, &ingest.Input{Name: name, Records: recs, Done: func(st *ingest.InputStats) { inErr = errors.Join(st.Err, st.SinkErr) }})
	err = errors.Join(err, p.Close(), inErr)
	if err != nil {
		w.Abort()
		return fmt.Errorf("resources: writing %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("resources: writing %s: %w", name, err)
	}
	if len(quarantined) > 0 {
		// Our own records always parse; one that does not is a bug worth failing loudly on.
		return fmt.Errorf("resources: %d %s records did not parse: %s", len(quarantined), name, quarantined[0])
	}
	h.writtenRecords += int64(len(recs))
	return nil
}
