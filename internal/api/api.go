// Package api is Panther's API: one GraphQL schema (api/graphql/schema.graphql) served at
// POST /graphql for the console and POST /public/graphql for scripts, Panther's REST API under
// /v1/, and the console's sign-in endpoints under /auth/. Clients written for Panther
// (panther_analysis_tool, mcp-panther) work against it unchanged.
//
// Every call is authenticated and authorized in one place (package access): the operation's
// permission comes from the schema's @access directives or the REST route table, never from a
// resolver. Every mutating call is written to the audit log.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/pantherlabs/panther/internal/api/access"
	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/backend"
	gql "github.com/pantherlabs/panther/internal/api/graphql"
	"github.com/pantherlabs/panther/internal/api/graphql/generated"
	"github.com/pantherlabs/panther/internal/api/rest"
	"github.com/pantherlabs/panther/internal/auth/authhttp"
)

// Deps are the services the API serves; see backend.Deps.
type Deps = backend.Deps

// Paths are the path patterns the API answers, for the server's router to mount.
var Paths = []string{"/graphql", "/public/graphql", "/v1/*", "/auth/*"}

// MaxComplexity bounds the fields one GraphQL request may select (each field counts one).
const MaxComplexity = 10000

// MaxGraphQLBody bounds a GraphQL request (an upload carries a base64 zip).
const MaxGraphQLBody = 128 << 20

// New returns the API's handler. It serves the full paths of Paths.
func New(d Deps) (http.Handler, error) {
	if d.Auth == nil {
		return nil, errors.New("api: an auth service is required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &gql.Resolver{D: &d}})
	table, err := access.NewTable(es.Schema())
	if err != nil {
		return nil, err
	}
	audit := access.NewAudit(d.Auth, d.Logger)
	srv := newGraphQLServer(es, table, audit, d.Logger)

	r := chi.NewRouter()
	body := limitBody(MaxGraphQLBody)
	console := access.Authenticate(d.Auth, access.SessionOrAPIKey, d.Logger, writeGraphQLError)
	scripts := access.Authenticate(d.Auth, access.APIKeyOnly, d.Logger, writeGraphQLError)
	r.With(body, console).Post("/graphql", srv.ServeHTTP)
	r.With(body, scripts).Post("/public/graphql", srv.ServeHTTP)
	// mcp-panther derives its GraphQL endpoint from the REST base (<rest>/public/graphql); with
	// PANTHER_INSTANCE_URL=http://host/v1 both land here.
	r.With(body, scripts).Post("/v1/public/graphql", srv.ServeHTTP)
	r.Handle("/auth/*", authhttp.Handler(d.Auth, authhttp.Options{Logger: d.Logger, Now: d.Now}))

	routes := rest.Routes(&d)
	restAuth := access.Authenticate(d.Auth, access.APIKeyOnly, d.Logger, rest.WriteError)
	for _, rt := range routes {
		r.With(restAuth).Method(rt.Method, rt.Pattern, access.Wrap(rt, audit, rest.WriteError))
	}
	r.NotFound(func(w http.ResponseWriter, req *http.Request) {
		rest.WriteError(w, req, apierr.New(apierr.NotFound, "no API path %s %s (see api/openapi.yaml)", req.Method, req.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		e := apierr.New(apierr.InvalidInput, "%s is not allowed on %s (see api/openapi.yaml)", req.Method, req.URL.Path)
		rest.WriteErrorStatus(w, http.StatusMethodNotAllowed, e)
	})
	return r, nil
}

// Schema returns the parsed GraphQL schema with its permission table, for tests and docs.
func Schema() (*ast.Schema, *access.Table, error) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &gql.Resolver{D: &backend.Deps{}}})
	t, err := access.NewTable(es.Schema())
	return es.Schema(), t, err
}

func newGraphQLServer(es graphql.ExecutableSchema, table *access.Table, audit *access.Audit, log *slog.Logger) *handler.Server {
	srv := handler.New(es)
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	// Types refer to each other (alert -> comment -> alert ...): bound how much one request
	// may ask for. The full introspection query costs about 2000.
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	srv.Use(depthLimit{max: MaxDepth})
	srv.AroundFields(table.FieldMiddleware(audit))
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return presentError(ctx, err, log)
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.Error("api: a resolver panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return apierr.Internalf(fmt.Errorf("panic: %v", v))
	})
	return srv
}

// presentError puts an API error's code in extensions.code; internal errors are logged and
// shown as "internal error".
func presentError(ctx context.Context, err error, log *slog.Logger) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		var ge *gqlerror.Error
		switch {
		case errors.As(err, &ge) && ge.Err == nil:
			return gerr // a GraphQL error of gqlgen's (bad variables, ...)
		case ge != nil:
			// An argument that did not coerce to its type (a DateTime that is not a time...):
			// gqlgen wraps the scalar's error with the argument's path.
			ae = apierr.New(apierr.InvalidInput, "%s: %v", ge.Path, ge.Err)
		default:
			ae = apierr.Internalf(err)
		}
	}
	if ae.Code == apierr.Internal {
		op := ""
		if fc := graphql.GetFieldContext(ctx); fc != nil {
			op = fc.Path().String()
		}
		log.Error("api: internal error", "path", op, "err", ae.Err)
	}
	gerr.Message = ae.Msg
	if gerr.Extensions == nil {
		gerr.Extensions = map[string]any{}
	}
	gerr.Extensions["code"] = string(ae.Code)
	for k, v := range ae.Extra {
		gerr.Extensions[k] = v
	}
	return gerr
}

// writeGraphQLError answers a GraphQL request refused before it ran (authentication).
func writeGraphQLError(w http.ResponseWriter, _ *http.Request, err *apierr.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(err.Code.Status())
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"message": err.Msg, "extensions": map[string]any{"code": string(err.Code)}}},
	})
}

func limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}
