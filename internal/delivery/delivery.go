// Package delivery sends raised alerts to their destinations and keeps the record of it.
//
// Each (alert, destination) pair is a delivery row in the state database, queued in the same
// transaction that raises the alert. A dispatcher claims due deliveries, sends them through
// the destination's Notifier and records every attempt (time, status code, error, latency).
// Retryable failures are retried with exponential backoff and jitter, up to MaxAttempts;
// permanent failures are not retried. A delivery is marked sending (committed) before the
// request and delivered right after it succeeds, so a restart resumes pending deliveries and
// never records a second success; a request interrupted by a crash is retried (at least once
// delivery).
package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/notify"
)

const schema = `
CREATE TABLE IF NOT EXISTS deliveries (
	id INTEGER PRIMARY KEY,
	alert_id TEXT NOT NULL,
	destination_id TEXT NOT NULL,
	resend INTEGER NOT NULL DEFAULT 0,
	test INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_by_alert ON deliveries(alert_id);
CREATE TABLE IF NOT EXISTS delivery_attempts (
	id INTEGER PRIMARY KEY,
	delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
	started_at INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0,
	status_code INTEGER NOT NULL DEFAULT 0,
	success INTEGER NOT NULL DEFAULT 0,
	retryable INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	latency_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS delivery_attempts_by_delivery ON delivery_attempts(delivery_id, id);
`

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusSending   = "sending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// Destination is a configured destination as routing sees it.
type Destination struct {
	ID                 string
	Name               string
	Type               string
	DefaultForSeverity []string
	AlertTypes         []string // empty: all types
}

// Directory gives the configured destinations and their notifiers.
type Directory interface {
	Destinations(ctx context.Context) ([]Destination, error)
	Notifier(ctx context.Context, id string) (notify.Notifier, error)
}

// Options configure a Dispatcher.
type Options struct {
	Now         func() time.Time
	Rand        func() float64 // in [0, 1), for jitter
	MaxAttempts int            // default 11: the first try and Panther's 10 retries
	BaseDelay   time.Duration  // first retry delay, default 30s
	MaxDelay    time.Duration  // default 1h
	Timeout     time.Duration  // per request, default 30s
	// LinkBase is the URL of the UI; alert links are <LinkBase>/alerts/<id>.
	LinkBase string
}

// Dispatcher delivers alerts.
type Dispatcher struct {
	db     *sql.DB
	alerts *alerts.Store
	dir    Directory
	opts   Options
}

