package backend

import (
	"context"
	"errors"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/lakequery"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/settings"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// Classify turns an error of a domain service into an API error: the domain's not-found,
// exists, conflict and validation errors keep their messages (which say what is wrong);
// anything else is an internal error whose cause goes to the server log only.
func Classify(err error) *apierr.Error {
	if err == nil {
		return nil
	}
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	msg := err.Error()
	var (
		cv *content.ValidationError
		av *auth.ValidationError
		dv *store.ValidationError
		sv *sources.ValidationError
		rl *auth.RateLimitError
		pe *auth.PolicyError
		li *lakequery.InputError
		qe *sqlengine.QueryError
		re *sqlengine.RefusedError
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return apierr.Wrap(apierr.Internal, err, "the request was cancelled or timed out")
	case errors.As(err, &cv), errors.As(err, &av), errors.As(err, &dv), errors.As(err, &sv), errors.As(err, &pe), errors.As(err, &li), errors.As(err, &qe), errors.As(err, &re),
		errors.Is(err, lakequery.ErrNotRunning), errors.Is(err, lakequery.ErrNoResults), errors.Is(err, lakequery.ErrResultsExpired),
		errors.Is(err, content.ErrInvalidUpdate), errors.Is(err, settings.ErrInvalid), errors.Is(err, auth.ErrLastAdmin):
		return apierr.Wrap(apierr.InvalidInput, err, "%s", msg)
	case errors.As(err, &rl):
		return apierr.Wrap(apierr.RateLimited, err, "%s", msg)
	case errors.Is(err, content.ErrNotFound), errors.Is(err, alerts.ErrNotFound), errors.Is(err, auth.ErrNotFound),
		errors.Is(err, store.ErrNotFound), errors.Is(err, sources.ErrNotFound), errors.Is(err, lakequery.ErrNotFound):
		return apierr.Wrap(apierr.NotFound, err, "%s", msg)
	case errors.Is(err, content.ErrExists), errors.Is(err, auth.ErrConflict), errors.Is(err, lakequery.ErrExists):
		return apierr.Wrap(apierr.AlreadyExists, err, "%s", msg)
	case errors.Is(err, content.ErrConflict):
		return apierr.Wrap(apierr.Conflict, err, "%s", msg)
	case errors.Is(err, auth.ErrForbidden):
		return apierr.Wrap(apierr.Forbidden, err, "%s", msg)
	case errors.Is(err, auth.ErrUnauthenticated), errors.Is(err, auth.ErrInvalidCredentials):
		return apierr.Wrap(apierr.Unauthenticated, err, "%s", msg)
	}
	return apierr.Internalf(err)
}
