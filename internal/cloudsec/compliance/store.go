package compliance

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

const schema = `
CREATE TABLE IF NOT EXISTS compliance_status (
	policy_id TEXT NOT NULL,
	resource_id TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	source_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	region TEXT NOT NULL,
	severity TEXT NOT NULL,
	status TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	suppressed INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (policy_id, resource_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS compliance_status_by_resource ON compliance_status(resource_id);
CREATE TABLE IF NOT EXISTS compliance_policies (
	policy_id TEXT PRIMARY KEY,
	version TEXT NOT NULL,
	evaluated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS compliance_suppressions (
	policy_id TEXT NOT NULL,
	pattern TEXT NOT NULL,
	added_by TEXT NOT NULL DEFAULT '',
	added_at INTEGER NOT NULL,
	PRIMARY KEY (policy_id, pattern)
) WITHOUT ROWID;
`

// Status is the outcome of a policy on a resource.
type Status string

// The statuses. ERROR beats FAIL beats PASS when statuses are aggregated.
const (
	Pass  Status = "PASS"
	Fail  Status = "FAIL"
	Error Status = "ERROR"
)

// ParseStatus checks a status name (any case).
func ParseStatus(s string) (Status, bool) {
	switch st := Status(strings.ToUpper(s)); st {
	case Pass, Fail, Error:
		return st, true
	}
	return "", false
}

func (s Status) rank() int {
	switch s {
	case Error:
		return 3
	case Fail:
		return 2
	case Pass:
		return 1
	}
	return 0
}

// Worst returns the aggregate of two statuses: ERROR beats FAIL beats PASS; the empty status
// (nothing evaluated) loses to all.
func Worst(a, b Status) Status {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Row is the status of one (policy, resource) pair.
type Row struct {
	PolicyID     string    `json:"policyId"`
	ResourceID   string    `json:"resourceId"`
	ResourceType string    `json:"resourceType"`
	SourceID     string    `json:"integrationId"`
	AccountID    string    `json:"accountId"`
	Region       string    `json:"region"`
	Severity     string    `json:"policySeverity"`
	Status       Status    `json:"status"`
	Error        string    `json:"error,omitempty"`
	Suppressed   bool      `json:"suppressed"`
	UpdatedAt    time.Time `json:"lastUpdated"`
}

const rowColumns = `policy_id, resource_id, resource_type, source_id, account_id, region, severity, status, error, suppressed, updated_at`

func scanRow(rs interface{ Scan(...any) error }) (*Row, error) {
	var r Row
	var sup int
	var at int64
	if err := rs.Scan(&r.PolicyID, &r.ResourceID, &r.ResourceType, &r.SourceID, &r.AccountID, &r.Region, &r.Severity, &r.Status, &r.Error, &sup, &at); err != nil {
		return nil, err
	}
	r.Suppressed = sup != 0
	r.UpdatedAt = time.Unix(0, at).UTC()
	return &r, nil
}

// Filter selects status rows. Empty fields select everything.
type Filter struct {
	PolicyIDs     []string
	ResourceIDs   []string
	ResourceTypes []string
	AccountIDs    []string
	Statuses      []Status
	Severities    []string
	// Suppressed, when set, selects suppressed (true) or active (false) rows only.
	Suppressed *bool
	Limit      int    // default 100, at most 10000
	Cursor     string // the Next of a previous page
}

// Page is one page of rows, ordered by policy and resource.
type Page struct {
	Rows []*Row `json:"rows"`
	Next string `json:"next,omitempty"`
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("policy_id", f.PolicyIDs)
	in("resource_id", f.ResourceIDs)
	in("resource_type", f.ResourceTypes)
	in("account_id", f.AccountIDs)
	sts := make([]string, len(f.Statuses))
	for i, s := range f.Statuses {
		sts[i] = string(s)
	}
	in("status", sts)
	sev := make([]string, len(f.Severities))
	for i, s := range f.Severities {
		sev[i] = strings.ToUpper(s)
	}
	in("severity", sev)
	if f.Suppressed != nil {
		conds = append(conds, "suppressed = ?")
		args = append(args, boolInt(*f.Suppressed))
	}
	if f.Cursor != "" {
		p, r, _ := strings.Cut(f.Cursor, "\x00")
		conds = append(conds, "(policy_id > ? OR (policy_id = ? AND resource_id > ?))")
		args = append(args, p, p, r)
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// List returns the status rows matching f, ordered by policy then resource.
func (s *Service) List(ctx context.Context, f Filter) (*Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 10000)
	where, args := f.where()
	rows, err := s.db.QueryContext(ctx, `SELECT `+rowColumns+` FROM compliance_status`+where+` ORDER BY policy_id, resource_id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer rows.Close()
	p := &Page{}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("compliance: %w", err)
		}
		p.Rows = append(p.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	if len(p.Rows) > limit {
		p.Rows = p.Rows[:limit]
		last := p.Rows[limit-1]
		p.Next = last.PolicyID + "\x00" + last.ResourceID
	}
	return p, nil
}

// statusesOf reads the stored rows of the pairs of the given resources.
func statusesOf(ctx context.Context, tx *sql.Tx, resourceIDs []string) (map[pairKey]*Row, error) {
	out := map[pairKey]*Row{}
	for start := 0; start < len(resourceIDs); start += 500 {
		ids := resourceIDs[start:min(start+500, len(resourceIDs))]
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+rowColumns+` FROM compliance_status WHERE resource_id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[pairKey{r.PolicyID, r.ResourceID}] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type pairKey struct{ policy, resource string }

func putRow(ctx context.Context, tx *sql.Tx, r *Row) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO compliance_status (`+rowColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (policy_id, resource_id) DO UPDATE SET resource_type = excluded.resource_type, source_id = excluded.source_id,
		account_id = excluded.account_id, region = excluded.region, severity = excluded.severity, status = excluded.status,
		error = excluded.error, suppressed = excluded.suppressed, updated_at = excluded.updated_at`,
		r.PolicyID, r.ResourceID, r.ResourceType, r.SourceID, r.AccountID, r.Region, r.Severity, string(r.Status), r.Error,
		boolInt(r.Suppressed), r.UpdatedAt.UnixNano())
	return err
}
