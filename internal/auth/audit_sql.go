package auth

// SQLColumn is a column of a SQL system table, with its DuckDB type.
type SQLColumn struct {
	Name        string
	Type        string
	Description string
}

// AuditSQLColumns are the columns of panther_system.audit, in the order of
// AuditEntry.SQLRow. The SQL engine fills the table from ScanAudit (incrementally: entries are
// only appended, and ids only grow).
var AuditSQLColumns = []SQLColumn{
	{"id", "BIGINT", "the entry's number; later entries have larger ones"},
	{"time", "TIMESTAMP WITH TIME ZONE", "when it happened"},
	{"actor_type", "VARCHAR", "how the actor was authenticated: session, token, cli, system, or anonymous (a sign-in attempt)"},
	{"actor_id", "VARCHAR", "the user's or the API token's id"},
	{"actor_name", "VARCHAR", "the user's e-mail, the token's name or the OS user of a panther command"},
	{"action", "VARCHAR", "what was done, as area.verb: auth.sign_in, users.create, alerts.update_status, ..."},
	{"target_type", "VARCHAR", "the kind of thing acted on: user, token, session, alert, rule, ..."},
	{"target_id", "VARCHAR", "the id of the thing acted on"},
	{"summary", "VARCHAR", "what changed, in words (never secrets)"},
	{"result", "VARCHAR", "success or failure"},
	{"remote_addr", "VARCHAR", "the client's address"},
	{"user_agent", "VARCHAR", "the client's User-Agent"},
}

// SQLRow returns the entry's values in the order of AuditSQLColumns.
func (e AuditEntry) SQLRow() []any {
	return []any{e.ID, e.Time, e.ActorType, e.ActorID, e.ActorName, e.Action, e.TargetType, e.TargetID, e.Summary,
		e.Result, e.RemoteAddr, e.UserAgent}
}
