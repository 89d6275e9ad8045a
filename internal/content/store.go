// Package content is the content the API edits and the server runs: detection content
// (rules, scheduled rules, correlation rules, policies, global helpers, data models, packs,
// saved and scheduled queries, lookup tables) and custom log schemas.
//
// Detection content lives in the state database, one row per spec: its YAML text, the file it
// names (the Python module, or a lookup table's data), a version, and who created and last
// changed it. The rows are loaded with internal/analysis from an in-memory archive laid out
// like a panther-analysis checkout, so every spec gets exactly the checks and messages of
// `panther test` and panther_analysis_tool. Every change bumps one counter, Version, which a
// running server polls to reload within a second or two; `panther detections upload` on the
// same data dir goes through the same store.
//
// A change is refused when it would add a problem the loader reports: a changed spec that
// does not validate, or a deletion that breaks another spec (a pack naming a deleted rule).
// Problems that were there before (content imported from an old data dir) do not block
// unrelated changes.
package content

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
)

// ErrNotFound is returned for an ID no item has.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when an item changed since the caller read it.
var ErrConflict = errors.New("changed since it was read")

// Item is one stored spec.
type Item struct {
	Type analysis.AnalysisType
	ID   string
	// SpecName is the spec's file name ("aws_root_login.yml"); Spec its text.
	SpecName string
	Spec     []byte
	// AttachName is the file the spec's Filename key names (a Python module, a lookup table's
	// data), relative to the spec; Attach its content. Both empty when there is none.
	AttachName string
	Attach     []byte
	// Version starts at 1 and grows with every change of the item.
	Version   int
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
}

// same reports whether two items have the same content.
func (it *Item) same(o *Item) bool {
	return it.Type == o.Type && it.SpecName == o.SpecName && bytes.Equal(it.Spec, o.Spec) &&
		it.AttachName == o.AttachName && bytes.Equal(it.Attach, o.Attach)
}

