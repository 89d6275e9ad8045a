package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Role is a named set of permissions held by a user or an API token.
type Role string

// The roles. A user or a token has exactly one.
const (
	// RoleAdmin may do everything.
	RoleAdmin Role = "Admin"
	// RoleAnalyst triages alerts, writes detections, runs and saves queries and manages log
	// sources and cloud accounts; it manages no users, tokens, settings or destinations and
	// never sees destination secrets.
	RoleAnalyst Role = "Analyst"
	// RoleReadOnly reads alerts, detections, sources, destinations (redacted), settings and
	// metrics, and runs queries (SQL through the API is read-only and contained).
	RoleReadOnly Role = "ReadOnly"
)

// Permission is one thing an operation needs. The API declares, for each operation, the one
// permission it needs and checks it in one place with Role.Can.
type Permission string

// The permissions.
const (
	AlertsRead  Permission = "alerts:read"  // list and read alerts, their events, comments, deliveries
	AlertsWrite Permission = "alerts:write" // status, assignee, comments, re-send

	DetectionsRead  Permission = "detections:read"  // rules, policies, globals, data models, packs
	DetectionsWrite Permission = "detections:write" // create, update, delete, enable, bulk upload, run tests

	SourcesRead  Permission = "sources:read"  // log sources and their health, log types, custom schemas
	SourcesWrite Permission = "sources:write" // add, update, remove sources and custom schemas

	DestinationsRead    Permission = "destinations:read"    // destinations with their secrets redacted
	DestinationsWrite   Permission = "destinations:write"   // add, update, remove, send a test alert
	DestinationsSecrets Permission = "destinations:secrets" // read destination secrets in the clear

	QueriesRun   Permission = "queries:run"   // run SQL and indicator searches, read the query history
	QueriesWrite Permission = "queries:write" // create, update, delete saved queries

	UsersRead  Permission = "users:read"  // list users (names, e-mails, roles): alert assignees
	UsersWrite Permission = "users:write" // invite, update, disable, delete users, reset passwords

	TokensRead  Permission = "tokens:read"  // list API tokens (never their secrets)
	TokensWrite Permission = "tokens:write" // create and revoke API tokens

	SettingsRead  Permission = "settings:read"  // general and access settings
	SettingsWrite Permission = "settings:write" // change them (require MFA, ...)

	AuditRead Permission = "audit:read" // the audit log

	MetricsRead Permission = "metrics:read" // event, byte and alert counts for charts

	CloudsecRead  Permission = "cloudsec:read"  // cloud accounts, resources, compliance
	CloudsecWrite Permission = "cloudsec:write" // add cloud accounts, suppress, remediate
)

// rolePermissions is the one table of what each role may do. Admin has every permission.
var rolePermissions = map[Role][]Permission{
	RoleAdmin: allPermissions,
	RoleAnalyst: {
		AlertsRead, AlertsWrite,
		DetectionsRead, DetectionsWrite,
		SourcesRead, SourcesWrite,
		DestinationsRead,
		QueriesRun, QueriesWrite,
		// Triage assigns alerts to people, so an analyst sees who they are.
		UsersRead,
		SettingsRead,
		MetricsRead,
		CloudsecRead, CloudsecWrite,
	},
	RoleReadOnly: {
		AlertsRead,
		DetectionsRead,
		SourcesRead,
		DestinationsRead,
		QueriesRun,
		SettingsRead,
		MetricsRead,
		CloudsecRead,
	},
}

var allPermissions = []Permission{
	AlertsRead, AlertsWrite,
	DetectionsRead, DetectionsWrite,
	SourcesRead, SourcesWrite,
	DestinationsRead, DestinationsWrite, DestinationsSecrets,
	QueriesRun, QueriesWrite,
	UsersRead, UsersWrite,
	TokensRead, TokensWrite,
	SettingsRead, SettingsWrite,
	AuditRead,
	MetricsRead,
	CloudsecRead, CloudsecWrite,
}

// Roles returns the roles, most powerful first.
func Roles() []Role { return []Role{RoleAdmin, RoleAnalyst, RoleReadOnly} }

// Permissions returns every permission, in a fixed order.
func Permissions() []Permission { return slices.Clone(allPermissions) }

// Can reports whether the role has permission p. An unknown role can do nothing.
func (r Role) Can(p Permission) bool {
	return slices.Contains(rolePermissions[r], p)
}

// Permissions returns the role's permissions, in the order of Permissions.
func (r Role) Permissions() []Permission { return slices.Clone(rolePermissions[r]) }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	_, ok := rolePermissions[r]
	return ok
}

// Covers reports whether r has every permission of other: a principal may only hand out
// (to a token or a user) a role its own role covers.
func (r Role) Covers(other Role) bool {
	if !other.Valid() {
		return false
	}
	for _, p := range rolePermissions[other] {
		if !r.Can(p) {
			return false
		}
	}
	return true
}

// Description is a one-line description of the role, for lists of roles.
func (r Role) Description() string {
	switch r {
	case RoleAdmin:
		return "Full access, including users, API tokens, settings, destination secrets and the audit log"
	case RoleAnalyst:
		return "Triage alerts, write detections, run queries, manage log sources and cloud accounts"
	case RoleReadOnly:
		return "Read alerts, detections, sources, destinations and metrics; run queries"
	}
	return ""
}

// ParseRole reads a role name, ignoring case ("admin", "Analyst", "readonly", "read-only").
func ParseRole(s string) (Role, error) {
	k := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.TrimSpace(s)))
	for _, r := range Roles() {
		if strings.ToLower(string(r)) == k {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (expected Admin, Analyst or ReadOnly)", s)
}

// pantherNames maps each permission to the names Panther's API reports for it (the
// permissions of `GET /v1/api-tokens/self` and `/v1/roles`, which clients such as mcp-panther
// read to decide what they may call).
var pantherNames = map[Permission][]string{
	AlertsRead:       {"AlertRead"},
	AlertsWrite:      {"AlertModify"},
	DetectionsRead:   {"RuleRead", "PolicyRead"},
	DetectionsWrite:  {"RuleModify", "PolicyModify", "BulkUpload", "BulkUploadValidate"},
	SourcesRead:      {"LogSourceRead"},
	SourcesWrite:     {"LogSourceModify"},
	DestinationsRead: {"DestinationRead"},
	// Panther folds reading destination secrets into DestinationModify.
	DestinationsWrite: {"DestinationModify"},
	QueriesRun:        {"DataAnalyticsRead"},
	QueriesWrite:      {"DataAnalyticsModify"},
	UsersRead:         {"UserRead"},
	UsersWrite:        {"UserModify"},
	TokensRead:        {"OrganizationAPITokenRead"},
	TokensWrite:       {"OrganizationAPITokenModify"},
	SettingsRead:      {"GeneralSettingsRead"},
	SettingsWrite:     {"GeneralSettingsModify"},
	MetricsRead:       {"SummaryRead"},
	CloudsecRead:      {"CloudsecSourceRead", "ResourceRead"},
	CloudsecWrite:     {"CloudsecSourceModify", "ResourceModify"},
}

// PantherPermissions returns the role's permissions under Panther's names (such as
// "AlertRead", "RuleModify"), sorted, for API answers that clients written for Panther read.
func (r Role) PantherPermissions() []string {
	var out []string
	for _, p := range rolePermissions[r] {
		out = append(out, pantherNames[p]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
