// Package resources keeps the cloud resources Panther knows: their current state in the state
// database (one row per resource id: type, account, region, source, the snapshot policies read,
// deleted, first seen, last modified, last scanned) and their history in the lake
// (panther_cloudsecurity.resource_history, each snapshot with a diff against the one before, and
// panther_cloudsecurity.compliance_history, written by the compliance package through History).
//
// A scan hands snapshots to Apply; Apply tells what changed (created, modified, deleted), which
// is what the policies are evaluated on. A snapshot identical to the stored one only refreshes
// its last scan time.
package resources

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

const schema = `
CREATE TABLE IF NOT EXISTS cloud_resources (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	account_id TEXT NOT NULL,
	region TEXT NOT NULL,
	source_id TEXT NOT NULL,
	attributes TEXT NOT NULL,
	hash TEXT NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	first_seen INTEGER NOT NULL,
	last_modified INTEGER NOT NULL,
	last_scanned INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cloud_resources_by_type ON cloud_resources(type, id);
CREATE INDEX IF NOT EXISTS cloud_resources_by_scan ON cloud_resources(source_id, account_id, region, type);
`

// Change types of the resource history, as Panther's Resource.History wrote them.
const (
	Created  = "CREATED"
	Modified = "MODIFIED"
	Deleted  = "DELETED"
)

// Resource is a stored resource.
type Resource struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	AccountID    string            `json:"accountId"`
	Region       string            `json:"region"`
	SourceID     string            `json:"sourceId"`
	Attributes   cloudsec.Snapshot `json:"attributes"`
	Deleted      bool              `json:"deleted"`
	FirstSeen    time.Time         `json:"firstSeen"`
	LastModified time.Time         `json:"lastModified"`
	LastScanned  time.Time         `json:"lastScanned"`
	// raw is the stored attributes JSON.
	raw []byte
}

// AttributesJSON returns the snapshot as the JSON object policies read.
func (r *Resource) AttributesJSON() []byte {
	if r.raw == nil {
		r.raw, _ = json.Marshal(r.Attributes)
	}
	return r.raw
}

// Update is one resource that changed.
type Update struct {
	Resource *Resource
	// ChangeType is Created, Modified or Deleted.
	ChangeType string
	// Changes is the diff against the previous snapshot (nil for a creation): see Diff.
	Changes map[string]Difference
}

// Options configure a Store.
type Options struct {
	Now func() time.Time
}

// Store keeps the current state of resources in the state database. Its methods are safe for
// concurrent use; SQLite serializes the writes.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// Open creates the tables if needed.
func Open(ctx context.Context, db *sql.DB, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("resources: creating tables: %w", err)
	}
	return &Store{db: db, now: o.Now}, nil
}

// Validate checks a change before it is stored: ids, type and, unless deleted, a snapshot
// whose ResourceId and ResourceType agree with the change.
func Validate(c *cloudsec.Change) error {
	switch {
	case c.ResourceID == "":
		return errors.New("ResourceId is empty")
	case c.ResourceType == "":
		return fmt.Errorf("resource %s: ResourceType is empty", c.ResourceID)
	case c.Deleted:
		return nil
	case c.Snapshot == nil:
		return fmt.Errorf("resource %s: no snapshot", c.ResourceID)
	}
	if id, ok := c.Snapshot[cloudsec.KeyResourceID]; ok && id != c.ResourceID {
		return fmt.Errorf("resource %s: snapshot ResourceId is %v", c.ResourceID, id)
	}
	if t, ok := c.Snapshot[cloudsec.KeyResourceType]; ok && t != c.ResourceType {
		return fmt.Errorf("resource %s: snapshot ResourceType is %v, the change says %s", c.ResourceID, t, c.ResourceType)
	}
	return nil
}

