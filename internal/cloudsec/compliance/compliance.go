// Package compliance evaluates Python policies on cloud resources and keeps the compliance
// state: one status per (policy, resource) pair, PASS, FAIL or ERROR with its error, in the
// state database, its history in the lake (Compliance.History), and POLICY alerts when a pair
// starts failing.
//
// A Service is the cloudsec.Sink of the scanner: resources that changed (created or modified)
// are evaluated against every enabled policy of their type, in batches on the same CPython
// workers as rules (package pyrun: policies get a copy of the snapshot as a plain dict, as in
// Panther); deleted resources lose their statuses. When the policies change (SetContent), each
// policy whose content version changed (its code, resource types, severity, suppressions, or
// the global helpers) is evaluated again on every resource of its types, and the statuses of
// removed or disabled policies are removed.
//
// Suppressions are glob patterns on resource ids (see Glob), from the policy's Suppressions
// and added with AddSuppressions; a suppressed pair keeps its status, counted apart, and never
// alerts. A pair alerts when it becomes FAIL, is not suppressed, and was not FAIL before
// (unknown, PASS or ERROR): the POLICY alert groups the failures of one (policy, resource)
// within the policy's DedupPeriodMinutes window (not Panther v1's one alert per policy per
// hour across resources), and is delivered like rule alerts.
package compliance

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/resources"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// Options configure a Service.
type Options struct {
	DB        *sql.DB
	Resources *resources.Store
	// History receives the resource and compliance history; nil writes none.
	History *resources.History
	// Alerts records POLICY alerts; nil raises none.
	Alerts *alerts.Store
	// The Python workers of the policies.
	Python      string
	Workers     int
	CallTimeout time.Duration
	MemoryLimit int64
	KVPath      string
	Stderr      io.Writer
	Now         func() time.Time
}

// Service evaluates policies and keeps the compliance state. Its methods are safe for
// concurrent use; evaluations run one at a time so that status transitions are seen in order.
type Service struct {
	o   Options
	db  *sql.DB
	res *resources.Store
	now func() time.Time

	mu       sync.Mutex // serializes evaluations and content changes
	pool     *pyrun.Pool
	policies map[string]*policy
	order    []*policy
	byType   map[string][]*policy
	anyType  []*policy // policies without ResourceTypes: every type
	sels     map[string]*pyrun.Selection
	extra    map[string][]Glob // stored suppressions by policy
}

type policy struct {
	d        *analysis.Detection
	version  string
	suppress []Glob
}

var _ cloudsec.Sink = (*Service)(nil)

// New creates the tables if needed. Call SetContent to load the policies; until then nothing
// is evaluated.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.DB == nil || o.Resources == nil {
		return nil, errors.New("compliance: a state database and a resource store are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if _, err := o.DB.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("compliance: creating tables: %w", err)
	}
	s := &Service{o: o, db: o.DB, res: o.Resources, now: o.Now, policies: map[string]*policy{}}
	if err := s.loadSuppressions(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the Python workers.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pool == nil {
		return nil
	}
	err := s.pool.Close()
	s.pool = nil
	return err
}

// Outcome counts what an evaluation did.
type Outcome struct {
	// Resources counts the resources created or modified, Deleted those deleted.
	Resources int `json:"resources"`
	Deleted   int `json:"deleted"`
	// Evaluated counts the (policy, resource) pairs evaluated, by status.
	Evaluated    int `json:"evaluated"`
	Pass         int `json:"pass"`
	Fail         int `json:"fail"`
	Errors       int `json:"error"`
	Suppressed   int `json:"suppressed"`
	NewlyFailing int `json:"newlyFailing"`
	// Raised are the POLICY alerts raised.
	Raised              []*alerts.Alert `json:"-"`
	PoliciesReevaluated int             `json:"policiesReevaluated"`
	// Removed counts the statuses removed (deleted resources, removed policies).
	Removed int `json:"removed"`
}

// Add adds the counts of b to o.
func (o *Outcome) Add(b *Outcome) {
	o.Resources += b.Resources
	o.Deleted += b.Deleted
	o.Evaluated += b.Evaluated
	o.Pass += b.Pass
	o.Fail += b.Fail
	o.Errors += b.Errors
	o.Suppressed += b.Suppressed
	o.NewlyFailing += b.NewlyFailing
	o.Raised = append(o.Raised, b.Raised...)
	o.PoliciesReevaluated += b.PoliciesReevaluated
	o.Removed += b.Removed
}

