package api

import (
	"log/slog"
	"time"
)

// accessLine is a request's access-log line. ServeHTTP logs it as a single
// attribute with an empty key: slog keeps up to five attributes in a
// record without allocating, and the line has seven fields. Any handler
// writes it as the seven fields at the top level (LogValue: a group with
// an empty key is inlined); serve's JSON handler reads them through
// AccessFields without building slog values at all.
type accessLine struct {
	id, method, route, path string
	status, bytes           int
	duration                time.Duration
}

// LogValue implements slog.LogValuer.
func (a *accessLine) LogValue() slog.Value {
	return slog.GroupValue(slog.String("request_id", a.id), slog.String("method", a.method),
		slog.String("route", a.route), slog.String("path", a.path), slog.Int("status", a.status),
		slog.Int("bytes", a.bytes), slog.Duration("duration", a.duration))
}

// AccessFields returns the line's fields, in LogValue's order.
func (a *accessLine) AccessFields() (id, method, route, path string, status, bytes int, duration time.Duration) {
	return a.id, a.method, a.route, a.path, a.status, a.bytes, a.duration
}
