package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

const schema = `
CREATE TABLE IF NOT EXISTS alerts (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	detection_id TEXT NOT NULL,
	display_name TEXT NOT NULL DEFAULT '',
	dedup TEXT NOT NULL,
	window_start INTEGER NOT NULL,
	window_end INTEGER NOT NULL,
	threshold INTEGER NOT NULL,
	uses_unique INTEGER NOT NULL DEFAULT 0,
	event_count INTEGER NOT NULL DEFAULT 0,
	unique_count INTEGER NOT NULL DEFAULT 0,
	first_event_time INTEGER NOT NULL,
	last_event_time INTEGER NOT NULL,
	log_types TEXT NOT NULL DEFAULT '[]',
	title TEXT NOT NULL DEFAULT '',
	severity TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	reference TEXT NOT NULL DEFAULT '',
	runbook TEXT NOT NULL DEFAULT '',
	context TEXT,
	destinations TEXT,
	output_ids TEXT,
	tags TEXT,
	reports TEXT,
	error_message TEXT NOT NULL DEFAULT '',
	rep_key TEXT NOT NULL,
	raised INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'OPEN',
	assignee TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_creation ON alerts(raised, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_by_detection ON alerts(detection_id, created_at DESC);
CREATE TABLE IF NOT EXISTS alert_unique (
	alert_id TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (alert_id, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_events (
	alert_id TEXT NOT NULL,
	event_key TEXT NOT NULL,
	PRIMARY KEY (alert_id, event_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_history (
	id INTEGER PRIMARY KEY,
	alert_id TEXT NOT NULL,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	old_value TEXT NOT NULL DEFAULT '',
	new_value TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS alert_history_by_alert ON alert_history(alert_id, id);
CREATE TABLE IF NOT EXISTS alert_comments (
	id INTEGER PRIMARY KEY,
	alert_id TEXT NOT NULL,
	at INTEGER NOT NULL,
	author TEXT NOT NULL,
	body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_comments_by_alert ON alert_comments(alert_id, id);
`

// Options configure a Store.
type Options struct {
	Now func() time.Time
	// OnRaise runs in the transaction that raises an alert, so that work queued for it (its
	// deliveries) commits or rolls back with it.
	OnRaise func(ctx context.Context, tx *sql.Tx, a *Alert) error
}

// Store keeps alerts in the state database.
type Store struct {
	db    *sql.DB
	opts  Options
	stmts *statements
}

// ErrNotFound is returned for an unknown alert ID.
var ErrNotFound = errors.New("alert not found")

// Open creates the alert tables if needed.
func Open(ctx context.Context, db *sql.DB, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("alerts: creating tables: %w", err)
	}
	stmts, err := prepare(ctx, db)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, opts: o, stmts: stmts}, nil
}

// Assignment tells the lake writer which alert a match belongs to.
type Assignment struct {
	AlertID   string
	CreatedAt time.Time // zero until the alert is raised
	UpdatedAt time.Time
}

// group is the batch-local aggregate of the matches of one alert.
type group struct {
	id      string
	rep     *Match
	repKey  string
	first   time.Time
	last    time.Time
	types   map[string]bool
	uniques map[string]bool
	matches []int
	keys    map[int]string // event key by match index
}

// repKey orders matches to pick the representative of a group: earliest event time, then
// smallest title and severity.
func repKey(m *Match) string {
	return fmt.Sprintf("%020d|%s|%s", uint64(m.EventTime.UnixNano())+1<<63, m.Title, m.Severity)
}

