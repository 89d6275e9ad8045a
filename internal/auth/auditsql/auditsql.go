// Package auditsql is panther_system.audit: the audit log of internal/auth as a system table
// of the SQL engine. It is apart from internal/auth so that only what serves SQL links DuckDB.
package auditsql

import (
	"context"
	"fmt"
	"strconv"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// Scanner reads the audit log from an id on; *auth.Service implements it.
type Scanner interface {
	ScanAudit(ctx context.Context, afterID int64, fn func(auth.AuditEntry) error) error
}

// Table is panther_system.audit over the audit log s reads. The log only grows, so the engine
// appends the entries after the last id it holds before each query that names the table.
//
// SQL from the API (an untrusted query) reads it only for a principal with audit:read, as the
// API's own audit log query: the context's principal (auth.PrincipalFrom) decides, and a
// query without one is refused. Trusted queries (panther query on the data dir) read it.
func Table(s Scanner) sqlengine.SystemTable {
	cols := make([]sqlengine.Column, len(auth.AuditSQLColumns))
	for i, c := range auth.AuditSQLColumns {
		cols[i] = sqlengine.Column{Name: c.Name, Type: c.Type, Description: c.Description}
	}
	return sqlengine.SystemTable{
		Name:        "audit",
		Description: "The audit log: every change and every sign-in (who, when, what, from where, and whether it succeeded)",
		Columns:     cols,
		AppendOnly:  true,
		Allow:       Allow,
		Rows: func(ctx context.Context, since string, emit func(row []any) error) (string, error) {
			var after int64
			if since != "" {
				var err error
				if after, err = strconv.ParseInt(since, 10, 64); err != nil {
					return since, fmt.Errorf("panther_system.audit: bad cursor %q", since)
				}
			}
			last := after
			err := s.ScanAudit(ctx, after, func(e auth.AuditEntry) error {
				last = e.ID
				return emit(e.SQLRow())
			})
			return strconv.FormatInt(last, 10), err
		},
	}
}

// Allow lets an untrusted query read panther_system.audit when the principal of ctx has
// audit:read; its error is the reason the query is refused.
func Allow(ctx context.Context) error {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return fmt.Errorf("panther_system.audit is the audit log: reading it needs the %s permission, and this query has no principal", auth.AuditRead)
	}
	if !p.Can(auth.AuditRead) {
		role := string(p.Role)
		if role == "" {
			role = "no"
		}
		return fmt.Errorf("panther_system.audit is the audit log: reading it needs the %s permission, which the %s role does not have (ask an Admin)", auth.AuditRead, role)
	}
	return nil
}
