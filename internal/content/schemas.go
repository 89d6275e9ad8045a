package content

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// CustomPrefix starts the name of every custom log type.
const CustomPrefix = "Custom."

// Schema is a custom log schema.
type Schema struct {
	Name         string
	Description  string
	ReferenceURL string
	// Spec is the schema document (YAML) as written.
	Spec string
	// Revision starts at 1 and grows with every change; updates must name the current one.
	Revision       int
	Archived       bool
	FieldDiscovery bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
	CreatedBy      string
	UpdatedBy      string
}

// SchemaInput is a create or update of a custom schema.
type SchemaInput struct {
	Name, Spec, Description, ReferenceURL string
	// Revision is 0 to create, else the revision the caller read.
	Revision       int
	FieldDiscovery bool
}

// ErrInvalidUpdate refuses an update that removes a field or changes a field's type (events
// already in the lake would no longer fit the table).
var ErrInvalidUpdate = errors.New("invalid schema update")

// Schemas keeps custom log schemas: rows in the state database, and one file per active schema
// in the schemas directory of the data dir, which the parsing side loads (`panther ingest`,
// and the server's reload).
type Schemas struct {
	db  *sql.DB
	dir string
	now func() time.Time
}

const schemasSchema = `
CREATE TABLE IF NOT EXISTS custom_schemas (
	name            TEXT PRIMARY KEY,
	description     TEXT NOT NULL DEFAULT '',
	reference_url   TEXT NOT NULL DEFAULT '',
	spec            TEXT NOT NULL,
	revision        INTEGER NOT NULL,
	archived        INTEGER NOT NULL DEFAULT 0,
	field_discovery INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	created_by      TEXT NOT NULL DEFAULT '',
	updated_by      TEXT NOT NULL DEFAULT ''
);
`