// Record groups matches into alerts in one transaction and returns, for each match, its
// alert. Alerts that cross their threshold are raised (and OnRaise runs for them).
func (s *Store) Record(ctx context.Context, matches []Match) ([]Assignment, []*Alert, error) {
	groups := make(map[string]*group)
	var order []string
	for i := range matches {
		m := &matches[i]
		id := ID(m)
		g := groups[id]
		if g == nil {
			g = &group{id: id, first: m.EventTime, last: m.EventTime, types: map[string]bool{}}
			groups[id] = g
			order = append(order, id)
		}
		g.matches = append(g.matches, i)
		if k := repKey(m); g.rep == nil || k < g.repKey {
			g.rep, g.repKey = m, k
		}
		if m.EventTime.Before(g.first) {
			g.first = m.EventTime
		}
		if m.EventTime.After(g.last) {
			g.last = m.EventTime
		}
		if m.LogType != "" {
			g.types[m.LogType] = true
		}
		for _, lt := range m.LogTypes {
			g.types[lt] = true
		}
		if g.keys == nil {
			g.keys = map[int]string{}
		}
		g.keys[i] = m.EventKey
		if m.HasUnique {
			if g.uniques == nil {
				g.uniques = map[string]bool{}
			}
			g.uniques[m.Unique] = true
		}
	}
	sort.Strings(order)
	now := s.opts.Now().UTC()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("alerts: %w", err)
	}
	defer tx.Rollback()
	out := make([]Assignment, len(matches))
	var raised []*Alert
	st := s.stmts.in(ctx, tx)
	for _, id := range order {
		g := groups[id]
		a, err := s.upsert(ctx, tx, st, g, now)
		if err != nil {
			return nil, nil, err
		}
		if a.justRaised {
			raised = append(raised, a)
			if s.opts.OnRaise != nil {
				if err := s.opts.OnRaise(ctx, tx, a); err != nil {
					return nil, nil, fmt.Errorf("alerts: raising %s: %w", a.ID, err)
				}
			}
		}
		for _, i := range g.matches {
			out[i] = Assignment{AlertID: id, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("alerts: %w", err)
	}
	return out, raised, nil
}

func marshal(v any) any {
	switch x := v.(type) {
	case []string:
		if x == nil {
			return nil
		}
	case map[string][]string:
		if x == nil {
			return nil
		}
	case json.RawMessage:
		if len(x) == 0 {
			return nil
		}
		return string(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *Store) upsert(ctx context.Context, tx *sql.Tx, st *txStmts, g *group, now time.Time) (*Alert, error) {
	m := g.rep
	a, err := scanAlert(st.get.QueryRowContext(ctx, g.id))
	isNew := errors.Is(err, ErrNotFound)
	if err != nil && !isNew {
		return nil, err
	}
	if isNew {
		start := windowOf(m.EventTime, period(m))
		a = &Alert{ID: g.id, Type: m.Type, DetectionID: m.DetectionID, Dedup: m.Dedup, WindowStart: start,
			WindowEnd: start.Add(period(m)), Threshold: threshold(m), FirstEventTime: g.first.UTC(),
			LastEventTime: g.last.UTC(), Status: StatusOpen, usesUnique: m.HasUnique, repKey: "~"}
	}
	if g.repKey < a.repKey {
		a.repKey, a.Title, a.Severity, a.Description, a.Reference, a.Runbook = g.repKey, m.Title, m.Severity, m.Description, m.Reference, m.Runbook
		a.Context, a.Destinations, a.OutputIDs, a.Tags, a.Reports = m.Context, m.Destinations, m.OutputIDs, m.Tags, m.Reports
		a.ErrorMessage, a.DisplayName = m.ErrorMessage, m.DisplayName
	}
	types := map[string]bool{}
	for _, t := range a.LogTypes {
		types[t] = true
	}
	for t := range g.types {
		types[t] = true
	}
	a.LogTypes = a.LogTypes[:0]
	for t := range types {
		a.LogTypes = append(a.LogTypes, t)
	}
	sort.Strings(a.LogTypes)
	if g.first.Before(a.FirstEventTime) {
		a.FirstEventTime = g.first.UTC()
	}
	if g.last.After(a.LastEventTime) {
		a.LastEventTime = g.last.UTC()
	}
	// Count the matches whose events this alert has not counted yet.
	var added int64
	for _, i := range g.matches {
		key := g.keys[i]
		if key == "" {
			added++
			continue
		}
		res, err := st.event.ExecContext(ctx, g.id, key)
		if err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			added++
		}
	}
	if !a.Raised && len(g.uniques) > 0 {
		// Distinct values count toward the threshold; they are kept only until it is reached.
		for v := range g.uniques {
			if _, err := st.unique.ExecContext(ctx, g.id, v); err != nil {
				return nil, fmt.Errorf("alerts: %w", err)
			}
		}
		if err := st.uniqueCount.QueryRowContext(ctx, g.id).Scan(&a.UniqueCount); err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
	}
	a.EventCount += added
	progress := a.EventCount
	if a.usesUnique {
		progress = a.UniqueCount
	}
	a.justRaised = !a.Raised && progress >= int64(a.Threshold)
	if a.justRaised {
		a.Raised, a.CreatedAt = true, now
	}
	a.UpdatedAt = now
	_, err = st.put.ExecContext(ctx, a.ID, string(a.Type), a.DetectionID, a.DisplayName, a.Dedup, a.WindowStart.Unix(),
		a.WindowEnd.Unix(), a.Threshold, boolInt(a.usesUnique), a.EventCount, a.UniqueCount, a.FirstEventTime.UnixNano(),
		a.LastEventTime.UnixNano(), marshal(a.LogTypes), a.Title, a.Severity, a.Description, a.Reference, a.Runbook,
		marshal(a.Context), marshal(a.Destinations), marshal(a.OutputIDs), marshal(a.Tags), marshal(a.Reports),
		a.ErrorMessage, a.repKey, boolInt(a.Raised), string(a.Status), a.Assignee, timeOrZero(a.CreatedAt), now.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("alerts: storing %s: %w", g.id, err)
	}
	if a.justRaised {
		if err := history(ctx, tx, g.id, now, "panther", "raised", "", fmt.Sprintf("%d matches", a.EventCount)); err != nil {
			return nil, err
		}
		if a.usesUnique {
			if _, err := st.uniqueDel.ExecContext(ctx, g.id); err != nil {
				return nil, fmt.Errorf("alerts: %w", err)
			}
		}
	}
	return a, nil
}

// statements are the prepared statements of Record.
type statements struct {
	get, put, event, unique, uniqueCount, uniqueDel *sql.Stmt
}

// txStmts are the statements bound to one transaction.
type txStmts statements

func (s *statements) in(ctx context.Context, tx *sql.Tx) *txStmts {
	return &txStmts{get: tx.StmtContext(ctx, s.get), put: tx.StmtContext(ctx, s.put), event: tx.StmtContext(ctx, s.event),
		unique: tx.StmtContext(ctx, s.unique), uniqueCount: tx.StmtContext(ctx, s.uniqueCount), uniqueDel: tx.StmtContext(ctx, s.uniqueDel)}
}

func prepare(ctx context.Context, db *sql.DB) (*statements, error) {
	var st statements
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.get, `SELECT ` + alertColumns + ` FROM alerts WHERE id=?`},
		{&st.put, `INSERT OR REPLACE INTO alerts (` + alertColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.event, `INSERT OR IGNORE INTO alert_events (alert_id, event_key) VALUES (?, ?)`},
		{&st.unique, `INSERT OR IGNORE INTO alert_unique (alert_id, value) VALUES (?, ?)`},
		{&st.uniqueCount, `SELECT count(*) FROM alert_unique WHERE alert_id=?`},
		{&st.uniqueDel, `DELETE FROM alert_unique WHERE alert_id=?`},
	} {
		stmt, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			return nil, fmt.Errorf("alerts: preparing statements: %w", err)
		}
		*p.dst = stmt
	}
	return &st, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func timeOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const alertColumns = `id, type, detection_id, display_name, dedup, window_start, window_end, threshold, uses_unique,
	event_count, unique_count, first_event_time, last_event_time, log_types, title, severity, description, reference,
	runbook, context, destinations, output_ids, tags, reports, error_message, rep_key, raised, status, assignee,
	created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanAlert(row scanner) (*Alert, error) {
	var (
		a                                      Alert
		typ, status, logTypes                  string
		ws, we, first, last, created, updated  int64
		usesUnique, raised                     int
		ctxJSON, dests, outputs, tags, reports sql.NullString
	)
	err := row.Scan(&a.ID, &typ, &a.DetectionID, &a.DisplayName, &a.Dedup, &ws, &we, &a.Threshold, &usesUnique,
		&a.EventCount, &a.UniqueCount, &first, &last, &logTypes, &a.Title, &a.Severity, &a.Description, &a.Reference,
		&a.Runbook, &ctxJSON, &dests, &outputs, &tags, &reports, &a.ErrorMessage, &a.repKey, &raised, &status, &a.Assignee,
		&created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	a.Type, a.Status = Type(typ), Status(status)
	a.WindowStart, a.WindowEnd = time.Unix(ws, 0).UTC(), time.Unix(we, 0).UTC()
	a.FirstEventTime, a.LastEventTime = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
	if created != 0 {
		a.CreatedAt = time.Unix(0, created).UTC()
	}
	a.UpdatedAt = time.Unix(0, updated).UTC()
	a.usesUnique, a.Raised = usesUnique != 0, raised != 0
	_ = json.Unmarshal([]byte(logTypes), &a.LogTypes)
	if ctxJSON.Valid {
		a.Context = json.RawMessage(ctxJSON.String)
	}
	for _, f := range []struct {
		s   sql.NullString
		dst any
	}{{dests, &a.Destinations}, {outputs, &a.OutputIDs}, {tags, &a.Tags}, {reports, &a.Reports}} {
		if f.s.Valid {
			_ = json.Unmarshal([]byte(f.s.String), f.dst)
		}
	}
	return &a, nil
}

func getAlert(ctx context.Context, q querier, id string) (*Alert, error) {
	return scanAlert(q.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id=?`, id))
}

