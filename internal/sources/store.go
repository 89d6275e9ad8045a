package sources

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pantherlabs/panther/internal/secretbox"
)

// ErrNotFound is returned (wrapped) for an unknown source id or label.
var ErrNotFound = errors.New("source not found")

// ErrUnauthorized is returned by Authenticate for a wrong or missing credential.
var ErrUnauthorized = errors.New("wrong or missing credential")

// ValidationError lists what is wrong with a source config, one problem per error, each
// naming its field ("label: required", "settings: path: required").
type ValidationError struct {
	Errs []error
}

// Error returns the problems joined by "; ".
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns the problems.
func (e *ValidationError) Unwrap() []error { return e.Errs }

// Credentials are the secret a source was created with, shown once (Store.Add,
// Store.RotateCredential) and never stored in the clear.
type Credentials struct {
	// Token is the bearer token (auth "bearer") or the HMAC-SHA256 key (auth "hmac") of an
	// http source; empty for other kinds.
	Token string
}

// HTTP auth modes of the http kind's "auth" setting.
const (
	AuthBearer = "bearer"
	AuthHMAC   = "hmac"
)

// StoreOptions are the store's injectable dependencies.
type StoreOptions struct {
	// Now is the clock of CreatedAt, UpdatedAt and status times (default time.Now).
	Now func() time.Time
	// NewID makes source ids (default random UUIDs).
	NewID func() string
	// Rand is the randomness of credentials (default crypto/rand).
	Rand io.Reader
	// LogType, when set, checks a log type name and returns its canonical spelling; Add
	// rejects the names it refuses.
	LogType func(name string) (string, error)
}

// Store keeps sources and their status in the state database (tables sources,
// source_status, source_log_types, sources_version). It is safe for concurrent use, also by
// several processes on one database (the CLI while a server runs).
type Store struct {
	db      *sql.DB
	box     *secretbox.Box
	now     func() time.Time
	newID   func() string
	rand    io.Reader
	logType func(string) (string, error)
}

const storeSchema = `
CREATE TABLE IF NOT EXISTS sources (
	id          TEXT PRIMARY KEY,
	label       TEXT NOT NULL UNIQUE COLLATE NOCASE,
	type        TEXT NOT NULL,
	log_types   TEXT NOT NULL,
	enabled     INTEGER NOT NULL,
	settings    TEXT NOT NULL,
	credential  TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS source_status (
	source_id      TEXT PRIMARY KEY,
	events         INTEGER NOT NULL DEFAULT 0,
	bytes          INTEGER NOT NULL DEFAULT 0,
	quarantined    INTEGER NOT NULL DEFAULT 0,
	last_event_at  TEXT NOT NULL DEFAULT '',
	last_error     TEXT NOT NULL DEFAULT '',
	last_error_at  TEXT NOT NULL DEFAULT '',
	updated_at     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS source_log_types (
	source_id      TEXT NOT NULL,
	log_type       TEXT NOT NULL,
	events         INTEGER NOT NULL DEFAULT 0,
	bytes          INTEGER NOT NULL DEFAULT 0,
	quarantined    INTEGER NOT NULL DEFAULT 0,
	last_event_at  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (source_id, log_type)
);
CREATE TABLE IF NOT EXISTS sources_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL
);
INSERT OR IGNORE INTO sources_version (id, version) VALUES (1, 0);
`

