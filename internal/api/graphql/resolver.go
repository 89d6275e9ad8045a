// Package graphql resolves the GraphQL schema (api/graphql/schema.graphql) over the domain
// services. Resolvers only translate: permissions are checked before they run (package
// access), and the services do the work.
package graphql

import (
	"context"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/api/access"
	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/backend"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/auth"
)

// Resolver holds the services the resolvers call.
type Resolver struct {
	D *backend.Deps
}

func (r *Resolver) now() time.Time {
	if r.D.Now != nil {
		return r.D.Now()
	}
	return time.Now()
}

// fail turns a service error into an API error.
func fail(err error) error {
	if err == nil {
		return nil
	}
	return backend.Classify(err)
}

// invalid is an INVALID_INPUT error.
func invalid(format string, args ...any) error {
	return apierr.New(apierr.InvalidInput, format, args...)
}

// need answers NOT_AVAILABLE when a service is missing.
func need(ok bool, what string) error {
	if ok {
		return nil
	}
	return apierr.New(apierr.Unavailable, "%s is not configured on this server", what)
}

// principal is the caller (the access layer guarantees one).
func principal(ctx context.Context) auth.Principal {
	p, _ := auth.PrincipalFrom(ctx)
	return p
}

// actorRef is how stores record who made a change.
func actorRef(ctx context.Context) string { return access.Ref(principal(ctx)) }

// resolveActor turns a stored actor reference into a User or an APIToken; nil for the CLI,
// the system, and actors that no longer exist.
func (r *Resolver) resolveActor(ctx context.Context, ref string) (model.Actor, error) {
	kind, id, _ := strings.Cut(ref, ":")
	if id == "" || r.D.Auth == nil {
		return nil, nil
	}
	switch kind {
	case access.RefUser:
		u, err := r.D.Auth.GetUser(ctx, id)
		if err != nil {
			return nil, nil
		}
		return userModel(u), nil
	case access.RefToken:
		t, err := r.D.Auth.GetToken(ctx, id)
		if err != nil {
			return nil, nil
		}
		return r.tokenModel(t, ""), nil
	}
	return nil, nil
}

func ptr[T any](v T) *T { return &v }

// optStr is nil for "".
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// pageSize bounds a requested page size.
func pageSize(p *int, def, max int) int {
	n := def
	if p != nil && *p > 0 {
		n = *p
	}
	if n > max {
		n = max
	}
	return n
}
