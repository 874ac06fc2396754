// Package api is errdex's HTTP interface: routing, handlers, middleware and
// RFC 9457 problem responses. Domain logic lives under internal/.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/errdex/errdex/internal/lookup"
	"github.com/errdex/errdex/internal/store"
)

// Config holds the HTTP layer's settings.
type Config struct {
	// MaxBodyBytes caps every request body.
	MaxBodyBytes int64
	// RequestTimeout bounds each request's context, and so every database
	// call made for it; past it the request fails with 503. 0 means none.
	RequestTimeout time.Duration
	// RateLimit is how many requests per minute one client may send: an
	// editor by token, anyone else by IP address. 0 turns limiting off.
	RateLimit int
}

// DefaultConfig returns the settings errdex serves with unless told otherwise.
func DefaultConfig() Config {
	return Config{MaxBodyBytes: 1 << 20, RequestTimeout: 10 * time.Second, RateLimit: 600}
}

// Server is the errdex HTTP handler.
type Server struct {
	cfg        Config
	store      *store.Store
	lookup     *lookup.Service
	unresolved *lookup.Recorder
	logger     *slog.Logger
	router     chi.Router
	metrics    *metrics
	limiter    *httprate.RateLimiter // nil when rate limiting is off
}

// NewServer wires every route on st. Call Background to run its
// background work.
func NewServer(cfg Config, st *store.Store, logger *slog.Logger) *Server {
	rec := lookup.NewRecorder(st, logger)
	s := &Server{cfg: cfg, store: st, lookup: lookup.New(st, rec), unresolved: rec, logger: logger}
	s.metrics = newMetrics(st.Pool(), rec.Total)
	s.limiter = newLimiter(cfg.RateLimit)
	s.router = s.routes()
	return s
}

// Background runs the server's background work until ctx ends: flushing
// the unresolved-lookup counts.
func (s *Server) Background(ctx context.Context) {
	s.unresolved.Run(ctx, 10*time.Second)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }
