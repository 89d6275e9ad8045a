// Package rest is Panther's REST API under /v1/: alerts, alert comments, detections (rules,
// simple rules, scheduled rules, policies), globals, data models, saved queries, users, roles,
// API tokens and HTTP log sources, with the paths, methods and JSON shapes of Panther's REST
// API (api/openapi.yaml). Every route is in one table with its permission; the router
// registers exactly that table, each route behind access.Wrap. Handlers translate JSON to and
// from the GraphQL resolvers, so that each operation has one implementation.
package rest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/pantherlabs/panther/internal/api/access"
	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/backend"
	gql "github.com/pantherlabs/panther/internal/api/graphql"
	"github.com/pantherlabs/panther/internal/auth"
)

// Routes is the REST route table.
func Routes(d *backend.Deps) []access.Route {
	h := &handlers{d: d, r: &gql.Resolver{D: d}}
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	)
	rt := func(method, pattern, name string, perm auth.Permission, fn http.HandlerFunc) access.Route {
		return access.Route{Method: method, Pattern: pattern, Name: name, Permission: perm, Handler: fn}
	}
	routes := []access.Route{
		rt(get, "/v1/alerts", "alert.list", auth.AlertsRead, h.listAlerts),
		rt(patch, "/v1/alerts", "alert.bulkPatch", auth.AlertsWrite, h.bulkPatchAlerts),
		rt(get, "/v1/alerts/{id}", "alert.get", auth.AlertsRead, h.getAlert),
		rt(patch, "/v1/alerts/{id}", "alert.patch", auth.AlertsWrite, h.patchAlert),
		rt(get, "/v1/alerts/{id}/events", "alert.events", auth.QueriesRun, h.alertEvents),
		rt(get, "/v1/alert-comments", "comment.list", auth.AlertsRead, h.listComments),
		rt(post, "/v1/alert-comments", "comment.create", auth.AlertsWrite, h.createComment),
		rt(get, "/v1/alert-comments/{id}", "comment.get", auth.AlertsRead, h.getComment),
		rt(post, "/v1/alert-comments/{id}", "comment.update", auth.AlertsWrite, h.updateComment),

		rt(get, "/v1/globals", "global.list", auth.DetectionsRead, h.listGlobals),
		rt(post, "/v1/globals", "global.create", auth.DetectionsWrite, h.createGlobal),
		rt(get, "/v1/globals/{id}", "global.get", auth.DetectionsRead, h.getGlobal),
		rt(put, "/v1/globals/{id}", "global.put", auth.DetectionsWrite, h.putGlobal),
		rt(del, "/v1/globals/{id}", "global.delete", auth.DetectionsWrite, h.deleteGlobal),
		rt(get, "/v1/data-models", "data_model.list", auth.DetectionsRead, h.listDataModels),
		rt(post, "/v1/data-models", "data_model.create", auth.DetectionsWrite, h.createDataModel),
		rt(get, "/v1/data-models/{id}", "data_model.get", auth.DetectionsRead, h.getDataModel),
		rt(put, "/v1/data-models/{id}", "data_model.put", auth.DetectionsWrite, h.putDataModel),
		rt(del, "/v1/data-models/{id}", "data_model.delete", auth.DetectionsWrite, h.deleteDataModel),
		rt(get, "/v1/queries", "query.list", auth.QueriesRun, h.listQueries),
		rt(post, "/v1/queries", "query.create", auth.QueriesWrite, h.createQuery),
		rt(get, "/v1/queries/{id}", "query.get", auth.QueriesRun, h.getQuery),
		rt(post, "/v1/queries/{id}", "query.update", auth.QueriesWrite, h.updateQuery),
		rt(del, "/v1/queries/{id}", "query.delete", auth.QueriesWrite, h.deleteQuery),

		rt(get, "/v1/users", "user.list", auth.UsersRead, h.listUsers),
		rt(post, "/v1/users", "user.create", auth.UsersWrite, h.createUser),
		rt(get, "/v1/users/{id}", "user.get", auth.UsersRead, h.getUser),
		rt(post, "/v1/users/{id}", "user.update", auth.UsersWrite, h.updateUser),
		rt(del, "/v1/users/{id}", "user.delete", auth.UsersWrite, h.deleteUser),
		rt(get, "/v1/roles", "role.list", auth.UsersRead, h.listRoles),
		rt(post, "/v1/roles", "role.create", auth.UsersWrite, h.fixedRoles),
		rt(get, "/v1/roles/{id}", "role.get", auth.UsersRead, h.getRole),
		rt(post, "/v1/roles/{id}", "role.update", auth.UsersWrite, h.fixedRoles),
		rt(del, "/v1/roles/{id}", "role.delete", auth.UsersWrite, h.fixedRoles),
		rt(get, "/v1/api-tokens", "api_token.list", auth.TokensRead, h.listTokens),
		rt(post, "/v1/api-tokens", "api_token.create", auth.TokensWrite, h.createToken),
		rt(get, "/v1/api-tokens/self", "api_token.self", access.Any, h.tokenSelf),
		rt(get, "/v1/api-tokens/{id}", "api_token.get", auth.TokensRead, h.getToken),
		rt(post, "/v1/api-tokens/{id}", "api_token.update", auth.TokensWrite, h.updateToken),
		rt(del, "/v1/api-tokens/{id}", "api_token.delete", auth.TokensWrite, h.deleteToken),
		rt(post, "/v1/api-tokens/{id}/rotate", "api_token.rotate", auth.TokensWrite, h.rotateToken),

		rt(post, "/v1/log-sources/http", "http_source.create", auth.SourcesWrite, h.createHTTPSource),
		rt(get, "/v1/log-sources/http/{id}", "http_source.get", auth.SourcesRead, h.getHTTPSource),
		rt(put, "/v1/log-sources/http/{id}", "http_source.put", auth.SourcesWrite, h.putHTTPSource),
		rt(del, "/v1/log-sources/http/{id}", "http_source.delete", auth.SourcesWrite, h.deleteHTTPSource),
	}
	for _, k := range detectionKinds {
		routes = append(routes,
			rt(get, "/v1/"+k.path, k.name+".list", auth.DetectionsRead, h.listDetections(k)),
			rt(post, "/v1/"+k.path, k.name+".create", auth.DetectionsWrite, h.writeDetection(k, true)),
			rt(get, "/v1/"+k.path+"/{id}", k.name+".get", auth.DetectionsRead, h.getDetection(k)),
			rt(put, "/v1/"+k.path+"/{id}", k.name+".put", auth.DetectionsWrite, h.writeDetection(k, false)),
			rt(del, "/v1/"+k.path+"/{id}", k.name+".delete", auth.DetectionsWrite, h.deleteDetection(k)),
		)
	}
	return routes
}

