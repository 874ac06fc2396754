package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/errdex/errdex/internal/article"
)

// Problem is an RFC 9457 problem detail. Type is a stable URN clients may
// switch on; Errors names every field at fault.
type Problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail,omitempty"`
	Instance  string               `json:"instance,omitempty"`
	RequestID string               `json:"requestId,omitempty"`
	Errors    []article.FieldError `json:"errors,omitempty"`
}

// problemTypes is the one table mapping domain error kinds to HTTP.
var problemTypes = map[article.Kind]struct {
	status int
	typ    string
	title  string
}{
	article.KindInvalid:      {http.StatusBadRequest, "urn:errdex:problem:invalid", "Invalid request"},
	article.KindNotFound:     {http.StatusNotFound, "urn:errdex:problem:not-found", "Not found"},
	article.KindConflict:     {http.StatusConflict, "urn:errdex:problem:conflict", "Conflict"},
	article.KindPrecondition: {http.StatusPreconditionFailed, "urn:errdex:problem:precondition-failed", "Precondition failed"},
	article.KindUnavailable:  {http.StatusServiceUnavailable, "urn:errdex:problem:unavailable", "Service unavailable"},
	article.KindInternal:     {http.StatusInternalServerError, "urn:errdex:problem:internal", "Internal error"},
}

// Problem types raised by the HTTP layer itself.
const (
	typeInvalidCode      = "urn:errdex:problem:invalid-code"
	typeInvalidBody      = "urn:errdex:problem:invalid-body"
	typeBodyTooLarge     = "urn:errdex:problem:body-too-large"
	typeUnsupportedMedia = "urn:errdex:problem:unsupported-media-type"
	typeRouteNotFound    = "urn:errdex:problem:route-not-found"
	typeMethodNotAllowed = "urn:errdex:problem:method-not-allowed"
)

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	p.Instance = r.URL.Path
	p.RequestID = requestID(r.Context())
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	writeJSONStatus(w, r, p.Status, p)
}

// statusClientClosed is what the access log and metrics record for a
// request whose client went away before the answer.
const statusClientClosed = 499

// writeError maps err to a problem: domain errors by kind with their safe
// message, anything else as a 500 whose cause is logged, never shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(r.Context().Err(), context.Canceled) {
		// The client hung up: nobody reads this answer and nothing failed
		// on our side. 499 (nginx's "client closed request") keeps it out
		// of the 5xx counts and error logs.
		s.logger.Debug("client went away", "request_id", requestID(r.Context()), "err", err)
		w.WriteHeader(statusClientClosed)
		return
	}
	kind := article.KindOf(err)
	t := problemTypes[kind]
	p := Problem{Type: t.typ, Title: t.title, Status: t.status}
	var de *article.Error
	if errors.As(err, &de) && kind != article.KindInternal {
		p.Detail, p.Errors = de.Message, de.Fields
	} else {
		p.Detail = "an unexpected error occurred; quote the request id when reporting it"
	}
	level := slog.LevelWarn
	if p.Status >= 500 {
		level = slog.LevelError
	}
	s.logger.LogAttrs(r.Context(), level, "request failed",
		slog.String("request_id", requestID(r.Context())), slog.Int("status", p.Status), slog.Any("err", err))
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeProblem(w, r, p)
}
