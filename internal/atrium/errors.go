// Package atrium holds the vocabulary shared by every other package: errors
// with a kind, the acting identity and pagination. It imports only the
// standard library so that every layer can depend on it.
package atrium

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error so the web layer can choose a status code and the
// CLI an exit message without knowing where the error came from.
type Kind string

// The kinds of error Atrium distinguishes. The string values are stable: they
// appear as the `code` member of API problem documents.
const (
	Internal        Kind = "internal"
	Invalid         Kind = "invalid"
	NotFound        Kind = "not_found"
	Conflict        Kind = "conflict"
	Forbidden       Kind = "forbidden"
	Unauthenticated Kind = "unauthenticated"
	TooLarge        Kind = "too_large"
	RateLimited     Kind = "rate_limited"
	Unavailable     Kind = "unavailable"
)

// Error is an error with a kind and a message meant for the person who made
// the request. Err, when set, carries the underlying cause for logs.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	switch {
	case e.Msg != "" && e.Err != nil:
		return e.Msg + ": " + e.Err.Error()
	case e.Msg != "":
		return e.Msg
	case e.Err != nil:
		return e.Err.Error()
	}
	return string(e.Kind)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of kind k with a formatted message.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of kind k that keeps err as its cause.
func Wrap(k Kind, err error, msg string) error {
	return &Error{Kind: k, Msg: msg, Err: err}
}

// KindOf reports the kind of the first *Error in err's chain; anything else is
// Internal, so an unexpected failure is never shown to a user as their fault.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// MessageOf returns the user-facing message of err: the message of the first
// *Error in its chain, or a generic sentence for internal failures.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		if e.Msg != "" {
			return e.Msg
		}
		return string(e.Kind)
	}
	return "an internal error occurred; it has been logged"
}

// retryAfter records, inside a RateLimited error, when trying again may work.
type retryAfter time.Duration

func (r retryAfter) Error() string { return "retry after " + time.Duration(r).String() }

// Limited returns a RateLimited error whose caller may try again after wait.
func Limited(wait time.Duration, format string, args ...any) error {
	return &Error{Kind: RateLimited, Msg: fmt.Sprintf(format, args...), Err: retryAfter(wait)}
}

// RetryAfter reports the wait a Limited error carries.
func RetryAfter(err error) (time.Duration, bool) {
	var r retryAfter
	if errors.As(err, &r) {
		return time.Duration(r), true
	}
	return 0, false
}

// Busy returns an Unavailable error for a server that is momentarily full
// (a queue at its bound): the caller may try again after wait, which the web
// layer sends as Retry-After.
func Busy(wait time.Duration, format string, args ...any) error {
	return &Error{Kind: Unavailable, Msg: fmt.Sprintf(format, args...), Err: retryAfter(wait)}
}