// Get returns a raised alert.
func (s *Store) Get(ctx context.Context, id string) (*Alert, error) {
	a, err := getAlert(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !a.Raised {
		return nil, ErrNotFound
	}
	return a, nil
}

// Filter selects alerts to list. Empty fields select everything.
type Filter struct {
	Severities  []string
	Statuses    []Status
	Types       []Type
	DetectionID string
	LogType     string
	Text        string    // in the title or the detection ID, case-insensitive
	From, To    time.Time // creation time range [From, To)
	Limit       int       // default 50, at most 1000
	Cursor      string    // from a previous page

	// LogTypes selects alerts with events of any of these log types (with LogType).
	LogTypes []string
	// Assignees selects alerts assigned to any of these (user IDs or names as recorded).
	Assignees []string
	// MinEvents and MaxEvents bound the event count; 0 means no bound.
	MinEvents, MaxEvents int64
	// Oldest lists oldest first instead of newest first.
	Oldest bool
}

// Page is one page of alerts, newest first.
type Page struct {
	Alerts []*Alert
	// Next is the cursor of the next page, empty on the last page.
	Next string
}

// List returns raised alerts matching f, newest first (oldest first with f.Oldest).
func (s *Store) List(ctx context.Context, f Filter) (*Page, error) {
	where := []string{"raised = 1"}
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		ph := make([]string, len(vals))
		for i, v := range vals {
			ph[i] = "?"
			args = append(args, v)
		}
		where = append(where, col+" IN ("+strings.Join(ph, ",")+")")
	}
	sev := make([]string, len(f.Severities))
	for i, v := range f.Severities {
		sev[i] = strings.ToUpper(v)
	}
	in("severity", sev)
	st := make([]string, len(f.Statuses))
	for i, v := range f.Statuses {
		st[i] = string(v)
	}
	in("status", st)
	ty := make([]string, len(f.Types))
	for i, v := range f.Types {
		ty[i] = string(v)
	}
	in("type", ty)
	if f.DetectionID != "" {
		where = append(where, "detection_id = ?")
		args = append(args, f.DetectionID)
	}
	logTypes := f.LogTypes
	if f.LogType != "" {
		logTypes = append(append([]string{}, logTypes...), f.LogType)
	}
	if len(logTypes) > 0 {
		ph := make([]string, len(logTypes))
		for i, lt := range logTypes {
			ph[i] = "?"
			args = append(args, lt)
		}
		where = append(where, "EXISTS (SELECT 1 FROM json_each(log_types) WHERE value IN ("+strings.Join(ph, ",")+"))")
	}
	in("assignee", f.Assignees)
	if f.MinEvents > 0 {
		where = append(where, "event_count >= ?")
		args = append(args, f.MinEvents)
	}
	if f.MaxEvents > 0 {
		where = append(where, "event_count <= ?")
		args = append(args, f.MaxEvents)
	}
	if f.Text != "" {
		where = append(where, "(instr(lower(title), lower(?)) > 0 OR instr(lower(detection_id), lower(?)) > 0)")
		args = append(args, f.Text, f.Text)
	}
	if !f.From.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, f.From.UnixNano())
	}
	if !f.To.IsZero() {
		where = append(where, "created_at < ?")
		args = append(args, f.To.UnixNano())
	}
	if f.Cursor != "" {
		ts, id, ok := strings.Cut(f.Cursor, ":")
		n, err := strconv.ParseInt(ts, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("alerts: invalid cursor %q", f.Cursor)
		}
		if f.Oldest {
			where = append(where, "(created_at > ? OR (created_at = ? AND id > ?))")
		} else {
			where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		}
		args = append(args, n, n, id)
	}
	order := "created_at DESC, id DESC"
	if f.Oldest {
		order = "created_at ASC, id ASC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 1000 {
		limit = 1000
	}
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: listing: %w", err)
	}
	defer rows.Close()
	page := &Page{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		page.Alerts = append(page.Alerts, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alerts: listing: %w", err)
	}
	if len(page.Alerts) > limit {
		page.Alerts = page.Alerts[:limit]
		last := page.Alerts[limit-1]
		page.Next = fmt.Sprintf("%d:%s", last.CreatedAt.UnixNano(), last.ID)
	}
	return page, nil
}

// Change is one entry of an alert's history.
type Change struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Old    string    `json:"old,omitempty"`
	New    string    `json:"new,omitempty"`
}

// Comment is a comment on an alert.
type Comment struct {
	ID int64 `json:"id"`
	// AlertID is set by CommentByID and CommentsOf.
	AlertID string    `json:"alertId,omitempty"`
	At      time.Time `json:"at"`
	Author  string    `json:"author"`
	Body    string    `json:"body"`
}

func history(ctx context.Context, tx *sql.Tx, id string, at time.Time, actor, action, old, new string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO alert_history (alert_id, at, actor, action, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)`,
		id, at.UnixNano(), actor, action, old, new)
	if err != nil {
		return fmt.Errorf("alerts: history of %s: %w", id, err)
	}
	return nil
}

// SetStatus changes the status of alerts, recording who did it.
func (s *Store) SetStatus(ctx context.Context, ids []string, status Status, actor string) error {
	if _, ok := ParseStatus(string(status)); !ok {
		return fmt.Errorf("alerts: invalid status %q (expected OPEN, TRIAGED, CLOSED or RESOLVED)", status)
	}
	return s.change(ctx, ids, actor, "status", "status", string(status))
}

// Assign sets the assignee of alerts; an empty assignee unassigns.
func (s *Store) Assign(ctx context.Context, ids []string, assignee, actor string) error {
	return s.change(ctx, ids, actor, "assignee", "assignee", assignee)
}

func (s *Store) change(ctx context.Context, ids []string, actor, action, col, value string) error {
	now := s.opts.Now().UTC()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT `+col+` FROM alerts WHERE id=? AND raised=1`, id).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alerts: %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
		if old == value {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET `+col+`=?, updated_at=? WHERE id=?`, value, now.UnixNano(), id); err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
		if err := history(ctx, tx, id, now, actor, action, old, value); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// AddComment adds a comment to an alert.
func (s *Store) AddComment(ctx context.Context, id, author, body string) (*Comment, error) {
	if strings.TrimSpace(body) == "" {
		return nil, errors.New("alerts: empty comment")
	}
	now := s.opts.Now().UTC()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	defer tx.Rollback()
	if _, err := getRaised(ctx, tx, id); err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO alert_comments (alert_id, at, author, body) VALUES (?, ?, ?, ?)`, id, now.UnixNano(), author, body)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	cid, _ := res.LastInsertId()
	if err := history(ctx, tx, id, now, author, "comment", "", body); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return &Comment{ID: cid, At: now, Author: author, Body: body}, nil
}