// Policies returns the loaded (enabled) policies in content order.
func (s *Service) Policies() []*analysis.Detection {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*analysis.Detection, len(s.order))
	for i, p := range s.order {
		out[i] = p.d
	}
	return out
}

// SetContent loads the enabled policies of col (nil: none), evaluates again the policies whose
// content changed on every resource of their types, and removes the statuses of the policies
// that are gone.
func (s *Service) SetContent(ctx context.Context, col *analysis.Collection) (*Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dets []*analysis.Detection
	globals := sha256.New()
	if col != nil {
		for _, g := range col.Globals {
			fmt.Fprintf(globals, "%s\x00%s\x00", g.ID, g.PythonSource)
		}
		for _, d := range col.Detections {
			if d.Type == analysis.TypePolicy && d.Enabled && d.PythonSource != "" {
				dets = append(dets, d)
			}
		}
	}
	gsum := globals.Sum(nil)
	pols := map[string]*policy{}
	var order []*policy
	for _, d := range dets {
		p := &policy{d: d, version: version(d, gsum)}
		for _, pat := range d.Suppressions {
			if g, err := ParseGlob(pat); err == nil {
				p.suppress = append(p.suppress, g)
			}
		}
		pols[d.ID] = p
		order = append(order, p)
	}
	pool := s.pool
	if !samePolicies(s.order, order) {
		pool = nil
	}
	if pool == nil && len(dets) > 0 {
		var err error
		pool, err = pyrun.New(ctx, pyrun.Options{Python: s.o.Python, Workers: s.o.Workers, CallTimeout: s.o.CallTimeout,
			MemoryLimit: s.o.MemoryLimit, KVPath: s.o.KVPath, Stderr: s.o.Stderr, TrustedJSON: true}, detect.PythonContent(col, dets))
		if err != nil {
			return nil, fmt.Errorf("compliance: starting the policy workers: %w", err)
		}
	}
	if s.pool != nil && s.pool != pool {
		s.pool.Close()
	}
	s.pool, s.policies, s.order = pool, pols, order
	s.byType, s.anyType, s.sels = map[string][]*policy{}, nil, map[string]*pyrun.Selection{}
	for _, p := range order {
		if len(p.d.ResourceTypes) == 0 {
			s.anyType = append(s.anyType, p)
		}
		for _, t := range p.d.ResourceTypes {
			s.byType[t] = append(s.byType[t], p)
		}
	}

	stored, err := s.storedVersions(ctx)
	if err != nil {
		return nil, err
	}
	out := &Outcome{}
	// Policies that are gone lose their statuses.
	var gone []string
	for id := range stored {
		if pols[id] == nil {
			gone = append(gone, id)
		}
	}
	extraGone, err := s.orphanPolicies(ctx, pols)
	if err != nil {
		return nil, err
	}
	gone = append(gone, extraGone...)
	sort.Strings(gone)
	for _, id := range gone {
		n, err := s.removePolicy(ctx, id)
		if err != nil {
			return out, err
		}
		out.Removed += n
	}
	for _, p := range order {
		if stored[p.d.ID] == p.version {
			continue
		}
		var types []string
		if len(p.d.ResourceTypes) > 0 {
			types = p.d.ResourceTypes
		}
		only := map[string]bool{p.d.ID: true}
		err := s.res.Each(ctx, types, func(rs []*resources.Resource) error {
			o, err := s.evaluate(ctx, rs, only)
			if err != nil {
				return err
			}
			out.Add(o)
			return nil
		})
		if err != nil {
			return out, err
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO compliance_policies (policy_id, version, evaluated_at) VALUES (?, ?, ?)
			ON CONFLICT (policy_id) DO UPDATE SET version = excluded.version, evaluated_at = excluded.evaluated_at`,
			p.d.ID, p.version, s.now().UnixNano()); err != nil {
			return out, fmt.Errorf("compliance: %w", err)
		}
		out.PoliciesReevaluated++
	}
	return out, nil
}

// samePolicies reports whether two policy lists run the same code: the workers can stay.
func samePolicies(a, b []*policy) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].d.ID != b[i].d.ID || a[i].version != b[i].version {
			return false
		}
	}
	return true
}

// version is the content version of a policy: what, when it changes, changes its statuses.
func version(d *analysis.Detection, globals []byte) string {
	h := sha256.New()
	types := append([]string(nil), d.ResourceTypes...)
	sort.Strings(types)
	sup := append([]string(nil), d.Suppressions...)
	sort.Strings(sup)
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%x", d.PythonSource, strings.Join(types, ","), strings.ToUpper(d.Severity), strings.Join(sup, "\x01"), globals)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func (s *Service) storedVersions(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT policy_id, version FROM compliance_policies`)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("compliance: %w", err)
		}
		out[id] = v
	}
	return out, rows.Err()
}