// OpenStore creates the store's tables in db if needed and returns the store. box seals the
// HMAC keys of http sources.
func OpenStore(ctx context.Context, db *sql.DB, box *secretbox.Box, opts StoreOptions) (*Store, error) {
	if _, err := db.ExecContext(ctx, storeSchema); err != nil {
		return nil, fmt.Errorf("sources: create tables: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = uuid.NewString
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	return &Store{db: db, box: box, now: opts.Now, newID: opts.NewID, rand: opts.Rand, logType: opts.LogType}, nil
}

// DB returns the database the store works on.
func (s *Store) DB() *sql.DB { return s.db }

// Add validates c, assigns its id and times, stores it and returns it with the credentials
// of an http source (shown to the user once: only a hash or a sealed copy is kept). The
// caller sets Enabled; a new source is usually enabled.
func (s *Store) Add(ctx context.Context, c Config) (Config, Credentials, error) {
	c.ID = s.newID()
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	if err := s.validate(&c); err != nil {
		return Config{}, Credentials{}, err
	}
	creds, stored, err := s.newCredential(c)
	if err != nil {
		return Config{}, Credentials{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sources
			(id, label, type, log_types, enabled, settings, credential, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Label, c.Type, listJSON(c.LogTypes), boolInt(c.Enabled), string(c.Settings), stored,
			formatTime(c.CreatedAt), formatTime(c.UpdatedAt))
		return err
	})
	if err != nil {
		return Config{}, Credentials{}, writeError("add", c.Label, err)
	}
	return c, creds, nil
}

// Update replaces the label, log types, enabled flag and settings of source c.ID (the type
// and credential stay).
func (s *Store) Update(ctx context.Context, c Config) (Config, error) {
	old, err := s.Get(ctx, c.ID)
	if err != nil {
		return Config{}, err
	}
	if c.Type == "" {
		c.Type = old.Type
	}
	if c.Type != old.Type {
		return Config{}, &ValidationError{Errs: []error{fmt.Errorf("type: cannot change from %q to %q", old.Type, c.Type)}}
	}
	c.CreatedAt, c.UpdatedAt = old.CreatedAt, s.now().UTC()
	if err := s.validate(&c); err != nil {
		return Config{}, err
	}
	if c.Type == "http" && httpAuth(old.Settings) != httpAuth(c.Settings) {
		return Config{}, &ValidationError{Errs: []error{errors.New("settings: auth: cannot change the auth mode of an http source; add a new source")}}
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sources SET label = ?, log_types = ?, enabled = ?, settings = ?, updated_at = ? WHERE id = ?`,
			c.Label, listJSON(c.LogTypes), boolInt(c.Enabled), string(c.Settings), formatTime(c.UpdatedAt), c.ID)
		return err
	})
	if err != nil {
		return Config{}, writeError("update", c.Label, err)
	}
	return c, nil
}

// Remove deletes source id and its status.
func (s *Store) Remove(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sources: remove %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM source_status WHERE source_id = ?`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM source_log_types WHERE source_id = ?`, id)
		return err
	})
}

// SetEnabled enables or disables source id.
func (s *Store) SetEnabled(ctx context.Context, id string, enabled bool) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sources SET enabled = ?, updated_at = ? WHERE id = ?`,
			boolInt(enabled), formatTime(s.now().UTC()), id)
		if err != nil {
			return fmt.Errorf("sources: enable %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return nil
	})
}

// RotateCredential gives http source id a new token or HMAC key; the old one stops working.
func (s *Store) RotateCredential(ctx context.Context, id string) (Credentials, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Credentials{}, err
	}
	if c.Type != "http" {
		return Credentials{}, fmt.Errorf("sources: %s is a %s source; only http sources have a credential", c.Label, c.Type)
	}
	creds, stored, err := s.newCredential(c)
	if err != nil {
		return Credentials{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sources SET credential = ?, updated_at = ? WHERE id = ?`,
			stored, formatTime(s.now().UTC()), id)
		return err
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("sources: rotate %s: %w", id, err)
	}
	return creds, nil
}

// Get returns the source with this id, or else with this label (case-insensitive).
func (s *Store) Get(ctx context.Context, idOrLabel string) (Config, error) {
	row := s.db.QueryRowContext(ctx, `SELECT id, label, type, log_types, enabled, settings, created_at, updated_at
		FROM sources WHERE id = ? OR label = ? ORDER BY id = ? DESC LIMIT 1`, idOrLabel, idOrLabel, idOrLabel)
	c, err := scanConfig(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Config{}, fmt.Errorf("%w: no source with id or label %q", ErrNotFound, idOrLabel)
	}
	if err != nil {
		return Config{}, fmt.Errorf("sources: get %q: %w", idOrLabel, err)
	}
	return c, nil
}

// List returns every source, ordered by label.
func (s *Store) List(ctx context.Context) ([]Config, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, label, type, log_types, enabled, settings, created_at, updated_at
		FROM sources ORDER BY label COLLATE NOCASE, id`)
	if err != nil {
		return nil, fmt.Errorf("sources: list: %w", err)
	}
	defer rows.Close()
	var out []Config
	for rows.Next() {
		c, err := scanConfig(rows)
		if err != nil {
			return nil, fmt.Errorf("sources: list: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Version returns a number that changes whenever a source is added, updated, enabled,
// disabled or removed (not when its status changes): the runtime polls it to reload.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, `SELECT version FROM sources_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sources: version: %w", err)
	}
	return v, nil
}

// A Verifier checks the credential of one http source; it holds no database handle, so the
// HTTP handler can keep one per source and reload it when the store's version changes.
type Verifier struct {
	auth   string
	hash   [sha256.Size]byte // bearer: SHA-256 of the token
	hmacKy []byte            // hmac: the key
}

// Auth returns the auth mode, AuthBearer or AuthHMAC.
func (v *Verifier) Auth() string { return v.auth }

// Bearer reports whether token is the source's bearer token (in constant time).
func (v *Verifier) Bearer(token string) bool {
	if v.auth != AuthBearer || token == "" {
		return false
	}
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], v.hash[:]) == 1
}

// HMACKey returns the HMAC-SHA256 key of an hmac source (nil for bearer).
func (v *Verifier) HMACKey() []byte { return v.hmacKy }

// Verifier returns the credential checker of http source id.
func (s *Store) Verifier(ctx context.Context, id string) (*Verifier, error) {
	var typ, settings, stored string
	err := s.db.QueryRowContext(ctx, `SELECT type, settings, credential FROM sources WHERE id = ?`, id).Scan(&typ, &settings, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sources: credential of %s: %w", id, err)
	}
	if typ != "http" {
		return nil, fmt.Errorf("sources: %s is a %s source, not http", id, typ)
	}
	v := &Verifier{auth: httpAuth(json.RawMessage(settings))}
	switch {
	case strings.HasPrefix(stored, "sha256:") && v.auth == AuthBearer:
		b, err := hex.DecodeString(strings.TrimPrefix(stored, "sha256:"))
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("sources: credential of %s is corrupt", id)
		}
		copy(v.hash[:], b)
	case secretbox.IsSealed(stored) && v.auth == AuthHMAC:
		if s.box == nil {
			return nil, fmt.Errorf("sources: credential of %s: no secret box to open it", id)
		}
		key, err := s.box.OpenFor(stored, credentialAAD(id))
		if err != nil {
			return nil, fmt.Errorf("sources: credential of %s: %w", id, err)
		}
		v.hmacKy = key
	default:
		return nil, fmt.Errorf("sources: %s has no credential for auth %q", id, v.auth)
	}
	return v, nil
}

// Status is what is known of a source's activity.
type Status struct {
	SourceID    string          `json:"sourceId"`
	Events      int64           `json:"events"`
	Bytes       int64           `json:"bytes"`
	Quarantined int64           `json:"quarantined"`
	LastEventAt time.Time       `json:"lastEventAt,omitzero"`
	LastError   string          `json:"lastError,omitempty"`
	LastErrorAt time.Time       `json:"lastErrorAt,omitzero"`
	UpdatedAt   time.Time       `json:"updatedAt,omitzero"`
	LogTypes    []LogTypeStatus `json:"logTypes"`
}

// LogTypeStatus is a source's activity in one log type ("" for quarantined records, which
// have none).
type LogTypeStatus struct {
	LogType     string    `json:"logType"`
	Events      int64     `json:"events"`
	Bytes       int64     `json:"bytes"`
	Quarantined int64     `json:"quarantined"`
	LastEventAt time.Time `json:"lastEventAt,omitzero"`
}

// Counts are what the pipeline processed of one source in one log type since the last
// checkpoint.
type Counts struct {
	SourceID    string
	LogType     string // "" for quarantined records
	Events      int64
	Bytes       int64
	Quarantined int64
	LastEventAt time.Time // when the last of them was received
}

// Execer is what AddCounts writes with: a *sql.DB or the *sql.Tx of a checkpoint.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// AddCounts adds counts to the sources' status. Pass the transaction of a checkpoint so the
// counts commit with it (exactly once, like the lake rows they describe).
func (s *Store) AddCounts(ctx context.Context, ex Execer, counts []Counts) error {
	now := formatTime(s.now().UTC())
	for _, c := range counts {
		if c.SourceID == "" {
			continue
		}
		last := ""
		if !c.LastEventAt.IsZero() {
			last = formatTime(c.LastEventAt.UTC())
		}
		if _, err := ex.ExecContext(ctx, `INSERT INTO source_log_types (source_id, log_type, events, bytes, quarantined, last_event_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (source_id, log_type) DO UPDATE SET events = events + excluded.events,
				bytes = bytes + excluded.bytes, quarantined = quarantined + excluded.quarantined,
				last_event_at = max(last_event_at, excluded.last_event_at)`,
			c.SourceID, c.LogType, c.Events, c.Bytes, c.Quarantined, last); err != nil {
			return fmt.Errorf("sources: status of %s: %w", c.SourceID, err)
		}
		if _, err := ex.ExecContext(ctx, `INSERT INTO source_status (source_id, events, bytes, quarantined, last_event_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (source_id) DO UPDATE SET events = events + excluded.events,
				bytes = bytes + excluded.bytes, quarantined = quarantined + excluded.quarantined,
				last_event_at = max(last_event_at, excluded.last_event_at), updated_at = excluded.updated_at`,
			c.SourceID, c.Events, c.Bytes, c.Quarantined, last, now); err != nil {
			return fmt.Errorf("sources: status of %s: %w", c.SourceID, err)
		}
	}
	return nil
}

// SetError records the last error of source id; nil clears it.
func (s *Store) SetError(ctx context.Context, id string, err error) error {
	msg, at := "", ""
	now := formatTime(s.now().UTC())
	if err != nil {
		msg, at = truncate(err.Error(), 2000), now
	}
	_, e := s.db.ExecContext(ctx, `INSERT INTO source_status (source_id, last_error, last_error_at, updated_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (source_id) DO UPDATE SET last_error = excluded.last_error,
			last_error_at = CASE WHEN excluded.last_error = '' THEN last_error_at ELSE excluded.last_error_at END,
			updated_at = excluded.updated_at`, id, msg, at, now)
	if e != nil {
		return fmt.Errorf("sources: record error of %s: %w", id, e)
	}
	return nil
}

// Status returns the status of source id (zero counts when nothing was received yet).
func (s *Store) Status(ctx context.Context, id string) (Status, error) {
	st := Status{SourceID: id, LogTypes: []LogTypeStatus{}}
	var last, lastErrAt, updated string
	err := s.db.QueryRowContext(ctx, `SELECT events, bytes, quarantined, last_event_at, last_error, last_error_at, updated_at
		FROM source_status WHERE source_id = ?`, id).
		Scan(&st.Events, &st.Bytes, &st.Quarantined, &last, &st.LastError, &lastErrAt, &updated)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Status{}, fmt.Errorf("sources: status of %s: %w", id, err)
	}
	st.LastEventAt, st.LastErrorAt, st.UpdatedAt = parseTime(last), parseTime(lastErrAt), parseTime(updated)
	rows, err := s.db.QueryContext(ctx, `SELECT log_type, events, bytes, quarantined, last_event_at
		FROM source_log_types WHERE source_id = ? ORDER BY log_type`, id)
	if err != nil {
		return Status{}, fmt.Errorf("sources: status of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var lt LogTypeStatus
		if err := rows.Scan(&lt.LogType, &lt.Events, &lt.Bytes, &lt.Quarantined, &last); err != nil {
			return Status{}, fmt.Errorf("sources: status of %s: %w", id, err)
		}
		lt.LastEventAt = parseTime(last)
		st.LogTypes = append(st.LogTypes, lt)
	}
	return st, rows.Err()
}

// writeError explains a failed add or update: a label taken is the user's error.
func writeError(op, label string, err error) error {
	if strings.Contains(err.Error(), "UNIQUE constraint failed: sources.label") {
		return &ValidationError{Errs: []error{fmt.Errorf("label: a source labelled %q already exists", label)}}
	}
	return fmt.Errorf("sources: %s %q: %w", op, label, err)
}

// write runs fn in a transaction that also bumps the version.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sources_version SET version = version + 1 WHERE id = 1`); err != nil {
		return err
	}
	return tx.Commit()
}

