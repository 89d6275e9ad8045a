package runtime

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/compliance"
	"github.com/pantherlabs/panther/internal/cloudsec/resources"
	"github.com/pantherlabs/panther/internal/content"
)

// CloudSecurityOptions configure OpenCloudSecurity.
type CloudSecurityOptions struct {
	DataDir string
	// State is the open state database; its alert store records the POLICY alerts (and queues
	// their deliveries).
	State *State
	// Detection configures the policies' Python workers.
	Detection DetectionOptions
	// DetectionsDir, when set, is the content whose policies run instead of the data dir's
	// content store.
	DetectionsDir string
	// KeepOnLoadError returns the stores even when the policies cannot load (no Python): the
	// server keeps running, stores the resources scans find and tries again at each reload.
	KeepOnLoadError bool
	Logger          *slog.Logger
}

// CloudSecurity is the cloud security side of a data dir: the resources, their history in the
// lake and the compliance service (the cloudsec.Sink of scans and imports).
type CloudSecurity struct {
	Resources  *resources.Store
	History    *resources.History
	Compliance *compliance.Service

	o       CloudSecurityOptions
	content DetectionContent
	store   *content.Store // the content store when the policies come from it
	mu      sync.Mutex
	version string
	lastErr string // of the last reload, logged once
}

// OpenCloudSecurity opens the resource and compliance stores of a data dir and loads the
// enabled policies of its content (evaluating those that changed since the last run).
func OpenCloudSecurity(ctx context.Context, o CloudSecurityOptions) (*CloudSecurity, error) {
	if o.State == nil {
		return nil, errors.New("cloud security: no state database")
	}
	c := &CloudSecurity{o: o}
	var err error
	if o.DetectionsDir != "" {
		c.content = DirContent{Dir: o.DetectionsDir}
	} else {
		if c.store, err = content.Open(ctx, o.State.DB, content.Options{LegacyDir: DetectionsDir(o.DataDir)}); err != nil {
			return nil, err
		}
		c.content = c.store
	}
	if c.Resources, err = resources.Open(ctx, o.State.DB, resources.Options{}); err != nil {
		return nil, err
	}
	if c.History, err = resources.NewHistory(resources.HistoryOptions{LakeDir: filepath.Join(o.DataDir, "lake")}); err != nil {
		return nil, err
	}
	d := o.Detection
	if c.Compliance, err = compliance.New(ctx, compliance.Options{DB: o.State.DB, Resources: c.Resources, History: c.History,
		Alerts: o.State.Alerts, Python: d.Python, Workers: d.Workers, CallTimeout: d.RuleTimeout, MemoryLimit: d.MemoryLimit,
		KVPath: filepath.Join(o.DataDir, "kv.db"), Stderr: d.Stderr}); err != nil {
		return nil, err
	}
	if _, err := c.Reload(ctx); err != nil {
		if !o.KeepOnLoadError {
			c.Close()
			return nil, err
		}
		c.lastErr = err.Error()
		if o.Logger != nil {
			o.Logger.Warn("cloud security: the policies cannot run; retrying at each reload", "err", err)
		}
	}
	return c, nil
}

// Reload loads the policies again when the content changed, and evaluates the policies whose
// content version changed. It returns nil when nothing changed.
func (c *CloudSecurity) Reload(ctx context.Context) (*compliance.Outcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ver, err := c.content.Version(ctx)
	if err != nil {
		return nil, err
	}
	if ver == c.version && ver != "" {
		return nil, nil
	}
	col, err := c.content.Load(ctx)
	if err != nil {
		return nil, err
	}
	out, err := c.Compliance.SetContent(ctx, col)
	if err != nil {
		return out, err
	}
	c.version = ver
	return out, nil
}

// Upsert implements cloudsec.Sink.
func (c *CloudSecurity) Upsert(ctx context.Context, sourceID string, changes []cloudsec.Change) error {
	return c.Compliance.Upsert(ctx, sourceID, changes)
}

// EndScan implements cloudsec.Sink.
func (c *CloudSecurity) EndScan(ctx context.Context, sourceID, accountID, region, resourceType string, seen []string, started time.Time) error {
	return c.Compliance.EndScan(ctx, sourceID, accountID, region, resourceType, seen, started)
}

// Run reloads the policies every interval until ctx ends: a policy uploaded, edited, enabled
// or disabled while the server runs is evaluated again on the resources of its types.
func (c *CloudSecurity) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		out, err := c.Reload(ctx)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		switch {
		case err != nil && ctx.Err() == nil && msg != c.lastErr:
			log.Warn("cloud security: reloading the policies", "err", err)
		case out != nil && (out.PoliciesReevaluated > 0 || out.Removed > 0):
			log.Info("cloud security: policies reloaded", "reevaluated", out.PoliciesReevaluated, "evaluations", out.Evaluated,
				"newly_failing", out.NewlyFailing, "alerts", len(out.Raised), "statuses_removed", out.Removed)
		}
		c.lastErr = msg
	}
}

// ServerCloudSink is the server's Options.CloudSink: the data dir's cloud security with the
// policies of its content store, reloaded every reload.interval while the server runs.
func ServerCloudSink(sv Services) (cloudsec.Sink, error) {
	return OpenCloudSecurity(context.Background(), CloudSecurityOptions{DataDir: sv.Config.DataDir, State: sv.State,
		KeepOnLoadError: true, Logger: sv.Logger})
}

var _ cloudsec.Sink = (*CloudSecurity)(nil)

// Close stops the policies' Python workers.
func (c *CloudSecurity) Close() error {
	err := c.Compliance.Close()
	if c.store != nil {
		err = errors.Join(err, c.store.Close())
	}
	return err
}
