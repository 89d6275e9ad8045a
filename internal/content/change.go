package content

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/pantherlabs/panther/internal/analysis"
)

// Change is a set of puts and deletes applied atomically.
type Change struct {
	// Put creates or replaces items, by ID.
	Put []*Item
	// Delete removes items by ID; an unknown ID is an error unless IgnoreMissing.
	Delete        []string
	IgnoreMissing bool
	// ReplaceAll deletes every item that Put does not name.
	ReplaceAll bool
	// Expect, when set for an ID, is the version the caller read: the change is refused with
	// ErrConflict if the stored item has another one. 0 means the item must not exist.
	Expect map[string]int
	// DryRun validates and reports without saving.
	DryRun bool
}

// Result says what a change did.
type Result struct {
	// Snapshot is the content after the change (before it for a dry run).
	Snapshot *Snapshot
	// New, Modified, Unchanged and Deleted are item IDs, sorted.
	New, Modified, Unchanged, Deleted []string
	// Items are the stored versions of the items put, in the order of Change.Put.
	Items []*Item
}

// Issue is one problem that refuses a change.
type Issue struct {
	// ItemID is the spec's ID when known.
	ItemID string
	// File is the spec's file name (Item.SpecName) or the archive path the caller gave.
	File string
	// Problem is the loader's problem.
	Problem analysis.Problem
}

// Message renders the issue like the loader: "file:line: path: message".
func (i Issue) Message() string {
	p := i.Problem
	p.File = i.File
	return p.Error()
}

// ValidationError refuses a change whose content would not load.
type ValidationError struct {
	Issues []Issue
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		msgs[i] = is.Message()
	}
	if len(msgs) == 1 {
		return "invalid content: " + msgs[0]
	}
	return fmt.Sprintf("invalid content (%d problems):\n%s", len(msgs), strings.Join(msgs, "\n"))
}

// Apply validates and commits a change made by actor.
func (s *Store) Apply(ctx context.Context, ch Change, actor string) (*Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := s.apply(ctx, ch, actor)
		if errors.Is(err, errRace) && attempt < 5 {
			continue
		}
		return res, err
	}
}

// errRace: another writer committed between our read and our write; try again.
var errRace = errors.New("content: concurrent change")

func (s *Store) apply(ctx context.Context, ch Change, actor string) (*Result, error) {
	base, err := s.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC()
	res := &Result{Snapshot: base}
	next := map[string]*Item{}
	for _, it := range base.Items {
		next[it.ID] = it
	}
	changed := map[string]bool{}
	put := map[string]bool{}
	for _, in := range ch.Put {
		if put[in.ID] {
			return nil, &ValidationError{Issues: []Issue{{ItemID: in.ID, File: in.SpecName, Problem: analysis.Problem{Msg: fmt.Sprintf("ID %q is given twice", in.ID)}}}}
		}
		put[in.ID] = true
		old := next[in.ID]
		if want, ok := ch.Expect[in.ID]; ok {
			have := 0
			if old != nil {
				have = old.Version
			}
			if have != want {
				if want == 0 {
					return nil, fmt.Errorf("%s: %w", in.ID, errExists)
				}
				return nil, fmt.Errorf("%s: %w (stored version %d, expected %d)", in.ID, ErrConflict, have, want)
			}
		}
		it := *in
		switch {
		case old == nil:
			it.Version, it.CreatedAt, it.CreatedBy, it.UpdatedAt, it.UpdatedBy = 1, now, actor, now, actor
			res.New = append(res.New, it.ID)
			changed[it.ID] = true
		case old.same(&it):
			it = *old
			res.Unchanged = append(res.Unchanged, it.ID)
		default:
			it.Version, it.CreatedAt, it.CreatedBy, it.UpdatedAt, it.UpdatedBy = old.Version+1, old.CreatedAt, old.CreatedBy, now, actor
			res.Modified = append(res.Modified, it.ID)
			changed[it.ID] = true
		}
		next[it.ID] = &it
		res.Items = append(res.Items, next[it.ID])
	}
	var deletes []string
	if ch.ReplaceAll {
		for id := range next {
			if !put[id] {
				deletes = append(deletes, id)
			}
		}
	}
	for _, id := range ch.Delete {
		if put[id] {
			continue
		}
		if _, ok := next[id]; !ok {
			if ch.IgnoreMissing || ch.ReplaceAll {
				continue
			}
			return nil, fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		deletes = append(deletes, id)
	}
	for _, id := range deletes {
		if _, ok := next[id]; ok {
			delete(next, id)
			res.Deleted = append(res.Deleted, id)
		}
	}
	sort.Strings(res.New)
	sort.Strings(res.Modified)
	sort.Strings(res.Unchanged)
	sort.Strings(res.Deleted)
	res.Deleted = dedupSorted(res.Deleted)

	items := make([]*Item, 0, len(next))
	for _, it := range next {
		items = append(items, it)
	}
	sortItems(items)
	after, err := newSnapshot(base.Version+1, items)
	if err != nil {
		return nil, err
	}
	if issues := newIssues(base, after, changed); len(issues) > 0 {
		return nil, &ValidationError{Issues: issues}
	}
	if ch.DryRun || (len(changed) == 0 && len(res.Deleted) == 0) {
		return res, nil
	}
	if err := s.write(ctx, base.Version, next, changed, res.Deleted); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cached = after
	s.mu.Unlock()
	res.Snapshot = after
	return res, nil
}

var errExists = errors.New("already exists")

// ErrExists is returned when creating an item whose ID is taken.
var ErrExists = errExists

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// newIssues lists the problems of the new content that refuse the change: every problem of a
// changed item, and every problem of another item that the old content did not have.
func newIssues(before, after *Snapshot, changed map[string]bool) []Issue {
	type key struct{ id, path, msg string }
	old := map[key]bool{}
	for _, inv := range before.Collection.Invalid {
		it, _ := before.ItemOfFile(inv.File)
		for _, p := range inv.Problems {
			old[key{itemID(it), p.Path, p.Msg}] = true
		}
	}
	var out []Issue
	for _, inv := range after.Collection.Invalid {
		it, _ := after.ItemOfFile(inv.File)
		id := itemID(it)
		for _, p := range inv.Problems {
			if !changed[id] && old[key{id, p.Path, p.Msg}] {
				continue
			}
			is := Issue{ItemID: id, Problem: p, File: p.File}
			if it != nil {
				is.File = it.SpecName
			}
			out = append(out, is)
		}
	}
	// A changed item must also load as what it says it is.
	for id := range changed {
		it := after.byID[id]
		s, ok := after.Collection.ByID(id)
		if ok && s.Meta().Type == it.Type {
			continue
		}
		if hasIssue(out, id) {
			continue
		}
		msg := fmt.Sprintf("the spec does not load as %s %q", it.Type, id)
		if ok {
			msg = fmt.Sprintf("the spec loads as %s, not %s", s.Meta().Type, it.Type)
		}
		out = append(out, Issue{ItemID: id, File: it.SpecName, Problem: analysis.Problem{Msg: msg}})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ItemID < out[j].ItemID })
	return out
}