// OpenSchemas opens the custom schema store; dir is <data-dir>/schemas. Schema files in dir
// that the store does not know (written by hand, or by older versions) are adopted at
// revision 1.
func OpenSchemas(ctx context.Context, db *sql.DB, dir string, now func() time.Time) (*Schemas, error) {
	if now == nil {
		now = time.Now
	}
	if _, err := db.ExecContext(ctx, schemasSchema); err != nil {
		return nil, fmt.Errorf("schemas: creating tables: %w", err)
	}
	s := &Schemas{db: db, dir: dir, now: now}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yml") || strings.HasSuffix(e.Name(), ".yaml")) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		sch, err := logschema.Parse(e.Name(), data)
		if err != nil {
			continue // `panther schemas list` reports it
		}
		// The file takes the name the store gives it, so that a later update does not leave
		// two files defining the same type.
		if canonical := s.fileName(sch.Name); filepath.Join(dir, e.Name()) != canonical {
			if _, err := os.Stat(canonical); err == nil {
				continue
			}
			if err := os.Rename(filepath.Join(dir, e.Name()), canonical); err != nil {
				return nil, fmt.Errorf("schemas: %w", err)
			}
		}
		t := now().UTC().UnixNano()
		if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO custom_schemas (name, description, reference_url, spec, revision, created_at, updated_at, created_by, updated_by)
			VALUES (?, ?, ?, ?, 1, ?, ?, 'system', 'system')`, sch.Name, sch.Description, sch.ReferenceURL, string(data), t, t); err != nil {
			return nil, fmt.Errorf("schemas: %w", err)
		}
	}
	return s, nil
}

// Dir is the directory of the active schema files.
func (s *Schemas) Dir() string { return s.dir }

// List returns the custom schemas, sorted by name.
func (s *Schemas) List(ctx context.Context) ([]Schema, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+schemaCols+` FROM custom_schemas ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	defer rows.Close()
	var out []Schema
	for rows.Next() {
		sc, err := scanSchema(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// Get returns one custom schema.
func (s *Schemas) Get(ctx context.Context, name string) (Schema, error) {
	sc, err := scanSchema(s.db.QueryRowContext(ctx, `SELECT `+schemaCols+` FROM custom_schemas WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Schema{}, fmt.Errorf("schema %s: %w", name, ErrNotFound)
	}
	return sc, err
}

const schemaCols = `name, description, reference_url, spec, revision, archived, field_discovery, created_at, updated_at, created_by, updated_by`

func scanSchema(row interface{ Scan(...any) error }) (Schema, error) {
	var sc Schema
	var archived, fd int
	var created, updated int64
	if err := row.Scan(&sc.Name, &sc.Description, &sc.ReferenceURL, &sc.Spec, &sc.Revision, &archived, &fd, &created, &updated, &sc.CreatedBy, &sc.UpdatedBy); err != nil {
		return Schema{}, err
	}
	sc.Archived, sc.FieldDiscovery = archived != 0, fd != 0
	sc.CreatedAt, sc.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return sc, nil
}

// Check parses and compiles a schema document for a custom log type name, with the
// messages of `panther schemas test`.
func Check(name, spec string) (*logtypes.LogType, error) {
	if !strings.HasPrefix(name, CustomPrefix) {
		return nil, fmt.Errorf("the name %q must start with %q", name, CustomPrefix)
	}
	sch, err := logschema.Parse(name, []byte(spec))
	if err != nil {
		return nil, err
	}
	if sch.Name != name {
		return nil, fmt.Errorf("the spec's schema key is %q; it must be the schema's name %q", sch.Name, name)
	}
	return logtypes.Build(sch)
}

// Put creates a custom schema (in.Revision 0) or updates one (in.Revision is the current
// revision). An update may add fields and change descriptions; it may not remove a field or
// change a field's type.
func (s *Schemas) Put(ctx context.Context, in SchemaInput, actor string) (Schema, error) {
	lt, err := Check(in.Name, in.Spec)
	if err != nil {
		return Schema{}, err
	}
	if in.Description == "" {
		in.Description = lt.Schema.Description
	}
	if in.ReferenceURL == "" {
		in.ReferenceURL = lt.Schema.ReferenceURL
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Schema{}, fmt.Errorf("schemas: %w", err)
	}
	defer tx.Rollback()
	old, err := scanSchema(tx.QueryRowContext(ctx, `SELECT `+schemaCols+` FROM custom_schemas WHERE name = ?`, in.Name))
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Schema{}, fmt.Errorf("schemas: %w", err)
	}
	now := s.now().UTC()
	switch {
	case !exists && in.Revision != 0:
		return Schema{}, fmt.Errorf("schema %s: %w (create it with revision 0)", in.Name, ErrNotFound)
	case exists && in.Revision == 0 && !old.Archived:
		return Schema{}, fmt.Errorf("schema %s: %w (update it with its current revision %d)", in.Name, ErrExists, old.Revision)
	case exists && in.Revision != 0 && in.Revision != old.Revision:
		return Schema{}, fmt.Errorf("schema %s: %w: its revision is %d, the update names %d (read it again)", in.Name, ErrConflict, old.Revision, in.Revision)
	}
	if exists {
		if err := compatible(old.Name, old.Spec, lt); err != nil {
			return Schema{}, err
		}
		_, err = tx.ExecContext(ctx, `UPDATE custom_schemas SET description=?, reference_url=?, spec=?, revision=revision+1, archived=0, field_discovery=?, updated_at=?, updated_by=? WHERE name=?`,
			in.Description, in.ReferenceURL, in.Spec, boolInt(in.FieldDiscovery), now.UnixNano(), actor, in.Name)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO custom_schemas (name, description, reference_url, spec, revision, field_discovery, created_at, updated_at, created_by, updated_by) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
			in.Name, in.Description, in.ReferenceURL, in.Spec, boolInt(in.FieldDiscovery), now.UnixNano(), now.UnixNano(), actor, actor)
	}
	if err != nil {
		return Schema{}, fmt.Errorf("schemas: %w", err)
	}
	if err := s.writeFile(in.Name, in.Spec); err != nil {
		return Schema{}, err
	}
	if err := tx.Commit(); err != nil {
		return Schema{}, fmt.Errorf("schemas: %w", err)
	}
	return s.Get(ctx, in.Name)
}

// SetArchived archives a custom schema (its events stop being parsed; its data stays
// queryable) or restores it.
func (s *Schemas) SetArchived(ctx context.Context, name string, archived bool, actor string) (Schema, error) {
	sc, err := s.Get(ctx, name)
	if err != nil {
		return Schema{}, err
	}
	if sc.Archived == archived {
		return sc, nil
	}
	if archived {
		err = s.removeFile(name)
	} else {
		err = s.writeFile(name, sc.Spec)
	}
	if err != nil {
		return Schema{}, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE custom_schemas SET archived=?, updated_at=?, updated_by=? WHERE name=?`,
		boolInt(archived), s.now().UTC().UnixNano(), actor, name); err != nil {
		return Schema{}, fmt.Errorf("schemas: %w", err)
	}
	return s.Get(ctx, name)
}

// compatible refuses an update that removes a field of the old schema or changes its type.
func compatible(name, oldSpec string, next *logtypes.LogType) error {
	old, err := Check(name, oldSpec)
	if err != nil {
		return nil // the stored one no longer compiles: anything that compiles is better
	}
	have := map[string]string{}
	next.Root.Walk(func(path string, f *logschema.Field) { have[path] = typeName(f.Type) })
	var problems []string
	old.Root.Walk(func(path string, f *logschema.Field) {
		nt, ok := have[path]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("field %s is removed", path))
		case nt != typeName(f.Type):
			problems = append(problems, fmt.Sprintf("field %s changes type from %s to %s", path, typeName(f.Type), nt))
		}
	})
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s (add new fields instead; existing events must still fit)", ErrInvalidUpdate, strings.Join(problems, "; "))
	}
	return nil
}

// typeName is a field's type without its nested fields (which are compared one by one).
func typeName(t *logschema.Type) string {
	switch t.Kind {
	case logschema.KindArray:
		return "array<" + typeName(t.Elem) + ">"
	}
	return t.Kind.String()
}

func (s *Schemas) fileName(name string) string {
	return filepath.Join(s.dir, logschema.TableName(name)+".yml")
}

// writeFile writes a schema file atomically.
func (s *Schemas) writeFile(name, spec string) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".schema-*")
	if err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(spec); err != nil {
		tmp.Close()
		return fmt.Errorf("schemas: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.fileName(name)); err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	return nil
}

func (s *Schemas) removeFile(name string) error {
	err := os.Remove(s.fileName(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
