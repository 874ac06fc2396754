// Package api is errdex's HTTP interface: routing, handlers, middleware and
// RFC 9457 problem responses. Domain logic lives under internal/.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/singleflight"

	"github.com/errdex/errdex/internal/lookup"
	"github.com/errdex/errdex/internal/store"
)

// Config holds the HTTP layer's settings.
type Config struct {
	// MaxBodyBytes caps every request body but import uploads.
	MaxBodyBytes int64
	// CORSOrigins may call the API from their pages' scripts (widget.js on a
	// portal): exact origins, "*", or one wildcard as in https://*.example.com.
	// Empty: no cross-origin reads.
	CORSOrigins []string
	// FrameAncestors may put /embed pages in an iframe (CSP frame-ancestors
	// sources); empty means "*". Other pages may not be framed at all.
	FrameAncestors []string
	// MaxImportBytes caps a POST /imports upload; 0 turns the endpoint off.
	MaxImportBytes int64
	// BodyTimeout is how long a request may take to send its body, from
	// when its headers were read. 0 means no limit.
	BodyTimeout time.Duration
	// RequestTimeout bounds each request's context, and so every database
	// call made for it; past it the request fails with 503. 0 means none.
	RequestTimeout time.Duration
	// RateLimit is how many requests per minute one client may send: an
	// editor by token, anyone else by IP address. 0 turns limiting off.
	RateLimit int
	// CacheBytes bounds the lookup response cache; 0 turns caching off.
	CacheBytes uint64
	// CacheMaxAge and StaleWhileRevalidate make lookups' Cache-Control.
	CacheMaxAge          time.Duration
	StaleWhileRevalidate time.Duration
}

// DefaultConfig returns the settings errdex serves with unless told otherwise.
func DefaultConfig() Config {
	return Config{MaxBodyBytes: 1 << 20, MaxImportBytes: 32 << 20, BodyTimeout: 30 * time.Second, RequestTimeout: 10 * time.Second, RateLimit: 600,
		CacheBytes: 64 << 20, CacheMaxAge: time.Minute, StaleWhileRevalidate: 5 * time.Minute}
}

// Server is the errdex HTTP handler.
type Server struct {
	cfg        Config
	store      *store.Store
	lookup     *lookup.Service
	unresolved *lookup.Recorder
	flights    singleflight.Group // lookups being worked out for the cache, by key
	logger     *slog.Logger
	router     chi.Router
	flat       *chi.Mux // router's routes, flattened, to tell a 405 what is allowed
	metrics    *metrics
	limiter    *limiter       // nil when rate limiting is off
	cache      *responseCache // nil when caching is off
	negotiate  *negotiation
	// cacheControlH is the Cache-Control of public lookups.
	cacheControlH []string
}

// NewServer wires every route on st. Call Background to run its
// background work.
func NewServer(cfg Config, st *store.Store, logger *slog.Logger) *Server {
	rec := lookup.NewRecorder(st, logger)
	s := &Server{cfg: cfg, store: st, lookup: lookup.New(st, rec), unresolved: rec, logger: logger}
	s.metrics = newMetrics(st.Pool(), rec.Total)
	s.limiter = newLimiter(cfg.RateLimit)
	s.negotiate = newNegotiation()
	if cfg.CacheBytes > 0 {
		s.cache = newResponseCache(cfg.CacheBytes, s.metrics.cacheEvictions.Inc)
	}
	s.cacheControlH = []string{fmt.Sprintf("public, max-age=%d, stale-while-revalidate=%d",
		int(cfg.CacheMaxAge.Seconds()), int(cfg.StaleWhileRevalidate.Seconds()))}
	s.router = s.routes()
	s.flat = flatRoutes(s.router)
	return s
}

// Background runs the server's background work until ctx ends: flushing
// the unresolved-lookup counts, and dropping the cached answers any
// replica's article write touched (all of them when the notification
// link was lost, when a write may have gone unseen). Until the link is up,
// and whenever it is down, lookups pass the cache by.
func (s *Server) Background(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.unresolved.Run(ctx, 10*time.Second) })
	if s.cache != nil {
		s.setLinked(false)
		wg.Go(func() { s.store.ListenArticleChanges(ctx, s.invalidate, s.setLinked, s.logger) })
	}
	wg.Wait()
}

// setLinked records whether this process hears every replica's article
// writes. Without Background it is never called: a lone process sees its
// own writes, and its cache serves from the start.
func (s *Server) setLinked(up bool) {
	s.cache.unlinked.Store(!up)
	s.metrics.setInvalidationLinked(up)
}

// changed is called after a successful write through this server, so its
// own cache is coherent before the notification comes back.
func (s *Server) changed(t store.Touched) {
	if s.cache != nil {
		s.invalidate(t)
	}
}

// invalidate applies an article write to the cache and counts it.
func (s *Server) invalidate(t store.Touched) {
	scope := "codes"
	if t.All {
		scope = "all"
	}
	s.metrics.cacheInvalidations.WithLabelValues(scope).Inc()
	s.metrics.cacheInvalidated.Add(float64(s.cache.invalidate(t)))
}