// New creates the delivery tables if needed and returns a dispatcher. It resumes deliveries
// a stopped process left in the middle of a request.
func New(ctx context.Context, db *sql.DB, st *alerts.Store, dir Directory, o Options) (*Dispatcher, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 11
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 30 * time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if err := EnsureSchema(ctx, db); err != nil {
		return nil, err
	}
	d := &Dispatcher{db: db, alerts: st, dir: dir, opts: o}
	if err := d.recover(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// EnsureSchema creates the delivery tables.
func EnsureSchema(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("delivery: creating tables: %w", err)
	}
	return nil
}

// recover returns deliveries interrupted mid-request to the queue and closes their attempt.
func (d *Dispatcher) recover(ctx context.Context) error {
	now := d.opts.Now().UnixNano()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `UPDATE delivery_attempts SET finished_at=?, retryable=1,
		error='interrupted: the process stopped during the request' WHERE finished_at=0
		AND delivery_id IN (SELECT id FROM deliveries WHERE status='sending')`, now)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status='pending', next_attempt_at=?, updated_at=? WHERE status='sending'`, now, now)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	return tx.Commit()
}

// Enqueue routes a newly raised alert and queues its deliveries in tx (the transaction that
// raised it). It is meant as alerts.Options.OnRaise.
func Enqueue(dir Directory, now func() time.Time) func(ctx context.Context, tx *sql.Tx, a *alerts.Alert) error {
	return func(ctx context.Context, tx *sql.Tx, a *alerts.Alert) error {
		dests, err := dir.Destinations(ctx)
		if err != nil {
			return err
		}
		return queue(ctx, tx, a.ID, Route(a, dests), false, false, now())
	}
}

func queue(ctx context.Context, tx *sql.Tx, alertID string, destIDs []string, resend, test bool, now time.Time) error {
	for _, id := range destIDs {
		_, err := tx.ExecContext(ctx, `INSERT INTO deliveries (alert_id, destination_id, resend, test, status, next_attempt_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`, alertID, id, boolInt(resend), boolInt(test), now.UnixNano(), now.UnixNano(), now.UnixNano())
		if err != nil {
			return fmt.Errorf("delivery: queueing %s to %s: %w", alertID, id, err)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Route picks the destinations of an alert, as Panther does:
//  1. the detection's OutputIds contain SKIP, or destinations() returned an empty list: none;
//  2. destinations() named destinations (by display name or ID): those, unless any name is
//     unknown, in which case the override is ignored;
//  3. the detection's OutputIds;
//  4. every destination whose default severities include the alert's severity and whose
//     alert types (empty: all) include the alert's type.
func Route(a *alerts.Alert, dests []Destination) []string {
	byKey := make(map[string]string)
	for _, d := range dests {
		byKey[d.ID] = d.ID
		if d.Name != "" {
			byKey[d.Name] = d.ID
		}
	}
	for _, id := range a.OutputIDs {
		if strings.EqualFold(id, "SKIP") {
			return nil
		}
	}
	if a.Destinations != nil {
		if len(a.Destinations) == 1 && a.Destinations[0] == "SKIP" {
			return nil
		}
		var ids []string
		known := true
		for _, name := range a.Destinations {
			id, ok := byKey[name]
			if !ok {
				known = false
				break
			}
			ids = append(ids, id)
		}
		if known && len(ids) > 0 {
			return dedupe(ids)
		}
	}
	if len(a.OutputIDs) > 0 {
		var ids []string
		for _, o := range a.OutputIDs {
			if id, ok := byKey[o]; ok {
				ids = append(ids, id)
			}
		}
		return dedupe(ids)
	}
	var ids []string
	for _, d := range dests {
		if has(d.DefaultForSeverity, a.Severity) && (len(d.AlertTypes) == 0 || has(d.AlertTypes, string(a.Type))) {
			ids = append(ids, d.ID)
		}
	}
	return dedupe(ids)
}

func has(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func dedupe(ids []string) []string {
	sort.Strings(ids)
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

// Resend queues a new delivery of an alert (titles get "[Re-sent]: ") to the given
// destinations, or to its routed destinations when none are given.
func (d *Dispatcher) Resend(ctx context.Context, alertID string, destIDs []string) error {
	a, err := d.alerts.Get(ctx, alertID)
	if err != nil {
		return err
	}
	if len(destIDs) == 0 {
		dests, err := d.dir.Destinations(ctx)
		if err != nil {
			return err
		}
		destIDs = Route(a, dests)
		if len(destIDs) == 0 {
			return fmt.Errorf("delivery: alert %s routes to no destination", alertID)
		}
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := queue(ctx, tx, alertID, destIDs, true, false, d.opts.Now()); err != nil {
		return err
	}
	return tx.Commit()
}

type due struct {
	id       int64
	alertID  string
	destID   string
	resend   bool
	test     bool
	attempts int
}

// RunOnce sends every delivery that is due now and returns how many it attempted.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, alert_id, destination_id, resend, test, attempts FROM deliveries
		WHERE status='pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id`, d.opts.Now().UnixNano())
	if err != nil {
		return 0, fmt.Errorf("delivery: %w", err)
	}
	var list []due
	for rows.Next() {
		var x due
		var resend, test int
		if err := rows.Scan(&x.id, &x.alertID, &x.destID, &resend, &test, &x.attempts); err != nil {
			rows.Close()
			return 0, fmt.Errorf("delivery: %w", err)
		}
		x.resend, x.test = resend != 0, test != 0
		list = append(list, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("delivery: %w", err)
	}
	for _, x := range list {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if err := d.attempt(ctx, x); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

// NextDue returns when the next pending delivery is due, and false when none is pending.
func (d *Dispatcher) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM deliveries WHERE status='pending'`).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("delivery: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(0, next.Int64), true, nil
}

// Run delivers until ctx is done, waking up when deliveries are due (and at least every
// poll interval, for deliveries queued by other processes).
func (d *Dispatcher) Run(ctx context.Context, poll time.Duration) error {
	for {
		if _, err := d.RunOnce(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wait := poll
		if next, ok, err := d.NextDue(ctx); err == nil && ok {
			if w := next.Sub(d.opts.Now()); w < wait {
				wait = max(w, 0)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// claim marks a delivery as sending and opens its attempt, committed before the request.
func (d *Dispatcher) claim(ctx context.Context, x due, start time.Time) (attemptID int64, ok bool, err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("delivery: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status='sending', attempts=attempts+1, updated_at=? WHERE id=? AND status='pending'`,
		start.UnixNano(), x.id)
	if err != nil {
		return 0, false, fmt.Errorf("delivery: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, false, nil // another dispatcher took it
	}
	res, err = tx.ExecContext(ctx, `INSERT INTO delivery_attempts (delivery_id, started_at) VALUES (?, ?)`, x.id, start.UnixNano())
	if err != nil {
		return 0, false, fmt.Errorf("delivery: %w", err)
	}
	attemptID, _ = res.LastInsertId()
	return attemptID, true, tx.Commit()
}

func (d *Dispatcher) attempt(ctx context.Context, x due) error {
	start := d.opts.Now()
	attemptID, ok, err := d.claim(ctx, x, start)
	if err != nil || !ok {
		return err
	}
	retryable, sendErr := d.send(ctx, x)
	end := d.opts.Now()
	code := 0
	if sendErr == nil {
		code = 200
	} else if c := notify.StatusCode(sendErr); c != 0 {
		code = c
	}
	errText := ""
	if sendErr != nil {
		errText = sendErr.Error()
	}
	attempts := x.attempts + 1
	status, next := StatusDelivered, int64(0)
	if sendErr != nil {
		status = StatusFailed
		if retryable && attempts < d.opts.MaxAttempts {
			status, next = StatusPending, end.Add(d.backoff(attempts)).UnixNano()
		}
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `UPDATE delivery_attempts SET finished_at=?, status_code=?, success=?, retryable=?, error=?, latency_ms=? WHERE id=?`,
		end.UnixNano(), code, boolInt(sendErr == nil), boolInt(retryable && sendErr != nil), errText, end.Sub(start).Milliseconds(), attemptID)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status=?, next_attempt_at=?, last_error=?, updated_at=? WHERE id=?`,
		status, next, errText, end.UnixNano(), x.id)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	return tx.Commit()
}

// backoff is the delay before retry n (n >= 1): BaseDelay doubling each time, capped at
// MaxDelay, times a random factor in [0.5, 1.5).
func (d *Dispatcher) backoff(n int) time.Duration {
	delay := d.opts.BaseDelay
	for i := 1; i < n && delay < d.opts.MaxDelay; i++ {
		delay *= 2
	}
	delay = min(delay, d.opts.MaxDelay)
	return time.Duration(float64(delay) * (0.5 + d.opts.Rand()))
}

// send builds the notification and calls the destination.
func (d *Dispatcher) send(ctx context.Context, x due) (bool, error) {
	n, err := d.dir.Notifier(ctx, x.destID)
	if err != nil {
		return false, fmt.Errorf("destination %s: %w", x.destID, err)
	}
	var na *notify.Alert
	if x.test {
		na = TestAlert(d.opts.Now())
	} else {
		a, err := d.alerts.Get(ctx, x.alertID)
		if err != nil {
			return false, err
		}
		na = d.Notification(a)
		na.Resent = x.resend
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	retryable, err := n.Notify(ctx, na)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true, fmt.Errorf("timed out after %s: %w", d.opts.Timeout, err)
	}
	return retryable, err
}

// Notification converts an alert into what destinations receive.
func (d *Dispatcher) Notification(a *alerts.Alert) *notify.Alert {
	var ctxMap map[string]any
	if len(a.Context) > 0 {
		if err := json.Unmarshal(a.Context, &ctxMap); err != nil {
			ctxMap = map[string]any{"_error": "alert context is not a JSON object"}
		}
	}
	link := ""
	if d.opts.LinkBase != "" {
		link = strings.TrimRight(d.opts.LinkBase, "/") + "/alerts/" + a.ID
	}
	return &notify.Alert{
		ID: a.ID, DetectionID: a.DetectionID, Type: string(a.Type), Severity: a.Severity, Title: a.Title,
		Name: a.DisplayName, Description: a.Description, Runbook: a.Runbook, Reference: a.Reference, Tags: a.Tags,
		AlertContext: ctxMap, CreatedAt: a.CreatedAt, Link: link, LogTypes: a.LogTypes, EventCount: int(a.EventCount),
	}
}

// TestAlert is the alert sent by "send a test alert".
func TestAlert(now time.Time) *notify.Alert {
	return &notify.Alert{
		ID: "test-alert", DetectionID: "Test.Alert", Type: notify.TypeRule, Severity: notify.SeverityInfo,
		Title: "This is a test alert", Name: "Test Alert", Description: "A test alert sent by Panther to check this destination.",
		Runbook: "No action is needed.", CreatedAt: now.UTC(),
	}
}

// SendTest queues a test alert to a destination.
func (d *Dispatcher) SendTest(ctx context.Context, destID string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := queue(ctx, tx, "test-alert", []string{destID}, false, true, d.opts.Now()); err != nil {
		return err
	}
	return tx.Commit()
}

// Attempt is one recorded delivery attempt.
type Attempt struct {
	DeliveryID    int64     `json:"deliveryId"`
	AlertID       string    `json:"alertId"`
	DestinationID string    `json:"destinationId"`
	StartedAt     time.Time `json:"startedAt"`
	StatusCode    int       `json:"statusCode"`
	Success       bool      `json:"success"`
	Retryable     bool      `json:"retryable"`
	Error         string    `json:"error,omitempty"`
	Latency       int64     `json:"latencyMs"`
}

// Record is the state of one delivery with its attempts.
type Record struct {
	ID            int64     `json:"id"`
	AlertID       string    `json:"alertId"`
	DestinationID string    `json:"destinationId"`
	Status        string    `json:"status"`
	Attempts      []Attempt `json:"attempts"`
	NextAttemptAt time.Time `json:"nextAttemptAt,omitzero"`
	Resend        bool      `json:"resend,omitempty"`
}

// Deliveries returns the deliveries of an alert with their attempts.
func (d *Dispatcher) Deliveries(ctx context.Context, alertID string) ([]Record, error) {
	return Deliveries(ctx, d.db, alertID)
}

// Deliveries reads the deliveries of an alert from db.
func Deliveries(ctx context.Context, db *sql.DB, alertID string) ([]Record, error) {
	m, err := DeliveriesOf(ctx, db, []string{alertID})
	return m[alertID], err
}

// DeliveriesOf returns the deliveries of each of the alerts ids with their attempts, in one
// query (a page of alerts); an alert without deliveries has no key.
func (d *Dispatcher) DeliveriesOf(ctx context.Context, ids []string) (map[string][]Record, error) {
	return DeliveriesOf(ctx, d.db, ids)
}

// DeliveriesOf reads the deliveries of the alerts ids from db.
func DeliveriesOf(ctx context.Context, db *sql.DB, ids []string) (map[string][]Record, error) {
	out := map[string][]Record{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	rows, err := db.QueryContext(ctx, `SELECT d.id, d.alert_id, d.destination_id, d.status, d.next_attempt_at, d.resend,
		a.started_at, a.status_code, a.success, a.retryable, a.error, a.latency_ms
		FROM deliveries d LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
		WHERE d.alert_id IN (`+ph+`) ORDER BY d.id, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, next                        int64
			alertID, dest, status           string
			resend                          int
			started, code, succ, retry, lat sql.NullInt64
			errText                         sql.NullString
		)
		if err := rows.Scan(&id, &alertID, &dest, &status, &next, &resend, &started, &code, &succ, &retry, &errText, &lat); err != nil {
			return nil, fmt.Errorf("delivery: %w", err)
		}
		recs := out[alertID]
		if len(recs) == 0 || recs[len(recs)-1].ID != id {
			r := Record{ID: id, AlertID: alertID, DestinationID: dest, Status: status, Resend: resend != 0}
			if status == StatusPending {
				r.NextAttemptAt = time.Unix(0, next).UTC()
			}
			recs = append(recs, r)
		}
		if started.Valid {
			r := &recs[len(recs)-1]
			r.Attempts = append(r.Attempts, Attempt{DeliveryID: id, AlertID: alertID, DestinationID: dest,
				StartedAt: time.Unix(0, started.Int64).UTC(), StatusCode: int(code.Int64), Success: succ.Int64 != 0,
				Retryable: retry.Int64 != 0, Error: errText.String, Latency: lat.Int64})
		}
		out[alertID] = recs
	}
	return out, rows.Err()
}