// validate checks c and normalizes its log types and settings in place.
func (s *Store) validate(c *Config) error {
	var errs []error
	c.Label = strings.TrimSpace(c.Label)
	switch {
	case c.Label == "":
		errs = append(errs, errors.New("label: required"))
	case utf8.RuneCountInString(c.Label) > 128:
		errs = append(errs, errors.New("label: longer than 128 characters"))
	case strings.ContainsFunc(c.Label, func(r rune) bool { return r < ' ' || r == 0x7f }):
		errs = append(errs, errors.New("label: contains a control character"))
	}
	var lts []string
	for _, lt := range c.LogTypes {
		lt = strings.TrimSpace(lt)
		if lt == "" {
			continue
		}
		if s.logType != nil {
			canon, err := s.logType(lt)
			if err != nil {
				errs = append(errs, fmt.Errorf("log types: %w", err))
				continue
			}
			lt = canon
		}
		if !slices.Contains(lts, lt) {
			lts = append(lts, lt)
		}
	}
	slices.Sort(lts)
	c.LogTypes = lts
	if len(bytes.TrimSpace(c.Settings)) == 0 {
		c.Settings = json.RawMessage(`{}`)
	}
	k, ok := Lookup(c.Type)
	switch {
	case c.Type == "":
		errs = append(errs, fmt.Errorf("type: required (one of %s)", strings.Join(Kinds(), ", ")))
	case !ok:
		errs = append(errs, fmt.Errorf("type: unknown source type %q (known: %s)", c.Type, strings.Join(Kinds(), ", ")))
	default:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(c.Settings, &obj); err != nil || obj == nil {
			errs = append(errs, errors.New("settings: must be a JSON object"))
			break
		}
		norm, err := k.Validate(c.Settings)
		if err != nil {
			errs = append(errs, fmt.Errorf("settings: %w", err))
			break
		}
		if norm != nil {
			var buf bytes.Buffer
			if err := json.Compact(&buf, norm); err != nil {
				errs = append(errs, fmt.Errorf("settings: the %s kind returned invalid JSON: %w", c.Type, err))
				break
			}
			c.Settings = buf.Bytes()
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errs: errs}
	}
	return nil
}

