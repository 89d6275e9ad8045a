package graphql

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/auth"
)

// rolesEpoch is the creation time shown for the built-in roles.
var rolesEpoch = time.Unix(0, 0).UTC()

func roleModel(r auth.Role) *model.Role {
	perms := []model.Permission{}
	for _, p := range r.PantherPermissions() {
		perms = append(perms, model.Permission(p))
	}
	return &model.Role{
		ID: string(r), Name: string(r), Permissions: perms,
		LogTypeAccessKind: model.LogTypeAccessKindAllowAll,
		CreatedAt:         rolesEpoch, UpdatedAt: rolesEpoch,
	}
}

func userModel(u auth.User) *model.User {
	status := string(u.Status)
	if u.Status == auth.StatusConfirmed {
		status = "ACTIVE"
	}
	return &model.User{
		CreatedAt: u.CreatedAt.UTC(), Email: u.Email, Enabled: u.Enabled,
		GivenName: optStr(u.GivenName), FamilyName: optStr(u.FamilyName), ID: u.ID,
		LastLoggedInAt: u.LastSignInAt, Role: roleModel(u.Role), Status: status, MfaEnabled: u.MFAEnabled,
	}
}

func (r *Resolver) tokenModel(t auth.Token, value string) *model.APIToken {
	m := &model.APIToken{
		AllowedCIDRBlocks: []string{}, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt, ID: t.ID,
		LastUsedAt: t.LastUsedAt, Name: t.Name, Role: roleModel(t.Role), CreatedByRef: t.CreatedBy,
	}
	for _, p := range t.Role.PantherPermissions() {
		m.Permissions = append(m.Permissions, model.Permission(p))
	}
	if value != "" {
		m.Value = &value
	}
	return m
}

// featureFlags are the answers to featureFlags; flags not listed get the caller's default.
var featureFlags = map[string]bool{
	// panther_analysis_tool prints correlation rule upload counts when this is on.
	"EnableCorrelationRules": true,
}

var errFixedRoles = apierr.New(apierr.InvalidInput, "roles are fixed in Panther-in-Go: Admin, Analyst and ReadOnly; give users and tokens one of them")

// roleOf reads a UserRoleInput: a role by ID or by name (both are the role's name).
func roleOf(in *model.UserRoleInput) (auth.Role, error) {
	role, err := auth.ParseRole(in.Value)
	if err != nil {
		return "", invalid("role: %v", err)
	}
	return role, nil
}

func auditModel(e auth.AuditEntry) *model.AuditLogEntry {
	target := e.TargetID
	if e.TargetType != "" && target != "" {
		target = e.TargetType + " " + target
	}
	m := &model.AuditLogEntry{
		ID: strconv.FormatInt(e.ID, 10), At: e.Time.UTC(), ActorID: e.ActorID, ActorName: e.ActorName, Via: e.ActorType,
		Action: e.Action, Target: target, SourceAddress: e.RemoteAddr, Success: e.Result != auth.ResultFailure,
	}
	if e.Summary != "" {
		var v any
		if json.Unmarshal([]byte(e.Summary), &v) == nil {
			m.Details = v
		} else {
			m.Details = e.Summary
		}
	}
	return m
}