func getRaised(ctx context.Context, q querier, id string) (*Alert, error) {
	a, err := getAlert(ctx, q, id)
	if err == nil && !a.Raised {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("alerts: %s: %w", id, err)
	}
	return a, nil
}

// Comments returns the comments of an alert, oldest first.
func (s *Store) Comments(ctx context.Context, id string) ([]Comment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, author, body FROM alert_comments WHERE alert_id=? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		var at int64
		if err := rows.Scan(&c.ID, &at, &c.Author, &c.Body); err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		c.At = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// CommentByID returns one comment by its ID (a decimal number, as in Comment.ID).
func (s *Store) CommentByID(ctx context.Context, id string) (*Comment, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("alerts: comment %q: %w", id, ErrNotFound)
	}
	c := &Comment{ID: n}
	var at int64
	err = s.db.QueryRowContext(ctx, `SELECT alert_id, at, author, body FROM alert_comments WHERE id=?`, n).Scan(&c.AlertID, &at, &c.Author, &c.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("alerts: comment %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	c.At = time.Unix(0, at).UTC()
	return c, nil
}

// History returns the changes of an alert, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor, action, old_value, new_value FROM alert_history WHERE alert_id=? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&at, &c.Actor, &c.Action, &c.Old, &c.New); err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		c.At = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Count is how many alerts one detection raised with one severity in one time bucket.
type Count struct {
	Bucket      time.Time // the start of the bucket
	DetectionID string
	Severity    string
	N           int64
}

// Counts counts the alerts raised in [from, to), by creation time in buckets of step, by
// detection and severity (for the console's charts).
func (s *Store) Counts(ctx context.Context, from, to time.Time, step time.Duration) ([]Count, error) {
	if step <= 0 || !to.After(from) {
		return nil, fmt.Errorf("alerts: counts need a positive step and to after from")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT (created_at - ?) / ?, detection_id, severity, count(*) FROM alerts
		WHERE raised = 1 AND created_at >= ? AND created_at < ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
		from.UnixNano(), int64(step), from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("alerts: counting: %w", err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		var bucket int64
		if err := rows.Scan(&bucket, &c.DetectionID, &c.Severity, &c.N); err != nil {
			return nil, fmt.Errorf("alerts: counting: %w", err)
		}
		c.Bucket = from.Add(time.Duration(bucket) * step).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
