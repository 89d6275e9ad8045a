// Package apierr is the API's error type: a code the client can act on, a message that says
// what to do, and the cause, kept for the server log only.
//
// GraphQL answers carry the code in extensions.code; REST maps it to the HTTP status and a
// {"message": ...} body, as Panther's REST API does.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code says what kind of failure an error is.
type Code string

// The codes.
const (
	// Unauthenticated: no credentials, or unknown, expired or revoked ones.
	Unauthenticated Code = "UNAUTHENTICATED"
	// Forbidden: the caller's role lacks the permission.
	Forbidden Code = "FORBIDDEN"
	// NotFound: no such thing.
	NotFound Code = "NOT_FOUND"
	// InvalidInput: the request is wrong; the message says which field and why.
	InvalidInput Code = "INVALID_INPUT"
	// AlreadyExists: a thing with this ID or name exists.
	AlreadyExists Code = "ALREADY_EXISTS"
	// Conflict: the thing changed since the caller read it (a stale version or revision).
	Conflict Code = "CONFLICT"
	// RateLimited: too many attempts; retry later.
	RateLimited Code = "RATE_LIMITED"
	// Unavailable: the server does not offer this (a service that is not configured).
	Unavailable Code = "NOT_AVAILABLE"
	// Internal: a server fault; the message is generic and the cause is in the server log.
	Internal Code = "INTERNAL_SERVER_ERROR"
)

// Error is an API error.
type Error struct {
	Code Code
	// Msg is shown to the client: what went wrong and what to do.
	Msg string
	// Err is the cause, for errors.Is/As and the server log; never shown for Internal.
	Err error
	// Extra are more details for the client (GraphQL extensions, REST body fields).
	Extra map[string]any
}

func (e *Error) Error() string {
	if e.Err != nil && e.Code == Internal {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with code and message whose cause is err.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Internalf is a server fault: the client sees only "internal error".
func Internalf(err error) *Error { return &Error{Code: Internal, Msg: "internal error", Err: err} }

// As returns err as an *Error, classifying errors that are not one as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internalf(err)
}

// Status is the HTTP status of a code.
func (c Code) Status() int {
	switch c {
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case InvalidInput:
		return http.StatusBadRequest
	case AlreadyExists, Conflict:
		return http.StatusConflict
	case RateLimited:
		return http.StatusTooManyRequests
	case Unavailable:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}