func hasIssue(issues []Issue, id string) bool {
	for _, is := range issues {
		if is.ItemID == id {
			return true
		}
	}
	return false
}

func itemID(it *Item) string {
	if it == nil {
		return ""
	}
	return it.ID
}

// write commits the changed items and the deletions, if the version is still base.
func (s *Store) write(ctx context.Context, base int64, next map[string]*Item, changed map[string]bool, deleted []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("content: %w", err)
	}
	defer tx.Rollback()
	// Bumping the version first takes the write lock, so the check below cannot race.
	r, err := tx.ExecContext(ctx, `UPDATE content_meta SET v = v + 1 WHERE k='version' AND v = ?`, base)
	if err != nil {
		return fmt.Errorf("content: %w", err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return errRace
	}
	for _, id := range deleted {
		if _, err := tx.ExecContext(ctx, `DELETE FROM content_items WHERE id = ?`, id); err != nil {
			return fmt.Errorf("content: deleting %s: %w", id, err)
		}
	}
	for id := range changed {
		it := next[id]
		_, err := tx.ExecContext(ctx, `INSERT INTO content_items (id, type, spec_name, spec, attach_name, attach, version, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET type=excluded.type, spec_name=excluded.spec_name, spec=excluded.spec,
				attach_name=excluded.attach_name, attach=excluded.attach, version=excluded.version,
				updated_at=excluded.updated_at, updated_by=excluded.updated_by`,
			it.ID, string(it.Type), it.SpecName, it.Spec, it.AttachName, it.Attach, it.Version,
			it.CreatedAt.UnixNano(), it.CreatedBy, it.UpdatedAt.UnixNano(), it.UpdatedBy)
		if err != nil {
			return fmt.Errorf("content: saving %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("content: %w", err)
	}
	return nil
}

// ItemsFromCollection turns the valid specs of a loaded collection into items, reading each
// spec's text and the file its Filename names from fsys (the tree or archive that was
// loaded). It fails when the collection has invalid specs.
func ItemsFromCollection(col *analysis.Collection, fsys fs.FS) ([]*Item, error) {
	if len(col.Invalid) > 0 {
		return nil, &ValidationError{Issues: collectionIssues(col)}
	}
	return validItems(col, fsys)
}

// validItems is ItemsFromCollection ignoring the invalid specs.
func validItems(col *analysis.Collection, fsys fs.FS) ([]*Item, error) {
	var out []*Item
	for _, spec := range col.Specs {
		h := spec.Meta()
		if strings.HasPrefix(h.File, "../") {
			return nil, fmt.Errorf("%s: specs outside the loaded tree cannot be stored", h.File)
		}
		data, err := fs.ReadFile(fsys, h.File)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", h.File, err)
		}
		it := &Item{Type: h.Type, ID: h.ID, SpecName: path.Base(h.File), Spec: data}
		if fn, ok := h.Raw["Filename"].(string); ok && fn != "" {
			p := path.Join(path.Dir(h.File), fn)
			att, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, fmt.Errorf("reading %s (the Filename of %s): %w", p, h.File, err)
			}
			it.AttachName, it.Attach = fn, att
		}
		out = append(out, it)
	}
	return out, nil
}

// collectionIssues lists every problem of a collection's invalid specs.
func collectionIssues(col *analysis.Collection) []Issue {
	var out []Issue
	for _, inv := range col.Invalid {
		for _, p := range inv.Problems {
			out = append(out, Issue{ItemID: inv.ID, File: inv.File, Problem: p})
		}
	}
	return out
}

// Get returns the item with an ID.
func (s *Store) Get(ctx context.Context, id string) (*Item, error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	it, ok := snap.Item(id)
	if !ok {
		return nil, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	return it, nil
}

// DB is the state database the store keeps its rows in.
func (s *Store) DB() *sql.DB { return s.db }
