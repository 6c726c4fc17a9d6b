// Package domain holds Walkthrough's nouns, their validation and the coded
// error every other package speaks. It imports nothing of HTTP or storage.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The HTTP layer maps each to a status in one table.
const (
	EInvalid      = "invalid"      // the input breaks a rule; Fields says where
	ENotFound     = "not_found"    // no such record, or not in the caller's scope
	EConflict     = "conflict"     // the record changed or a unique rule was hit
	EUnauthorized = "unauthorized" // no valid credentials
	EForbidden    = "forbidden"    // signed in, but not allowed
	ETooLarge     = "too_large"    // the request is over a limit
	ERateLimited  = "rate_limited" // too many attempts; try later
	EUnavailable  = "unavailable"  // a dependency is down
	EInternal     = "internal"     // a bug or an unexpected failure
	EGone         = "gone"         // the thing existed but can no longer be served
	EClash        = "clash"        // the time is taken: Record names what holds it
)

// FieldError names one field that broke a rule.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type the domain speaks.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfter, with ERateLimited, says how long to wait.
	RetryAfter time.Duration
	// Record, with EClash, is the id of the record that holds the time.
	Record string
	// CurrentRev, with EConflict for a write made on a stale revision, is
	// the revision the record is at now.
	CurrentRev int64
	// Current, with EConflict, is the record as it is now, where the API
	// shows it.
	Current any
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%s: %s)", e.Code, e.Message, e.Fields[0].Field, e.Fields[0].Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error naming the given field problems.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EInvalid, Message: message, Fields: fields}
}

// ErrorCode returns the code of err's *Error, EInternal for any other error
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the human message of err's *Error, or a generic one
// that reveals nothing of internals.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field problems of err's *Error.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects field errors while validating.
type Problems []FieldError

// Add records that field broke a rule.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was added, else an EInvalid error.
func (p Problems) Err(message string) error {
	if len(p) == 0 {
		return nil
	}
	return Invalid(message, p...)
}

// ErrorRetryAfter returns how long err says to wait, or zero.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// Stale is the EConflict of a write made on revision rev of a record that
// is at current: what names the record ("the school").
func Stale(what string, rev, current int64) *Error {
	return &Error{Code: EConflict, Message: fmt.Sprintf("%s changed since revision %d; it is at %d", what, rev, current), CurrentRev: current}
}

// ErrorCurrent returns the revision and record a conflict names, or zero
// and nil.
func ErrorCurrent(err error) (int64, any) {
	var e *Error
	if errors.As(err, &e) {
		return e.CurrentRev, e.Current
	}
	return 0, nil
}

// ErrorRecord returns the record id err's *Error names, or "".
func ErrorRecord(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Record
	}
	return ""
}