type handlers struct {
	d *backend.Deps
	r *gql.Resolver
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

// fail writes any error: API errors keep their code, others are internal (and logged).
func (h *handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := backend.Classify(err)
	if e.Code == apierr.Internal && h.d.Logger != nil {
		h.d.Logger.Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", e.Err)
	}
	WriteError(w, r, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// noContent answers 204. Content-Type is set anyway: some clients decode every answer as
// JSON and accept an empty body only with that type.
func noContent(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNoContent)
}

func principal(r *http.Request) auth.Principal {
	p, _ := auth.PrincipalFrom(r.Context())
	return p
}

// decode reads a JSON body into v; unknown fields are accepted (clients send back what they
// read, read-only fields included).
func decode(r *http.Request, v any) error {
	if r.Body == nil {
		return apierr.New(apierr.InvalidInput, "the request needs a JSON body")
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return apierr.New(apierr.InvalidInput, "the request needs a JSON body")
		}
		return apierr.New(apierr.InvalidInput, "the body is not the expected JSON: %v", err)
	}
	return nil
}

func pathID(r *http.Request) string { return chi.URLParam(r, "id") }

// list reads a list parameter: repeated (a=1&a=2) or comma separated (a=1,2).
func list(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// limit reads the limit parameter with its default and maximum.
func limit(r *http.Request, def, max int) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, apierr.New(apierr.InvalidInput, "limit must be a positive integer, got %q", s)
	}
	return min(n, max), nil
}

func optBool(r *http.Request, name string, def bool) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, apierr.New(apierr.InvalidInput, "%s must be true or false, got %q", name, s)
	}
	return b, nil
}

// parseTime reads the times Panther's REST API accepts: a date (2025-01-01), a month
// (2025-01), RFC 3339, or Unix seconds.
func parseTime(name, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02", "2006-01"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, apierr.New(apierr.InvalidInput, "%s: %q is not a date (2025-01-01), a month (2025-01), an RFC 3339 time or Unix seconds", name, s)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func timePtr(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := timeText(*t)
	return &s
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func badRequest(format string, args ...any) error {
	return apierr.New(apierr.InvalidInput, format, args...)
}