// Apply stores the changes of one source in one transaction and returns the resources that
// changed, in the order of changes (a resource named twice counts its last change). A
// snapshot equal to the stored one only refreshes its last scan time; a deletion of an unknown
// or already deleted resource is nothing.
func (s *Store) Apply(ctx context.Context, sourceID string, changes []cloudsec.Change) ([]Update, error) {
	for i := range changes {
		if err := Validate(&changes[i]); err != nil {
			return nil, fmt.Errorf("resources: change %d: %w", i, err)
		}
	}
	now := s.now().UTC()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	defer tx.Rollback()
	var out []Update
	index := map[string]int{}
	for i := range changes {
		c := &changes[i]
		at := c.ScannedAt.UTC()
		if at.IsZero() {
			at = now
		}
		u, err := applyOne(ctx, tx, sourceID, c, at)
		if err != nil {
			return nil, fmt.Errorf("resources: %s: %w", c.ResourceID, err)
		}
		if u == nil {
			continue
		}
		if j, ok := index[u.Resource.ID]; ok {
			prev := out[j]
			if prev.ChangeType == Created && u.ChangeType == Modified {
				u.ChangeType, u.Changes = Created, nil
			}
			out[j] = *u
			continue
		}
		index[u.Resource.ID] = len(out)
		out = append(out, *u)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	return out, nil
}

func applyOne(ctx context.Context, tx *sql.Tx, sourceID string, c *cloudsec.Change, at time.Time) (*Update, error) {
	old, err := getTx(ctx, tx, c.ResourceID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if c.Deleted {
		if old == nil || old.Deleted {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET deleted = 1, last_modified = ?, last_scanned = ? WHERE id = ?`,
			at.UnixNano(), at.UnixNano(), c.ResourceID); err != nil {
			return nil, err
		}
		old.Deleted, old.LastModified, old.LastScanned = true, at, at
		return &Update{Resource: old.Resource, ChangeType: Deleted}, nil
	}
	snap := normalize(c)
	raw, err := json.Marshal(snap)
	if err != nil {
		return nil, fmt.Errorf("snapshot is not JSON: %w", err)
	}
	// The stored form is the decoded one, so that numbers compare as they read back.
	var attrs cloudsec.Snapshot
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, err
	}
	h := hash(raw)
	r := &Resource{ID: c.ResourceID, Type: c.ResourceType, AccountID: c.AccountID, Region: c.Region, SourceID: sourceID,
		Attributes: attrs, FirstSeen: at, LastModified: at, LastScanned: at, raw: raw}
	if old == nil {
		_, err := tx.ExecContext(ctx, `INSERT INTO cloud_resources (id, type, account_id, region, source_id, attributes, hash, deleted, first_seen, last_modified, last_scanned)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`, r.ID, r.Type, r.AccountID, r.Region, sourceID, string(raw), h, at.UnixNano(), at.UnixNano(), at.UnixNano())
		if err != nil {
			return nil, err
		}
		return &Update{Resource: r, ChangeType: Created}, nil
	}
	if old.hash == h && !old.Deleted && old.Type == r.Type && old.SourceID == sourceID {
		_, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET last_scanned = ? WHERE id = ?`, at.UnixNano(), r.ID)
		return nil, err
	}
	r.FirstSeen = old.FirstSeen
	ct := Modified
	var diff map[string]Difference
	if old.Deleted {
		// A resource that comes back is a new resource with the same id.
		ct, r.FirstSeen = Created, at
	} else {
		diff = Diff(old.Attributes, attrs)
	}
	_, err = tx.ExecContext(ctx, `UPDATE cloud_resources SET type = ?, account_id = ?, region = ?, source_id = ?, attributes = ?, hash = ?, deleted = 0,
		first_seen = ?, last_modified = ?, last_scanned = ? WHERE id = ?`,
		r.Type, r.AccountID, r.Region, sourceID, string(raw), h, r.FirstSeen.UnixNano(), at.UnixNano(), at.UnixNano(), r.ID)
	if err != nil {
		return nil, err
	}
	return &Update{Resource: r, ChangeType: ct, Changes: diff}, nil
}

// normalize returns the snapshot with the standard keys filled from the change where it lacks
// them (ResourceId, ResourceType, AccountId, Region), as policies expect them.
func normalize(c *cloudsec.Change) cloudsec.Snapshot {
	snap := make(cloudsec.Snapshot, len(c.Snapshot)+4)
	for k, v := range c.Snapshot {
		snap[k] = v
	}
	fill := func(k, v string) {
		if _, ok := snap[k]; !ok && v != "" {
			snap[k] = v
		}
	}
	fill(cloudsec.KeyResourceID, c.ResourceID)
	fill(cloudsec.KeyResourceType, c.ResourceType)
	fill(cloudsec.KeyAccountID, c.AccountID)
	fill(cloudsec.KeyRegion, c.Region)
	return snap
}

func hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// EndScan marks deleted the resources of (source, account, region, type) that are not in seen
// and were last scanned before started (see cloudsec.Sink), and returns them.
func (s *Store) EndScan(ctx context.Context, sourceID, accountID, region, resourceType string, seen []string, started time.Time) ([]Update, error) {
	keep := make(map[string]bool, len(seen))
	for _, id := range seen {
		keep[id] = true
	}
	now := s.now().UTC()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM cloud_resources
		WHERE source_id = ? AND account_id = ? AND region = ? AND type = ? AND deleted = 0 AND last_scanned < ?`,
		sourceID, accountID, region, resourceType, started.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	var gone []*Resource
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("resources: %w", err)
		}
		if !keep[r.ID] {
			gone = append(gone, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	var out []Update
	for _, r := range gone {
		if _, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET deleted = 1, last_modified = ? WHERE id = ?`, now.UnixNano(), r.ID); err != nil {
			return nil, fmt.Errorf("resources: %w", err)
		}
		r.Deleted, r.LastModified = true, now
		out = append(out, Update{Resource: r, ChangeType: Deleted})
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	return out, nil
}

// ErrNotFound is returned for an unknown resource id.
var ErrNotFound = errors.New("resource not found")

const columns = `id, type, account_id, region, source_id, attributes, hash, deleted, first_seen, last_modified, last_scanned`

type rowScanner interface{ Scan(...any) error }

// storedResource is a Resource with its stored hash.
type storedResource struct {
	*Resource
	hash string
}

func scanStored(rs rowScanner) (*storedResource, error) {
	var r Resource
	var attrs, h string
	var deleted int
	var first, mod, scanned int64
	if err := rs.Scan(&r.ID, &r.Type, &r.AccountID, &r.Region, &r.SourceID, &attrs, &h, &deleted, &first, &mod, &scanned); err != nil {
		return nil, err
	}
	r.raw = []byte(attrs)
	if err := json.Unmarshal(r.raw, &r.Attributes); err != nil {
		return nil, fmt.Errorf("resource %s: stored attributes: %w", r.ID, err)
	}
	r.Deleted = deleted != 0
	r.FirstSeen, r.LastModified, r.LastScanned = time.Unix(0, first).UTC(), time.Unix(0, mod).UTC(), time.Unix(0, scanned).UTC()
	return &storedResource{Resource: &r, hash: h}, nil
}

func scan(rs rowScanner) (*Resource, error) {
	r, err := scanStored(rs)
	if err != nil {
		return nil, err
	}
	return r.Resource, nil
}

func getTx(ctx context.Context, tx *sql.Tx, id string) (*storedResource, error) {
	r, err := scanStored(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM cloud_resources WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return r, err
}

// Get returns one resource, deleted or not.
func (s *Store) Get(ctx context.Context, id string) (*Resource, error) {
	r, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM cloud_resources WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	return r, nil
}

// Filter selects resources to list. Empty fields select everything.
type Filter struct {
	Types      []string
	AccountIDs []string
	Regions    []string
	SourceID   string
	// IDPrefix selects the ids that start with it; IDs selects those ids.
	IDPrefix string
	IDs      []string
	// Deleted includes the resources marked deleted.
	Deleted bool
	Limit   int    // default 100, at most 1000
	Cursor  string // the Next of a previous page
}

// Page is one page of resources, ordered by id.
type Page struct {
	Resources []*Resource
	// Next is the cursor of the next page, empty on the last page.
	Next string
}

// List returns resources matching f, ordered by id.
func (s *Store) List(ctx context.Context, f Filter) (*Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	where, args := f.where()
	q := `SELECT ` + columns + ` FROM cloud_resources` + where + ` ORDER BY id LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	defer rows.Close()
	p := &Page{}
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("resources: %w", err)
		}
		p.Resources = append(p.Resources, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	if len(p.Resources) > limit {
		p.Resources = p.Resources[:limit]
		p.Next = p.Resources[limit-1].ID
	}
	return p, nil
}

// Count returns the number of resources matching f (Limit and Cursor ignored).
func (s *Store) Count(ctx context.Context, f Filter) (int, error) {
	f.Cursor = ""
	where, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cloud_resources`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("resources: %w", err)
	}
	return n, nil
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
	in("type", f.Types)
	in("account_id", f.AccountIDs)
	in("region", f.Regions)
	in("id", f.IDs)
	if f.SourceID != "" {
		conds = append(conds, "source_id = ?")
		args = append(args, f.SourceID)
	}
	if f.IDPrefix != "" {
		conds = append(conds, "substr(id, 1, ?) = ?")
		args = append(args, len(f.IDPrefix), f.IDPrefix)
	}
	if !f.Deleted {
		conds = append(conds, "deleted = 0")
	}
	if f.Cursor != "" {
		conds = append(conds, "id > ?")
		args = append(args, f.Cursor)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Each calls fn for every live resource of the given types (all types when none), in id order,
// reading in pages so that memory stays bounded.
func (s *Store) Each(ctx context.Context, types []string, fn func([]*Resource) error) error {
	f := Filter{Types: types, Limit: 500}
	for {
		p, err := s.List(ctx, f)
		if err != nil {
			return err
		}
		if len(p.Resources) > 0 {
			if err := fn(p.Resources); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		f.Cursor = p.Next
	}
}

// TypeCount is the number of live resources of one type.
type TypeCount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// Types counts the live resources by type.
func (s *Store) Types(ctx context.Context) ([]TypeCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT type, COUNT(*) FROM cloud_resources WHERE deleted = 0 GROUP BY type ORDER BY type`)
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	defer rows.Close()
	var out []TypeCount
	for rows.Next() {
		var tc TypeCount
		if err := rows.Scan(&tc.Type, &tc.Count); err != nil {
			return nil, fmt.Errorf("resources: %w", err)
		}
		out = append(out, tc)
	}
	return out, rows.Err()
}
