package article

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error; api/ maps each kind to one HTTP status.
type Kind string

// Error kinds.
const (
	KindInternal     Kind = "internal"
	KindInvalid      Kind = "invalid"
	KindNotFound     Kind = "not_found"
	KindConflict     Kind = "conflict"
	KindPrecondition Kind = "precondition_failed"
	KindUnavailable  Kind = "unavailable"
)

// FieldError names one invalid field by JSON Pointer (or line, for markdown).
type FieldError struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"` // a query or path parameter
	Line      int    `json:"line,omitempty"`
	Detail    string `json:"detail"`
}

// Error is a domain error whose Message is safe to show to a client.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	Err     error // cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a domain error of kind with a client-safe message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
