// Package store keeps destination configs in SQL (SQLite through
// modernc.org/sqlite by default): add, list, get, update and remove.
//
// Secret config fields, as marked by the destination type's field specs,
// are sealed with secretbox, bound to the destination id and field name;
// the other fields are stored as plain JSON. Reading for display (Get,
// List) redacts secrets to "****" plus at most their last four characters;
// reading for sending (Reveal, RevealAll) decrypts them. An update that
// sends back a redacted value keeps the stored secret.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/secretbox"
)

// Destination is one configured destination.
type Destination struct {
	// ID is a UUID assigned by Add.
	ID string `json:"id"`
	// DisplayName is unique among destinations.
	DisplayName string `json:"displayName"`
	// Type is a destination type of the registry ("slack", ...).
	Type string `json:"type"`
	// Config is the JSON config of the type; secrets are redacted or
	// revealed depending on how it was read.
	Config json.RawMessage `json:"config"`
	// DefaultForSeverity lists the severities this destination receives
	// when a detection names no destinations.
	DefaultForSeverity []string `json:"defaultForSeverity"`
	// AlertTypes limits the default path to these alert types (empty: all).
	AlertTypes []string `json:"alertTypes"`
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Types looks destination types up; *notify.Registry implements it.
type Types interface {
	Lookup(destType string) (notify.Type, error)
}

// ErrNotFound is returned for an unknown destination id.
var ErrNotFound = errors.New("destination not found")

// ValidationError lists what is wrong with a destination, one field per
// error ("displayName: required", "slack: webhookURL: required").
type ValidationError struct {
	Errs []error
}

// Error returns one line per problem.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems.
func (e *ValidationError) Unwrap() []error { return e.Errs }

// Options are the store's injectable dependencies.
type Options struct {
	// Now is the clock of CreatedAt and UpdatedAt (default time.Now).
	Now func() time.Time
	// NewID makes destination ids (default random UUIDs).
	NewID func() string
}

// Store reads and writes destinations in one database.
type Store struct {
	db    *sql.DB
	box   *secretbox.Box
	types Types
	now   func() time.Time
	newID func() string
}

const schema = `CREATE TABLE IF NOT EXISTS notify_destinations (
	id                   TEXT PRIMARY KEY,
	display_name         TEXT NOT NULL UNIQUE,
	type                 TEXT NOT NULL,
	config               TEXT NOT NULL,
	default_for_severity TEXT NOT NULL,
	alert_types          TEXT NOT NULL,
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL
)`

// New creates the store's table in db if needed and returns the store.
func New(ctx context.Context, db *sql.DB, box *secretbox.Box, types Types, opts Options) (*Store, error) {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("create destinations table: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = func() string { return uuid.NewString() }
	}
	return &Store{db: db, box: box, types: types, now: opts.Now, newID: opts.NewID}, nil
}

// Add validates d, assigns its id and times, stores it with its secrets
// sealed and returns it redacted.
func (s *Store) Add(ctx context.Context, d Destination) (Destination, error) {
	d.ID = s.newID()
	now := s.now().UTC()
	d.CreatedAt, d.UpdatedAt = now, now
	typ, plain, err := s.validate(ctx, &d, nil)
	if err != nil {
		return Destination{}, err
	}
	stored, err := s.seal(d.ID, typ, plain)
	if err != nil {
		return Destination{}, err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO notify_destinations
		(id, display_name, type, config, default_for_severity, alert_types, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.DisplayName, d.Type, string(stored), listJSON(d.DefaultForSeverity), listJSON(d.AlertTypes),
		formatTime(d.CreatedAt), formatTime(d.UpdatedAt))
	if err != nil {
		return Destination{}, fmt.Errorf("add destination %q: %w", d.DisplayName, err)
	}
	return s.redacted(d, typ, plain)
}

// Update replaces the destination with d.ID. Secret fields that are
// missing or equal to their redacted form keep their stored value, unless
// the type changes; so do those sent as the bare "****".
func (s *Store) Update(ctx context.Context, d Destination) (Destination, error) {
	old, err := s.Reveal(ctx, d.ID)
	if err != nil {
		return Destination{}, err
	}
	d.CreatedAt, d.UpdatedAt = old.CreatedAt, s.now().UTC()
	var previous *Destination
	if old.Type == d.Type {
		previous = &old
	}
	typ, plain, err := s.validate(ctx, &d, previous)
	if err != nil {
		return Destination{}, err
	}
	stored, err := s.seal(d.ID, typ, plain)
	if err != nil {
		return Destination{}, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE notify_destinations
		SET display_name = ?, type = ?, config = ?, default_for_severity = ?, alert_types = ?, updated_at = ?
		WHERE id = ?`,
		d.DisplayName, d.Type, string(stored), listJSON(d.DefaultForSeverity), listJSON(d.AlertTypes), formatTime(d.UpdatedAt), d.ID)
	if err != nil {
		return Destination{}, fmt.Errorf("update destination %s: %w", d.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Destination{}, fmt.Errorf("update destination %s: %w", d.ID, ErrNotFound)
	}
	return s.redacted(d, typ, plain)
}

// Remove deletes the destination with id.
func (s *Store) Remove(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM notify_destinations WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("remove destination %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("remove destination %s: %w", id, ErrNotFound)
	}
	return nil
}

// Get returns the destination with id, secrets redacted.
func (s *Store) Get(ctx context.Context, id string) (Destination, error) {
	return s.getOne(ctx, id, false)
}

// Reveal returns the destination with id, secrets decrypted: for sending
// only, never for display.
func (s *Store) Reveal(ctx context.Context, id string) (Destination, error) {
	return s.getOne(ctx, id, true)
}

// List returns every destination by display name, secrets redacted.
func (s *Store) List(ctx context.Context) ([]Destination, error) { return s.list(ctx, false) }

// RevealAll returns every destination by display name, secrets decrypted:
// for the delivery side only.
func (s *Store) RevealAll(ctx context.Context) ([]Destination, error) { return s.list(ctx, true) }

const selectColumns = `SELECT id, display_name, type, config, default_for_severity, alert_types, created_at, updated_at
	FROM notify_destinations`

func (s *Store) getOne(ctx context.Context, id string, reveal bool) (Destination, error) {
	row := s.db.QueryRowContext(ctx, selectColumns+` WHERE id = ?`, id)
	d, err := s.scan(row, reveal)
	if errors.Is(err, sql.ErrNoRows) {
		return Destination{}, fmt.Errorf("destination %s: %w", id, ErrNotFound)
	}
	return d, err
}

func (s *Store) list(ctx context.Context, reveal bool) ([]Destination, error) {
	rows, err := s.db.QueryContext(ctx, selectColumns+` ORDER BY display_name, id`)
	if err != nil {
		return nil, fmt.Errorf("list destinations: %w", err)
	}
	defer rows.Close()
	out := []Destination{}
	for rows.Next() {
		d, err := s.scan(rows, reveal)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list destinations: %w", err)
	}
	return out, nil
}

func (s *Store) scan(row interface{ Scan(...any) error }, reveal bool) (Destination, error) {
	var d Destination
	var config, sev, types, created, updated string
	if err := row.Scan(&d.ID, &d.DisplayName, &d.Type, &config, &sev, &types, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return d, err
		}
		return d, fmt.Errorf("read destination: %w", err)
	}
	var err error
	if d.CreatedAt, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return d, fmt.Errorf("destination %s: created_at: %w", d.ID, err)
	}
	if d.UpdatedAt, err = time.Parse(time.RFC3339Nano, updated); err != nil {
		return d, fmt.Errorf("destination %s: updated_at: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(sev), &d.DefaultForSeverity); err != nil {
		return d, fmt.Errorf("destination %s: default_for_severity: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(types), &d.AlertTypes); err != nil {
		return d, fmt.Errorf("destination %s: alert_types: %w", d.ID, err)
	}
	typ, err := s.types.Lookup(d.Type)
	if err != nil {
		return d, fmt.Errorf("destination %s: %w", d.ID, err)
	}
	plain, err := s.open(d.ID, typ, []byte(config))
	if err != nil {
		return d, err
	}
	if reveal {
		d.Config, err = json.Marshal(plain)
		if err != nil {
			return d, fmt.Errorf("destination %s: %w", d.ID, err)
		}
		return d, nil
	}
	return s.redacted(d, typ, plain)
}

// validate checks d (and merges kept secrets from previous) and returns the
// type and the plaintext config as an object of raw values.
func (s *Store) validate(ctx context.Context, d *Destination, previous *Destination) (notify.Type, map[string]json.RawMessage, error) {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, &notify.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	d.DisplayName = strings.TrimSpace(d.DisplayName)
	if d.DisplayName == "" {
		fail("displayName", "required")
	}
	d.DefaultForSeverity = normalizeList(d.DefaultForSeverity, notify.Severities)
	for i, sev := range d.DefaultForSeverity {
		if !notify.ValidSeverity(sev) {
			fail(fmt.Sprintf("defaultForSeverity.%d", i), "must be one of %s, got %q", strings.Join(notify.Severities, ", "), sev)
		}
	}
	d.AlertTypes = normalizeList(d.AlertTypes, notify.AlertTypes)
	for i, t := range d.AlertTypes {
		if !notify.ValidAlertType(t) {
			fail(fmt.Sprintf("alertTypes.%d", i), "must be one of %s, got %q", strings.Join(notify.AlertTypes, ", "), t)
		}
	}
	typ, err := s.types.Lookup(d.Type)
	if err != nil {
		errs = append(errs, &notify.FieldError{Field: "type", Msg: err.Error()})
		return typ, nil, &ValidationError{Errs: errs}
	}
	plain, err := configObject(d.Config)
	if err != nil {
		errs = append(errs, err)
		return typ, nil, &ValidationError{Errs: errs}
	}
	if previous != nil {
		kept, err := s.keepSecrets(typ, plain, previous.Config)
		if err != nil {
			return typ, nil, err
		}
		plain = kept
	}
	raw, err := json.Marshal(plain)
	if err != nil {
		return typ, nil, err
	}
	if err := typ.Validate(raw); err != nil {
		errs = append(errs, err)
	}
	if d.DisplayName != "" {
		var other string
		err := s.db.QueryRowContext(ctx, `SELECT id FROM notify_destinations WHERE display_name = ? AND id <> ?`, d.DisplayName, d.ID).Scan(&other)
		switch {
		case err == nil:
			fail("displayName", "a destination named %q already exists", d.DisplayName)
		case !errors.Is(err, sql.ErrNoRows):
			return typ, nil, fmt.Errorf("check display name: %w", err)
		}
	}
	if len(errs) > 0 {
		return typ, nil, &ValidationError{Errs: errs}
	}
	return typ, plain, nil
}

func configObject(raw json.RawMessage) (map[string]json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return obj, nil
	}
	if err := json.Unmarshal(trimmed, &obj); err != nil || obj == nil {
		return nil, &notify.FieldError{Field: "config", Msg: "must be a JSON object"}
	}
	return obj, nil
}

// keepSecrets returns plain with each secret field that is missing, or
// equal to the redacted form of the stored value or to the bare Mask,
// replaced by the stored value. For maps of secrets this is done key by
// key.
func (s *Store) keepSecrets(typ notify.Type, plain map[string]json.RawMessage, storedConfig json.RawMessage) (map[string]json.RawMessage, error) {
	stored := map[string]json.RawMessage{}
	if err := json.Unmarshal(storedConfig, &stored); err != nil {
		return nil, fmt.Errorf("stored config: %w", err)
	}
	out := make(map[string]json.RawMessage, len(plain))
	for k, v := range plain {
		out[k] = v
	}
	for _, name := range typ.SecretFields() {
		old, hadOld := stored[name]
		if !hadOld {
			continue
		}
		incoming, present := plain[name]
		if !present {
			out[name] = old
			continue
		}
		var oldStr, newStr string
		if json.Unmarshal(old, &oldStr) == nil && json.Unmarshal(incoming, &newStr) == nil {
			if isRedactionOf(newStr, oldStr) {
				out[name] = old
			}
			continue
		}
		var oldMap, newMap map[string]string
		if json.Unmarshal(old, &oldMap) == nil && json.Unmarshal(incoming, &newMap) == nil && newMap != nil {
			for k, v := range newMap {
				if prev, ok := oldMap[k]; ok && isRedactionOf(v, prev) {
					newMap[k] = prev
				}
			}
			merged, err := json.Marshal(newMap)
			if err != nil {
				return nil, err
			}
			out[name] = merged
		}
	}
	return out, nil
}

// aad binds a sealed value to its destination and field.
func aad(id, field string) []byte { return []byte("notify-destination\x00" + id + "\x00" + field) }

// seal returns the stored config: plain fields as they are, each secret
// field's JSON value sealed into a string.
func (s *Store) seal(id string, typ notify.Type, plain map[string]json.RawMessage) ([]byte, error) {
	out := make(map[string]json.RawMessage, len(plain))
	for k, v := range plain {
		out[k] = v
	}
	for _, name := range typ.SecretFields() {
		v, ok := plain[name]
		if !ok || isEmptyJSON(v) {
			continue
		}
		sealed, err := json.Marshal(s.box.SealFor(v, aad(id, name)))
		if err != nil {
			return nil, err
		}
		out[name] = sealed
	}
	return json.Marshal(out)
}

// open reverses seal.
func (s *Store) open(id string, typ notify.Type, stored []byte) (map[string]json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if err := json.Unmarshal(stored, &obj); err != nil {
		return nil, fmt.Errorf("destination %s: stored config: %w", id, err)
	}
	for _, name := range typ.SecretFields() {
		v, ok := obj[name]
		if !ok || isEmptyJSON(v) {
			continue
		}
		var sealed string
		if err := json.Unmarshal(v, &sealed); err != nil || !secretbox.IsSealed(sealed) {
			return nil, fmt.Errorf("destination %s: config field %s is stored unencrypted", id, name)
		}
		pt, err := s.box.OpenFor(sealed, aad(id, name))
		if err != nil {
			return nil, fmt.Errorf("destination %s: config field %s: %w", id, name, err)
		}
		obj[name] = pt
	}
	return obj, nil
}

// redacted returns d with the plaintext config plain, secrets redacted.
func (s *Store) redacted(d Destination, typ notify.Type, plain map[string]json.RawMessage) (Destination, error) {
	out := make(map[string]json.RawMessage, len(plain))
	for k, v := range plain {
		out[k] = v
	}
	for _, name := range typ.SecretFields() {
		v, ok := plain[name]
		if !ok || isEmptyJSON(v) {
			continue
		}
		out[name] = redactValue(v)
	}
	cfg, err := json.Marshal(out)
	if err != nil {
		return d, err
	}
	d.Config = cfg
	if d.DefaultForSeverity == nil {
		d.DefaultForSeverity = []string{}
	}
	if d.AlertTypes == nil {
		d.AlertTypes = []string{}
	}
	return d, nil
}

// Mask starts every redacted value.
const Mask = "****"

// redactString shows at most the last four characters of a secret, and
// only of secrets long enough (16 bytes or more) that four characters do
// not give much away.
func redactString(s string) string {
	r := []rune(s)
	if len(s) < 16 || len(r) < 16 {
		return Mask
	}
	return Mask + string(r[len(r)-4:])
}

// isRedactionOf reports whether v is what a client sends back for the
// secret stored: its redacted form or the bare Mask.
func isRedactionOf(v, stored string) bool {
	return v == Mask || v == redactString(stored)
}

func redactValue(v json.RawMessage) json.RawMessage {
	var str string
	if json.Unmarshal(v, &str) == nil {
		out, _ := json.Marshal(redactString(str))
		return out
	}
	var m map[string]string
	if json.Unmarshal(v, &m) == nil && m != nil {
		for k, val := range m {
			m[k] = redactString(val)
		}
		out, _ := json.Marshal(m)
		return out
	}
	out, _ := json.Marshal(Mask)
	return out
}

func isEmptyJSON(v json.RawMessage) bool {
	t := string(bytes.TrimSpace(v))
	return t == "" || t == "null" || t == `""`
}

// normalizeList trims, upper-cases and de-duplicates a list and sorts it
// in the order of known (unknown values last).
func normalizeList(in, known []string) []string {
	out := []string{}
	for _, v := range in {
		v = strings.ToUpper(strings.TrimSpace(v))
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	rank := func(v string) int {
		if i := slices.Index(known, v); i >= 0 {
			return i
		}
		return len(known)
	}
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

func listJSON(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