// orphanPolicies returns the policies with statuses that are neither loaded nor versioned.
func (s *Service) orphanPolicies(ctx context.Context, loaded map[string]*policy) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT policy_id FROM compliance_status WHERE policy_id NOT IN (SELECT policy_id FROM compliance_policies)`)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if loaded[id] == nil {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

// removePolicy deletes the statuses of a policy that is no longer enabled.
func (s *Service) removePolicy(ctx context.Context, id string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+rowColumns+` FROM compliance_status WHERE policy_id = ?`, id)
	if err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	var removed []*Row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("compliance: %w", err)
		}
		removed = append(removed, r)
	}
	rows.Close()
	if _, err := tx.ExecContext(ctx, `DELETE FROM compliance_status WHERE policy_id = ?`, id); err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM compliance_policies WHERE policy_id = ?`, id); err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	return len(removed), s.writeHistory(ctx, deletedRecords(removed, s.now()))
}

func deletedRecords(rows []*Row, at time.Time) []resources.ComplianceRecord {
	var recs []resources.ComplianceRecord
	for _, r := range rows {
		rec := recordOf(r, resources.Deleted, "")
		rec.LastUpdated = at.UTC().Format(time.RFC3339Nano)
		recs = append(recs, rec)
	}
	return recs
}

func recordOf(r *Row, changeType string, prev Status) resources.ComplianceRecord {
	return resources.ComplianceRecord{ChangeType: changeType, LastUpdated: r.UpdatedAt.UTC().Format(time.RFC3339Nano),
		IntegrationID: r.SourceID, PolicyID: r.PolicyID, PolicySeverity: r.Severity, ResourceID: r.ResourceID,
		ResourceType: r.ResourceType, AccountID: r.AccountID, Region: r.Region, Status: string(r.Status),
		PreviousStatus: string(prev), ErrorMessage: r.Error, Suppressed: r.Suppressed}
}

func (s *Service) writeHistory(ctx context.Context, recs []resources.ComplianceRecord) error {
	if s.o.History == nil || len(recs) == 0 {
		return nil
	}
	return s.o.History.WriteCompliance(ctx, recs)
}

// Upsert implements cloudsec.Sink: it stores the changes and evaluates the policies on the
// resources that changed.
func (s *Service) Upsert(ctx context.Context, sourceID string, changes []cloudsec.Change) error {
	_, err := s.Import(ctx, sourceID, changes)
	return err
}

// Import is Upsert returning what it did.
func (s *Service) Import(ctx context.Context, sourceID string, changes []cloudsec.Change) (*Outcome, error) {
	ups, err := s.res.Apply(ctx, sourceID, changes)
	if err != nil {
		return nil, err
	}
	return s.applied(ctx, ups)
}

// EndScan implements cloudsec.Sink: the resources of the triple not seen by the scan are
// deleted, and their statuses removed.
func (s *Service) EndScan(ctx context.Context, sourceID, accountID, region, resourceType string, seen []string, started time.Time) error {
	ups, err := s.res.EndScan(ctx, sourceID, accountID, region, resourceType, seen, started)
	if err != nil {
		return err
	}
	_, err = s.applied(ctx, ups)
	return err
}

