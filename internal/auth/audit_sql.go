package auth

// SQLColumn is a column of a SQL system table, with its DuckDB type.
type SQLColumn struct {
	Name string
	Type string
}

// AuditSQLColumns are the columns of panther_system.audit, in the order of
// AuditEntry.SQLRow. The SQL engine fills the table from ScanAudit (incrementally: entries are
// only appended, and ids only grow).
var AuditSQLColumns = []SQLColumn{
	{"id", "BIGINT"},
	{"time", "TIMESTAMP WITH TIME ZONE"},
	{"actor_type", "VARCHAR"},
	{"actor_id", "VARCHAR"},
	{"actor_name", "VARCHAR"},
	{"action", "VARCHAR"},
	{"target_type", "VARCHAR"},
	{"target_id", "VARCHAR"},
	{"summary", "VARCHAR"},
	{"result", "VARCHAR"},
	{"remote_addr", "VARCHAR"},
	{"user_agent", "VARCHAR"},
}

// SQLRow returns the entry's values in the order of AuditSQLColumns.
func (e AuditEntry) SQLRow() []any {
	return []any{e.ID, e.Time, e.ActorType, e.ActorID, e.ActorName, e.Action, e.TargetType, e.TargetID, e.Summary,
		e.Result, e.RemoteAddr, e.UserAgent}
}
