package auth

import (
	"errors"
	"slices"
	"testing"
)

// TestRolePermissions spells out the table: a change of what a role may do shows up here.
func TestRolePermissions(t *testing.T) {
	analystDenied := []Permission{DestinationsWrite, DestinationsSecrets, UsersWrite, TokensRead, TokensWrite,
		SettingsWrite, AuditRead}
	readOnly := []Permission{AlertsRead, DetectionsRead, SourcesRead, DestinationsRead, QueriesRun, SettingsRead,
		MetricsRead, CloudsecRead}
	for _, p := range Permissions() {
		if !RoleAdmin.Can(p) {
			t.Errorf("Admin cannot %s", p)
		}
		if got, want := RoleAnalyst.Can(p), !slices.Contains(analystDenied, p); got != want {
			t.Errorf("Analyst.Can(%s) = %v, want %v", p, got, want)
		}
		if got, want := RoleReadOnly.Can(p), slices.Contains(readOnly, p); got != want {
			t.Errorf("ReadOnly.Can(%s) = %v, want %v", p, got, want)
		}
		if Role("Owner").Can(p) || Role("").Can(p) {
			t.Errorf("an unknown role can %s", p)
		}
	}
}

func TestEveryPermissionIsInTheTable(t *testing.T) {
	for r, perms := range rolePermissions {
		for _, p := range perms {
			if !slices.Contains(allPermissions, p) {
				t.Errorf("%s has %s, which Permissions() does not list", r, p)
			}
		}
	}
	seen := map[Permission]bool{}
	for _, p := range allPermissions {
		if seen[p] {
			t.Errorf("%s listed twice", p)
		}
		seen[p] = true
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]Role{"Admin": RoleAdmin, "admin": RoleAdmin, " ANALYST ": RoleAnalyst,
		"ReadOnly": RoleReadOnly, "read-only": RoleReadOnly, "read_only": RoleReadOnly} {
		got, err := ParseRole(in)
		if err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRole("root"); err == nil || err.Error() != `unknown role "root" (expected Admin, Analyst or ReadOnly)` {
		t.Errorf("ParseRole(root) error = %v", err)
	}
}

func TestCovers(t *testing.T) {
	cases := []struct {
		r, other Role
		want     bool
	}{
		{RoleAdmin, RoleAdmin, true}, {RoleAdmin, RoleAnalyst, true}, {RoleAdmin, RoleReadOnly, true},
		{RoleAnalyst, RoleAdmin, false}, {RoleAnalyst, RoleAnalyst, true}, {RoleAnalyst, RoleReadOnly, true},
		{RoleReadOnly, RoleAnalyst, false}, {RoleReadOnly, RoleReadOnly, true}, {RoleAdmin, "Owner", false},
	}
	for _, c := range cases {
		if got := c.r.Covers(c.other); got != c.want {
			t.Errorf("%s.Covers(%s) = %v, want %v", c.r, c.other, got, c.want)
		}
	}
}

func TestPantherPermissions(t *testing.T) {
	got := RoleReadOnly.PantherPermissions()
	want := []string{"AlertRead", "CloudsecSourceRead", "DataAnalyticsRead", "DestinationRead", "GeneralSettingsRead",
		"LogSourceRead", "PolicyRead", "ResourceRead", "RuleRead", "SummaryRead"}
	if !slices.Equal(got, want) {
		t.Errorf("ReadOnly Panther permissions = %v, want %v", got, want)
	}
	admin := RoleAdmin.PantherPermissions()
	for _, p := range []string{"UserModify", "OrganizationAPITokenModify", "BulkUpload", "RuleModify"} {
		if !slices.Contains(admin, p) {
			t.Errorf("Admin lacks %s: %v", p, admin)
		}
	}
	if slices.Contains(RoleAnalyst.PantherPermissions(), "UserModify") {
		t.Error("Analyst has UserModify")
	}
}

func TestPrincipalActor(t *testing.T) {
	cases := map[string]Principal{
		"ana@example.com": {UserID: "u1", Email: "ana@example.com", Via: ViaSession},
		"token ci":        {TokenID: "t1", Name: "ci", Via: ViaToken},
		"cli root":        CLI("root"),
		"system":          System(),
	}
	for want, p := range cases {
		if got := p.Actor(); got != want {
			t.Errorf("Actor() = %q, want %q", got, want)
		}
	}
}

func TestRequire(t *testing.T) {
	p := Principal{Email: "ro@example.com", Role: RoleReadOnly, Via: ViaSession}
	if err := p.Require(AlertsRead); err != nil {
		t.Errorf("ReadOnly Require(alerts:read) = %v", err)
	}
	err := p.Require(AlertsWrite)
	if !errors.Is(err, ErrForbidden) || err.Error() != "permission denied: ro@example.com (ReadOnly) lacks alerts:write" {
		t.Errorf("ReadOnly Require(alerts:write) = %v", err)
	}
	if err := (Principal{}).Require(AlertsRead); !errors.Is(err, ErrForbidden) {
		t.Errorf("the zero principal = %v", err)
	}
}
