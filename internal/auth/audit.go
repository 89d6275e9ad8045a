package auth

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// maxSummary bounds an audit summary (bytes).
const maxSummary = 2000

// Audit records an entry in the audit log. Actor fields left empty are taken from the
// context's principal (WithPrincipal), and the remote address and user agent from its
// RequestInfo; the API calls it after every change it makes through other services. The
// summary must not carry secrets.
func (s *Service) Audit(ctx context.Context, e AuditEntry) error {
	return s.audit(ctx, s.db, actorFrom(ctx), e)
}

// audit writes e with actor, in db (a transaction, so a change and its entry commit together).
func (s *Service) audit(ctx context.Context, db execer, actor Principal, e AuditEntry) error {
	if e.Action == "" {
		return fmt.Errorf("auth: an audit entry needs an action")
	}
	if e.ActorType == "" {
		e.ActorType = actor.Via
		if e.ActorType == "" {
			e.ActorType = "anonymous"
		}
		e.ActorID = actor.UserID
		if actor.Via == ViaToken {
			e.ActorID = actor.TokenID
		}
		e.ActorName = actor.Email
		if e.ActorName == "" {
			e.ActorName = actor.Name
		}
	}
	ri := RequestFrom(ctx)
	if e.RemoteAddr == "" {
		e.RemoteAddr = ri.RemoteAddr
	}
	if e.UserAgent == "" {
		e.UserAgent = ri.UserAgent
	}
	if e.Result == "" {
		e.Result = ResultSuccess
	}
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	_, err := db.ExecContext(ctx, `INSERT INTO audit_log (time, actor_type, actor_id, actor_name, action, target_type,
		target_id, summary, result, remote_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		micros(e.Time), e.ActorType, e.ActorID, clean(e.ActorName, 320), clean(e.Action, 100), clean(e.TargetType, 100),
		clean(e.TargetID, 300), clean(e.Summary, maxSummary), e.Result, clean(e.RemoteAddr, 100), clean(e.UserAgent, 512))
	if err != nil {
		return fmt.Errorf("auth: writing the audit log: %w", err)
	}
	return nil
}

// auditBestEffort records an entry outside a transaction; a failure is logged, not returned
// (a sign-in answer does not wait on it).
func (s *Service) auditBestEffort(ctx context.Context, actor Principal, e AuditEntry) {
	if err := s.audit(ctx, s.db, actor, e); err != nil {
		s.log.Error("audit log", "action", e.Action, "err", err)
	}
}

// clean makes user-supplied text safe to store and show: valid UTF-8, no control characters
// (a forged line break in a log view), at most n bytes.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

const auditColumns = `id, time, actor_type, actor_id, actor_name, action, target_type, target_id, summary, result,
	remote_addr, user_agent`

func scanAudit(sc interface{ Scan(...any) error }) (AuditEntry, error) {
	var e AuditEntry
	var t int64
	err := sc.Scan(&e.ID, &t, &e.ActorType, &e.ActorID, &e.ActorName, &e.Action, &e.TargetType, &e.TargetID,
		&e.Summary, &e.Result, &e.RemoteAddr, &e.UserAgent)
	e.Time = fromMicros(t)
	return e, err
}

// AuditLog returns a page of the entries f selects, newest first.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) (AuditPage, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE 1=1`
	var args []any
	if !f.From.IsZero() {
		q += ` AND time >= ?`
		args = append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND time < ?`
		args = append(args, micros(f.To))
	}
	if f.Actor != "" {
		q += ` AND (actor_id = ? OR actor_name = ?)`
		args = append(args, f.Actor, f.Actor)
	}
	if area, ok := strings.CutSuffix(f.Action, "."); ok {
		q += ` AND substr(action, 1, ?) = ?`
		args = append(args, len(area)+1, area+".")
	} else if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.TargetType != "" {
		q += ` AND target_type = ?`
		args = append(args, f.TargetType)
	}
	if f.TargetID != "" {
		q += ` AND target_id = ?`
		args = append(args, f.TargetID)
	}
	if f.Result != "" {
		q += ` AND result = ?`
		args = append(args, f.Result)
	}
	if f.Cursor != "" {
		before, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || before <= 0 {
			return AuditPage{}, &ValidationError{Field: "cursor", Msg: fmt.Sprintf("%q is not a cursor this log returned", f.Cursor)}
		}
		q += ` AND id < ?`
		args = append(args, before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return AuditPage{}, fmt.Errorf("auth: reading the audit log: %w", err)
	}
	defer rows.Close()
	var page AuditPage
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return AuditPage{}, fmt.Errorf("auth: reading the audit log: %w", err)
		}
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return AuditPage{}, fmt.Errorf("auth: reading the audit log: %w", err)
	}
	if len(page.Entries) > limit {
		page.Entries = page.Entries[:limit]
		page.Next = strconv.FormatInt(page.Entries[limit-1].ID, 10)
	}
	return page, nil
}

// ScanAudit calls fn for every entry with an id above afterID, oldest first: the rows of
// the panther_system.audit SQL table (a reader that keeps the last id copies only what is new).
func (s *Service) ScanAudit(ctx context.Context, afterID int64, fn func(AuditEntry) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE id > ? ORDER BY id`, afterID)
	if err != nil {
		return fmt.Errorf("auth: reading the audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return fmt.Errorf("auth: reading the audit log: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