// Options configure a Store.
type Options struct {
	// LegacyDir is the directory of content uploaded by older versions
	// (<data-dir>/detections); it is imported once into an empty store.
	LegacyDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store is the detection content store.
type Store struct {
	db   *sql.DB
	opts Options

	mu     sync.Mutex
	cached *Snapshot

	// owner identifies this process's background jobs; jobs tracks them.
	owner string
	jobs  sync.WaitGroup
}

const storeSchema = `
CREATE TABLE IF NOT EXISTS content_items (
	id          TEXT PRIMARY KEY,
	type        TEXT NOT NULL,
	spec_name   TEXT NOT NULL,
	spec        BLOB NOT NULL,
	attach_name TEXT NOT NULL DEFAULT '',
	attach      BLOB,
	version     INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	created_by  TEXT NOT NULL DEFAULT '',
	updated_at  INTEGER NOT NULL,
	updated_by  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS content_meta (
	k TEXT PRIMARY KEY,
	v INTEGER NOT NULL
);
INSERT OR IGNORE INTO content_meta (k, v) VALUES ('version', 0);
CREATE TABLE IF NOT EXISTS content_uploads (
	receipt    TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	mode       TEXT NOT NULL,
	status     TEXT NOT NULL,
	error      TEXT NOT NULL DEFAULT '',
	result     TEXT NOT NULL DEFAULT '',
	actor      TEXT NOT NULL DEFAULT '',
	owner      TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
`

// Open opens the store in the state database db, creating its tables, and imports the
// legacy directory into an empty store.
func Open(ctx context.Context, db *sql.DB, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if _, err := db.ExecContext(ctx, storeSchema); err != nil {
		return nil, fmt.Errorf("content: creating tables: %w", err)
	}
	s := &Store{db: db, opts: opts, owner: newReceiptID()}
	if err := s.importLegacy(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// importLegacy imports <data-dir>/detections once, when the store has never held anything.
func (s *Store) importLegacy(ctx context.Context) error {
	if s.opts.LegacyDir == "" {
		return nil
	}
	var imported int
	err := s.db.QueryRowContext(ctx, `SELECT v FROM content_meta WHERE k='legacy_imported'`).Scan(&imported)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var v int64
	if err := s.db.QueryRowContext(ctx, `SELECT v FROM content_meta WHERE k='version'`).Scan(&v); err != nil {
		return fmt.Errorf("content: %w", err)
	}
	mark := func() error {
		_, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO content_meta (k, v) VALUES ('legacy_imported', 1)`)
		return err
	}
	if _, err := os.Stat(s.opts.LegacyDir); v > 0 || errors.Is(err, fs.ErrNotExist) {
		return mark()
	}
	col, err := analysis.Load(s.opts.LegacyDir, analysis.Options{})
	if err != nil {
		return fmt.Errorf("content: importing %s: %w", s.opts.LegacyDir, err)
	}
	// Content that no longer validates is left behind rather than keeping the server from
	// starting; `panther detections list` shows what was imported.
	items, err := validItems(col, os.DirFS(s.opts.LegacyDir))
	if err != nil {
		return fmt.Errorf("content: importing %s: %w", s.opts.LegacyDir, err)
	}
	if _, err := s.Apply(ctx, Change{Put: items, ReplaceAll: true}, "system"); err != nil {
		return fmt.Errorf("content: importing %s: %w", s.opts.LegacyDir, err)
	}
	return mark()
}

// Version is the content's version: it changes with every change. It is cheap, for polling.
func (s *Store) Version(ctx context.Context) (string, error) {
	v, err := s.version(ctx, s.db)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(v, 10), nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) version(ctx context.Context, q queryer) (int64, error) {
	var v int64
	if err := q.QueryRowContext(ctx, `SELECT v FROM content_meta WHERE k='version'`).Scan(&v); err != nil {
		return 0, fmt.Errorf("content: reading the version: %w", err)
	}
	return v, nil
}

// Load returns the content as internal/analysis loads it (the runtime's DetectionContent).
func (s *Store) Load(ctx context.Context) (*analysis.Collection, error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return snap.Collection, nil
}

// Snapshot is the content at one version: the items and their loaded collection.
type Snapshot struct {
	Version    int64
	Items      []*Item
	Collection *analysis.Collection

	byID   map[string]*Item
	byFile map[string]*Item
}

// Item returns the item with an ID.
func (sn *Snapshot) Item(id string) (*Item, bool) {
	it, ok := sn.byID[id]
	return it, ok
}

// ItemOfFile returns the item whose spec is at a path of the collection (Header.File,
// Problem.File).
func (sn *Snapshot) ItemOfFile(file string) (*Item, bool) {
	it, ok := sn.byFile[file]
	return it, ok
}

// Problems returns the problems of an item's spec (empty when it loads).
func (sn *Snapshot) Problems(id string) []analysis.Problem {
	var out []analysis.Problem
	for _, inv := range sn.Collection.Invalid {
		if it, ok := sn.byFile[inv.File]; ok && it.ID == id {
			out = append(out, inv.Problems...)
		}
	}
	return out
}

// Detection returns the loaded detection with an ID.
func (sn *Snapshot) Detection(id string) (*analysis.Detection, bool) {
	s, ok := sn.Collection.ByID(id)
	if !ok {
		return nil, false
	}
	d, ok := s.(*analysis.Detection)
	return d, ok
}

// Snapshot returns the current content, loading it when it changed since the last call.
func (s *Store) Snapshot(ctx context.Context) (*Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.version(ctx, s.db)
	if err != nil {
		return nil, err
	}
	if s.cached != nil && s.cached.Version == v {
		return s.cached, nil
	}
	items, v2, err := s.readAll(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := newSnapshot(v2, items)
	if err != nil {
		return nil, err
	}
	s.cached = snap
	return snap, nil
}

// readAll reads every item and the version in one transaction.
func (s *Store) readAll(ctx context.Context) ([]*Item, int64, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("content: %w", err)
	}
	defer tx.Rollback()
	v, err := s.version(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	items, err := readItems(ctx, tx)
	return items, v, err
}

func readItems(ctx context.Context, q queryer) ([]*Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, type, spec_name, spec, attach_name, attach, version, created_at, created_by, updated_at, updated_by FROM content_items ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("content: reading items: %w", err)
	}
	defer rows.Close()
	var out []*Item
	for rows.Next() {
		it := &Item{}
		var typ string
		var created, updated int64
		if err := rows.Scan(&it.ID, &typ, &it.SpecName, &it.Spec, &it.AttachName, &it.Attach, &it.Version, &created, &it.CreatedBy, &updated, &it.UpdatedBy); err != nil {
			return nil, fmt.Errorf("content: reading items: %w", err)
		}
		it.Type = analysis.AnalysisType(typ)
		it.CreatedAt = time.Unix(0, created).UTC()
		it.UpdatedAt = time.Unix(0, updated).UTC()
		out = append(out, it)
	}
	return out, rows.Err()
}

// typeDirs are the directories of the in-memory archive, as in a panther-analysis checkout.
var typeDirs = map[analysis.AnalysisType]string{
	analysis.TypeRule:            "rules",
	analysis.TypeScheduledRule:   "rules",
	analysis.TypeCorrelationRule: "correlation_rules",
	analysis.TypePolicy:          "policies",
	analysis.TypeGlobal:          "global_helpers",
	analysis.TypeDataModel:       "data_models",
	analysis.TypePack:            "packs",
	analysis.TypeSavedQuery:      "queries",
	analysis.TypeScheduledQuery:  "queries",
	analysis.TypeLookupTable:     "lookup_tables",
	analysis.TypeScheduledPrompt: "scheduled_prompts",
}

// itemDir is the directory of an item in the archive: its type's directory and its ID made
// safe as a path element.
func itemDir(it *Item) string {
	dir := typeDirs[it.Type]
	if dir == "" {
		dir = "other"
	}
	return dir + "/" + safeName(it.ID)
}

func safeName(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 || strings.Trim(b.String(), ".") == "" {
		return "_"
	}
	return b.String()
}

// newSnapshot lays the items out as an archive and loads it.
func newSnapshot(v int64, items []*Item) (*Snapshot, error) {
	sn := &Snapshot{Version: v, Items: items, byID: map[string]*Item{}, byFile: map[string]*Item{}}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	used := map[string]bool{}
	for _, it := range items {
		sn.byID[it.ID] = it
		dir := itemDir(it)
		for n := 2; used[dir]; n++ {
			dir = itemDir(it) + "_" + strconv.Itoa(n)
		}
		used[dir] = true
		specPath := dir + "/" + it.SpecName
		sn.byFile[specPath] = it
		if err := writeZip(zw, specPath, it.Spec); err != nil {
			return nil, err
		}
		if it.AttachName != "" {
			p := path.Join(dir, it.AttachName)
			if !strings.HasPrefix(p, dir+"/") {
				continue // the loader reports the Filename leaving the archive
			}
			if err := writeZip(zw, p, it.Attach); err != nil {
				return nil, err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	col, err := analysis.LoadZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), analysis.Options{})
	if err != nil {
		return nil, fmt.Errorf("content: loading: %w", err)
	}
	sn.Collection = col
	return sn, nil
}

func writeZip(zw *zip.Writer, name string, data []byte) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		return fmt.Errorf("content: %w", err)
	}
	_, err = w.Write(data)
	return err
}

// Export writes the content to dir as a panther-analysis tree (one directory per spec), so
// that `panther test DIR` tests exactly what the server runs.
func (s *Store) Export(ctx context.Context, dir string) error {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return err
	}
	for file, it := range snap.byFile {
		specDir := filepath.Join(dir, filepath.FromSlash(path.Dir(file)))
		if err := os.MkdirAll(specDir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(file)), it.Spec, 0o644); err != nil {
			return err
		}
		if it.AttachName != "" && fs.ValidPath(it.AttachName) {
			p := filepath.Join(specDir, filepath.FromSlash(it.AttachName))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, it.Attach, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// sortItems orders items by ID.
func sortItems(items []*Item) {
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
}
