// Package rest is Panther's REST API under /v1/: alerts, alert comments, detections (rules,
// simple rules, scheduled rules, policies), globals, data models, saved queries, users, roles,
// API tokens and HTTP log sources, with the paths, methods and JSON shapes of Panther's REST
// API (api/openapi.yaml). Every route is in one table with its permission; the router
// registers exactly that table, each route behind access.Wrap.
package rest

import (
	"encoding/json"
	"net/http"

	"github.com/pantherlabs/panther/internal/api/access"
	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/backend"
	"github.com/pantherlabs/panther/internal/auth"
)

// Routes is the REST route table.
func Routes(d *backend.Deps) []access.Route {
	h := &handlers{d: d}
	return []access.Route{
		{Method: http.MethodGet, Pattern: "/v1/api-tokens/self", Name: "api_token.self", Permission: access.Any, Handler: h.tokenSelf},
	}
}

type handlers struct {
	d *backend.Deps
}

// WriteError writes an API error as Panther's REST API does: {"message": ...} with the
// status of its code.
func WriteError(w http.ResponseWriter, _ *http.Request, err *apierr.Error) {
	WriteErrorStatus(w, err.Code.Status(), err)
}

// WriteErrorStatus writes an API error with a given status.
func WriteErrorStatus(w http.ResponseWriter, status int, err *apierr.Error) {
	body := map[string]any{"message": err.Msg}
	for k, v := range err.Extra {
		body[k] = v
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func principal(r *http.Request) auth.Principal {
	p, _ := auth.PrincipalFrom(r.Context())
	return p
}

func (h *handlers) tokenSelf(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	writeJSON(w, http.StatusOK, map[string]any{"id": p.TokenID, "name": p.Name, "permissions": p.Role.PantherPermissions()})
}