// newCredential makes the credential of an http source: the secret to show and what to store.
func (s *Store) newCredential(c Config) (Credentials, string, error) {
	if c.Type != "http" {
		return Credentials{}, "", nil
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, raw); err != nil {
		return Credentials{}, "", fmt.Errorf("sources: generate a token: %w", err)
	}
	token := "pth_" + base64.RawURLEncoding.EncodeToString(raw)
	switch httpAuth(c.Settings) {
	case AuthHMAC:
		if s.box == nil {
			return Credentials{}, "", errors.New("sources: an hmac source needs a secret box to seal its key")
		}
		return Credentials{Token: token}, s.box.SealFor([]byte(token), credentialAAD(c.ID)), nil
	default:
		h := sha256.Sum256([]byte(token))
		return Credentials{Token: token}, "sha256:" + hex.EncodeToString(h[:]), nil
	}
}

func credentialAAD(id string) []byte { return []byte("source-credential\x00" + id) }

// httpAuth reads the "auth" setting of an http source (default bearer).
func httpAuth(settings json.RawMessage) string {
	var v struct {
		Auth string `json:"auth"`
	}
	_ = json.Unmarshal(settings, &v)
	if v.Auth == AuthHMAC {
		return AuthHMAC
	}
	return AuthBearer
}

func scanConfig(row interface{ Scan(...any) error }) (Config, error) {
	var c Config
	var lts, settings, created, updated string
	var enabled int
	if err := row.Scan(&c.ID, &c.Label, &c.Type, &lts, &enabled, &settings, &created, &updated); err != nil {
		return Config{}, err
	}
	if err := json.Unmarshal([]byte(lts), &c.LogTypes); err != nil {
		return Config{}, fmt.Errorf("log types of %s: %w", c.ID, err)
	}
	c.Enabled = enabled != 0
	c.Settings = json.RawMessage(settings)
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return c, nil
}

func listJSON(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// formatTime writes times so that they sort as text (fixed width, UTC).
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
