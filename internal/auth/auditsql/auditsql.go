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