// applied records the history of updates and evaluates them.
func (s *Service) applied(ctx context.Context, ups []resources.Update) (*Outcome, error) {
	if len(ups) == 0 {
		return &Outcome{}, nil
	}
	if s.o.History != nil {
		if err := s.o.History.WriteResources(ctx, ups); err != nil {
			return nil, err
		}
	}
	var live []*resources.Resource
	var deleted []string
	for i := range ups {
		if ups[i].ChangeType == resources.Deleted {
			deleted = append(deleted, ups[i].Resource.ID)
		} else {
			live = append(live, ups[i].Resource)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &Outcome{Resources: len(live), Deleted: len(deleted)}
	if len(deleted) > 0 {
		n, err := s.removeResources(ctx, deleted)
		if err != nil {
			return out, err
		}
		out.Removed += n
	}
	for start := 0; start < len(live); start += evalBatch {
		o, err := s.evaluate(ctx, live[start:min(start+evalBatch, len(live))], nil)
		if err != nil {
			return out, err
		}
		out.Add(o)
	}
	return out, nil
}

// evalBatch is the number of resources evaluated (and committed) together.
const evalBatch = 500

func (s *Service) removeResources(ctx context.Context, ids []string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	defer tx.Rollback()
	prev, err := statusesOf(ctx, tx, ids)
	if err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM compliance_status WHERE resource_id = ?`, id); err != nil {
			return 0, fmt.Errorf("compliance: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("compliance: %w", err)
	}
	rows := make([]*Row, 0, len(prev))
	for _, r := range prev {
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].ResourceID != rows[j].ResourceID {
			return rows[i].ResourceID < rows[j].ResourceID
		}
		return rows[i].PolicyID < rows[j].PolicyID
	})
	return len(rows), s.writeHistory(ctx, deletedRecords(rows, s.now()))
}

// policiesFor returns the loaded policies that apply to a resource type, in content order.
func (s *Service) policiesFor(typ string) []*policy {
	if len(s.anyType) == 0 {
		return s.byType[typ]
	}
	ps := append(append([]*policy(nil), s.byType[typ]...), s.anyType...)
	idx := map[*policy]int{}
	for i, p := range s.order {
		idx[p] = i
	}
	sort.Slice(ps, func(i, j int) bool { return idx[ps[i]] < idx[ps[j]] })
	return ps
}

// suppressed reports whether a suppression of p matches a resource id.
func (s *Service) suppressed(p *policy, resourceID string) bool {
	for _, g := range p.suppress {
		if g.Match(resourceID) {
			return true
		}
	}
	for _, g := range s.extra[p.d.ID] {
		if g.Match(resourceID) {
			return true
		}
	}
	return false
}

// evaluate runs the policies (all that apply, or those in only) on resources and records the
// statuses, their history and the alerts of newly failing pairs. s.mu is held.
func (s *Service) evaluate(ctx context.Context, rs []*resources.Resource, only map[string]bool) (*Outcome, error) {
	out := &Outcome{}
	if s.pool == nil || len(rs) == 0 {
		return out, nil
	}
	type applied struct {
		r  *resources.Resource
		ps []*policy
	}
	var work []applied
	var events []pyrun.Event
	for _, r := range rs {
		var ps []*policy
		for _, p := range s.policiesFor(r.Type) {
			if only == nil || only[p.d.ID] {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			continue
		}
		sel, err := s.selection(ps)
		if err != nil {
			return nil, err
		}
		work = append(work, applied{r, ps})
		events = append(events, pyrun.Event{Data: r.AttributesJSON(), Detections: sel})
	}
	if len(events) == 0 {
		return out, nil
	}
	results, err := s.pool.Evaluate(ctx, events)
	if err != nil {
		return nil, fmt.Errorf("compliance: evaluating policies: %w", err)
	}
	type key struct {
		ev int
		id string
	}
	byPair := make(map[key]*pyrun.Result, len(results))
	for i := range results {
		byPair[key{results[i].Event, results[i].DetectionID}] = &results[i]
	}
	now := s.now().UTC()
	var rows []*Row
	matches := map[pairKey]*pyrun.Match{}
	for i, w := range work {
		for _, p := range w.ps {
			row := &Row{PolicyID: p.d.ID, ResourceID: w.r.ID, ResourceType: w.r.Type, SourceID: w.r.SourceID, AccountID: w.r.AccountID,
				Region: w.r.Region, Severity: strings.ToUpper(p.d.Severity), Status: Pass, UpdatedAt: now, Suppressed: s.suppressed(p, w.r.ID)}
			if res := byPair[key{i, p.d.ID}]; res != nil {
				switch {
				case res.Error != nil:
					row.Status, row.Error = Error, res.Error.Error()
				case res.Match != nil:
					row.Status = Fail
					matches[pairKey{p.d.ID, w.r.ID}] = res.Match
				}
			}
			rows = append(rows, row)
		}
	}
	return s.record(ctx, rows, matches, work2resources(rs))
}

func work2resources(rs []*resources.Resource) map[string]*resources.Resource {
	m := make(map[string]*resources.Resource, len(rs))
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}

// selection returns the interned selection of policies.
func (s *Service) selection(ps []*policy) (*pyrun.Selection, error) {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.d.ID
	}
	k := strings.Join(ids, "\x00")
	if sel := s.sels[k]; sel != nil {
		return sel, nil
	}
	sel, err := s.pool.Select(ids...)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	s.sels[k] = sel
	return sel, nil
}

// record stores new statuses: first the alerts of newly failing pairs (so that a crash between
// the two re-raises into the same alert rather than losing it), then the rows and their
// history.
func (s *Service) record(ctx context.Context, rows []*Row, matches map[pairKey]*pyrun.Match, byID map[string]*resources.Resource) (*Outcome, error) {
	out := &Outcome{}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	prev, err := statusesOf(ctx, tx, ids)
	tx.Rollback()
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	var recs []resources.ComplianceRecord
	var ams []alerts.Match
	for _, r := range rows {
		out.Evaluated++
		switch r.Status {
		case Pass:
			out.Pass++
		case Fail:
			out.Fail++
		case Error:
			out.Errors++
		}
		if r.Suppressed {
			out.Suppressed++
		}
		old := prev[pairKey{r.PolicyID, r.ResourceID}]
		var oldStatus Status
		if old != nil {
			oldStatus = old.Status
		}
		switch {
		case old == nil:
			recs = append(recs, recordOf(r, resources.Created, ""))
		case old.Status != r.Status || old.Suppressed != r.Suppressed || old.Error != r.Error || old.Severity != r.Severity:
			recs = append(recs, recordOf(r, resources.Modified, oldStatus))
		}
		if r.Status == Fail && oldStatus != Fail {
			if r.Suppressed {
				continue
			}
			out.NewlyFailing++
			if s.o.Alerts != nil {
				ams = append(ams, s.alertMatch(r, matches[pairKey{r.PolicyID, r.ResourceID}], byID[r.ResourceID]))
			}
		}
	}
	if len(ams) > 0 {
		_, raised, err := s.o.Alerts.Record(ctx, ams)
		if err != nil {
			return nil, fmt.Errorf("compliance: recording policy alerts: %w", err)
		}
		out.Raised = raised
	}
	tx, err = s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer tx.Rollback()
	for _, r := range rows {
		if err := putRow(ctx, tx, r); err != nil {
			return nil, fmt.Errorf("compliance: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	return out, s.writeHistory(ctx, recs)
}

// alertMatch builds the POLICY alert match of a newly failing pair.
func (s *Service) alertMatch(r *Row, m *pyrun.Match, res *resources.Resource) alerts.Match {
	p := s.policies[r.PolicyID]
	d := p.d
	if m == nil {
		m = &pyrun.Match{}
	}
	a := m.Resolve(pyrun.Defaults{ID: d.ID, DisplayName: d.DisplayName, Severity: d.Severity, Description: d.Description,
		Reference: d.Reference, Runbook: d.Runbook})
	ctxJSON := a.AlertContext
	if len(ctxJSON) == 0 {
		ctxJSON, _ = json.Marshal(map[string]string{"resourceId": r.ResourceID, "resourceType": r.ResourceType,
			"accountId": r.AccountID, "region": r.Region, "integrationId": r.SourceID})
	}
	period := time.Duration(d.DedupPeriodMinutes) * time.Minute
	var modified int64
	if res != nil {
		modified = res.LastModified.UnixNano()
	}
	return alerts.Match{Type: alerts.TypePolicy, DetectionID: d.ID, DisplayName: d.DisplayName, EventTime: r.UpdatedAt,
		DedupPeriod: period, Threshold: 1, Title: a.Title, Dedup: r.ResourceID, Severity: a.Severity, Description: a.Description,
		Reference: a.Reference, Runbook: a.Runbook, Context: ctxJSON, Destinations: a.Destinations, OutputIDs: d.OutputIds,
		Tags: d.Tags, Reports: d.Reports,
		// One failure of one snapshot counts once, however often it is evaluated again.
		EventKey: fmt.Sprintf("%s\x00%s\x00%d", d.ID, r.ResourceID, modified)}
}
