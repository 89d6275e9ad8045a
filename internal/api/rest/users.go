package rest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/auth"
)

type roleRefJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type userJSON struct {
	ID             string      `json:"id"`
	Email          string      `json:"email"`
	GivenName      string      `json:"givenName"`
	FamilyName     string      `json:"familyName"`
	Enabled        bool        `json:"enabled"`
	Status         string      `json:"status"`
	Role           roleRefJSON `json:"role"`
	CreatedAt      string      `json:"createdAt"`
	LastLoggedInAt *string     `json:"lastLoggedInAt,omitempty"`
	// TemporaryPassword is set only when the user is created.
	TemporaryPassword string `json:"temporaryPassword,omitempty"`
}

func userJSONOf(u *model.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, GivenName: deref(u.GivenName), FamilyName: deref(u.FamilyName), Enabled: u.Enabled,
		Status: u.Status, Role: roleRefJSON{ID: u.Role.ID, Name: u.Role.Name}, CreatedAt: timeText(u.CreatedAt), LastLoggedInAt: timePtr(u.LastLoggedInAt)}
}

func (h *handlers) listUsers(w http.ResponseWriter, r *http.Request) {
	n, err := limit(r, 60, 1000)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	includeOff, err := optBool(r, "include-deactivated", false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := auth.UserFilter{Contains: q.Get("contains"), Status: auth.UserStatus(q.Get("status"))}
	if !includeOff {
		f.Enabled = ptr(true)
	}
	users, err := h.d.Auth.ListUsers(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids := append(list(r, "id"), list(r, "ids")...)
	email := q.Get("email")
	var kept []*model.User
	for _, u := range users {
		if len(ids) > 0 && !slices.Contains(ids, u.ID) {
			continue
		}
		if email != "" && !strings.EqualFold(email, u.Email) {
			continue
		}
		m, err := h.r.Query().UserByID(r.Context(), u.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		kept = append(kept, m)
	}
	pg, next := page(kept, func(u *model.User) string { return u.ID }, q.Get("cursor"), n)
	out := listJSON[userJSON]{Results: []userJSON{}, Next: next}
	for _, u := range pg {
		out.Results = append(out.Results, userJSONOf(u))
	}
	writeJSON(w, http.StatusOK, out)
}

// findUser accepts a user ID or an e-mail.
func (h *handlers) findUser(r *http.Request) (*model.User, error) {
	u, err := h.d.Auth.FindUser(r.Context(), pathID(r))
	if err != nil {
		return nil, apierr.New(apierr.NotFound, "no user with ID or e-mail %q", pathID(r))
	}
	return h.r.Query().UserByID(r.Context(), u.ID)
}

func (h *handlers) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.findUser(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSONOf(u))
}

type modifyUserJSON struct {
	Email      *string      `json:"email"`
	GivenName  *string      `json:"givenName"`
	FamilyName *string      `json:"familyName"`
	Role       *roleRefJSON `json:"role"`
}

func (m *modifyUserJSON) role() *model.UserRoleInput {
	if m.Role == nil {
		return nil
	}
	v := m.Role.Name
	if v == "" {
		v = m.Role.ID
	}
	return &model.UserRoleInput{Kind: model.UserRoleInputKindName, Value: v}
}

func (h *handlers) createUser(w http.ResponseWriter, r *http.Request) {
	var in modifyUserJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if deref(in.Email) == "" || in.Role == nil {
		h.fail(w, r, badRequest("email and role are required"))
		return
	}
	res, err := h.r.Mutation().InviteUser(r.Context(), model.InviteUserInput{Email: *in.Email, GivenName: deref(in.GivenName),
		FamilyName: deref(in.FamilyName), Role: in.role()})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := userJSONOf(res.User)
	out.TemporaryPassword = res.TemporaryPassword
	writeJSON(w, http.StatusOK, out)
}

func (h *handlers) updateUser(w http.ResponseWriter, r *http.Request) {
	var in modifyUserJSON
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.findUser(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.r.Mutation().UpdateUser(r.Context(), model.UpdateUserInput{ID: u.ID, Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName, Role: in.role()})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSONOf(res.User))
}

func (h *handlers) deleteUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.findUser(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.r.Mutation().DeleteUser(r.Context(), model.DeleteUserInput{ID: u.ID}); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

type roleJSON struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	Permissions       []string `json:"permissions"`
	LogTypeAccess     []string `json:"logTypeAccess"`
	LogTypeAccessKind string   `json:"logTypeAccessKind"`
	CreatedAt         string   `json:"createdAt"`
	UpdatedAt         string   `json:"updatedAt"`
}

func roleJSONOf(m *model.Role) roleJSON {
	out := roleJSON{ID: m.ID, Name: m.Name, Permissions: []string{}, LogTypeAccess: nonNil(m.LogTypeAccess),
		LogTypeAccessKind: string(m.LogTypeAccessKind), CreatedAt: timeText(m.CreatedAt), UpdatedAt: timeText(m.UpdatedAt)}
	for _, p := range m.Permissions {
		out.Permissions = append(out.Permissions, string(p))
	}
	return out
}

func (h *handlers) listRoles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := &model.RolesInput{NameContains: optParam(q.Get("name-contains"))}
	switch d := q.Get("sort-dir"); d {
	case "", "asc":
	case "desc":
		in.SortDir = ptr(model.SortDirEnumDescending)
	default:
		h.fail(w, r, badRequest("sort-dir must be asc or desc, got %q", d))
		return
	}
	roles, err := h.r.Query().Roles(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids := append(list(r, "id"), list(r, "ids")...)
	out := listJSON[roleJSON]{Results: []roleJSON{}}
	for _, m := range roles {
		if name := q.Get("name"); name != "" && !strings.EqualFold(name, m.Name) {
			continue
		}
		if len(ids) > 0 && !slices.Contains(ids, m.ID) {
			continue
		}
		out.Results = append(out.Results, roleJSONOf(m))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handlers) getRole(w http.ResponseWriter, r *http.Request) {
	m, err := h.r.Query().RoleByID(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roleJSONOf(m))
}

func (h *handlers) fixedRoles(w http.ResponseWriter, r *http.Request) {
	_, err := h.r.Mutation().CreateRole(r.Context(), model.CreateRoleInput{})
	h.fail(w, r, err)
}

type tokenJSON struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	Permissions       []string   `json:"permissions"`
	Role              string     `json:"role"`
	AllowedCIDRBlocks []string   `json:"allowedCIDRBlocks"`
	CreatedAt         string     `json:"createdAt"`
	CreatedBy         *actorJSON `json:"createdBy,omitempty"`
	ExpiresAt         *string    `json:"expiresAt,omitempty"`
	LastUsedAt        *string    `json:"lastUsedAt,omitempty"`
	RotatedAt         *string    `json:"rotatedAt,omitempty"`
	Value             *string    `json:"value,omitempty"`
}

func (h *handlers) tokenJSON(r *http.Request, t *model.APIToken) tokenJSON {
	out := tokenJSON{ID: t.ID, Name: t.Name, Permissions: []string{}, Role: t.Role.Name, AllowedCIDRBlocks: nonNil(t.AllowedCIDRBlocks),
		CreatedAt: timeText(t.CreatedAt), ExpiresAt: timePtr(t.ExpiresAt), LastUsedAt: timePtr(t.LastUsedAt), RotatedAt: timePtr(t.RotatedAt), Value: t.Value}
	for _, p := range t.Permissions {
		out.Permissions = append(out.Permissions, string(p))
	}
	if u, err := h.r.APIToken().CreatedBy(r.Context(), t); err == nil && u != nil {
		out.CreatedBy = &actorJSON{ID: u.ID, Type: "user", Name: u.Email}
	}
	return out
}

func (h *handlers) listTokens(w http.ResponseWriter, r *http.Request) {
	list, err := h.r.Query().APITokens(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := listJSON[tokenJSON]{Results: []tokenJSON{}}
	for _, t := range list {
		out.Results = append(out.Results, h.tokenJSON(r, t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handlers) tokenByID(r *http.Request) (*model.APIToken, error) {
	t, err := h.d.Auth.GetToken(r.Context(), pathID(r))
	if err != nil || t.RevokedAt != nil {
		return nil, apierr.New(apierr.NotFound, "no API token with ID %q", pathID(r))
	}
	list, err := h.r.Query().APITokens(r.Context())
	if err != nil {
		return nil, err
	}
	for _, m := range list {
		if m.ID == t.ID {
			return m, nil
		}
	}
	return nil, apierr.New(apierr.NotFound, "no API token with ID %q", pathID(r))
}

func (h *handlers) getToken(w http.ResponseWriter, r *http.Request) {
	t, err := h.tokenByID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.tokenJSON(r, t))
}

// roleForPermissions picks the least powerful role that has every permission asked for
// (Panther's tokens hold permission lists; ours hold a role).
func roleForPermissions(perms []string) (auth.Role, error) {
	roles := auth.Roles()
	for i := len(roles) - 1; i >= 0; i-- {
		have := roles[i].PantherPermissions()
		ok := true
		for _, p := range perms {
			if !slices.Contains(have, p) {
				ok = false
				break
			}
		}
		if ok {
			return roles[i], nil
		}
	}
	return "", badRequest("no role holds all of %s", strings.Join(perms, ", "))
}

func (h *handlers) createToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string   `json:"name"`
		Permissions []string `json:"permissions"`
		Role        string   `json:"role"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	role := in.Role
	if role == "" {
		ro, err := roleForPermissions(in.Permissions)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		role = string(ro)
	}
	res, err := h.r.Mutation().CreateAPIToken(r.Context(), model.CreateAPITokenInput{Name: in.Name, Role: role})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.tokenJSON(r, res.Token))
}

func (h *handlers) updateToken(w http.ResponseWriter, r *http.Request) {
	if _, err := h.tokenByID(r); err != nil {
		h.fail(w, r, err)
		return
	}
	h.fail(w, r, apierr.New(apierr.InvalidInput, "API tokens cannot be changed: create a new token and delete this one"))
}

func (h *handlers) deleteToken(w http.ResponseWriter, r *http.Request) {
	if _, err := h.r.Mutation().DeleteAPIToken(r.Context(), model.DeleteAPITokenInput{ID: pathID(r)}); err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w)
}

// rotateToken replaces a token with a new one of the same name and role.
func (h *handlers) rotateToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	old, err := h.d.Auth.GetToken(ctx, pathID(r))
	if err != nil || old.RevokedAt != nil {
		h.fail(w, r, apierr.New(apierr.NotFound, "no API token with ID %q", pathID(r)))
		return
	}
	if err := h.d.Auth.RevokeToken(ctx, old.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.r.Mutation().CreateAPIToken(ctx, model.CreateAPITokenInput{Name: old.Name, Role: string(old.Role)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := h.tokenJSON(r, res.Token)
	out.RotatedAt = ptr(out.CreatedAt)
	writeJSON(w, http.StatusOK, out)
}

func (h *handlers) tokenSelf(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	out := tokenJSON{ID: p.TokenID, Name: p.Name, Role: string(p.Role), Permissions: nonNil(p.Role.PantherPermissions()), AllowedCIDRBlocks: []string{}}
	if p.TokenID != "" {
		if t, err := h.d.Auth.GetToken(r.Context(), p.TokenID); err == nil {
			out.CreatedAt, out.LastUsedAt, out.ExpiresAt = timeText(t.CreatedAt), timePtr(t.LastUsedAt), timePtr(t.ExpiresAt)
		}
	}
	writeJSON(w, http.StatusOK, out)
}
