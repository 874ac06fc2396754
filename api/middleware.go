package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// routeContexts recycles chi's routing contexts, as chi's own ServeHTTP does.
var routeContexts = sync.Pool{New: func() any { return chi.NewRouteContext() }}

// ServeHTTP is where every request starts. It gives the request its id
// (echoed in X-Request-Id), its deadline (cfg.RequestTimeout: no database
// call made for it can outlive it, so a stalled database turns into a 503
// instead of a hung client) and its routing context, all in one
// allocation; then, once answered, counts it in the metrics and writes its
// access-log line with its id, route and outcome.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q := &request{parent: r.Context(), id: newRequestID(r), route: routeContexts.Get().(*chi.Context)}
	q.route.Reset()
	q.route.Routes = s.router
	if s.cfg.RequestTimeout > 0 {
		q.deadline = start.Add(s.cfg.RequestTimeout)
	}
	q.w.ResponseWriter = w
	q.idH[0] = q.id
	w.Header()[middleware.RequestIDHeader] = q.idH[:]
	r = r.WithContext(q)
	s.metrics.inFlight.Add(1)
	s.router.ServeHTTP(&q.w, r)
	s.metrics.inFlight.Add(-1)
	q.end()

	status := q.w.status
	if status == 0 {
		status = http.StatusOK
	}
	route := q.route.RoutePattern()
	if route == "" {
		route = s.routeOf(r) // answered by a middleware before routing: 401, 429, ...
	}
	routeContexts.Put(q.route)
	elapsed := time.Since(start)
	s.metrics.observe(r.Method, route, status, elapsed)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	if h := s.logger.Handler(); h.Enabled(r.Context(), level) {
		// A record made here, not by Logger.LogAttrs, skips looking up the
		// caller's program counter, which no access-log line shows.
		rec := slog.NewRecord(start.Add(elapsed), level, "request", 0)
		q.access = accessLine{id: q.id, method: r.Method, route: route, path: r.URL.Path,
			status: status, bytes: q.w.bytes, duration: elapsed}
		rec.AddAttrs(slog.Any("", &q.access))
		h.Handle(r.Context(), rec) //nolint:errcheck // nowhere to report a failed log write
	}
}

// routeOf finds the route pattern r would have been routed to ("" if none).
func (s *Server) routeOf(r *http.Request) string {
	return s.router.Find(chi.NewRouteContext(), routeMethod(r.Method), routePath(r))
}

// routeMethod is the method a request is routed by: HEAD goes where GET
// does (middleware.GetHead).
func routeMethod(method string) string {
	if method == http.MethodHead {
		return http.MethodGet
	}
	return method
}

func routePath(r *http.Request) string {
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}

// flatRoutes puts every route of routes on a router of its own, for
// allowed: chi's Find on the routes themselves takes any method at a
// mount point (/cases), where the subrouter has not been asked yet.
func flatRoutes(routes chi.Routes) *chi.Mux {
	flat := chi.NewRouter()
	nop := func(http.ResponseWriter, *http.Request) {}
	chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error { //nolint:errcheck // the walk func returns nil
		flat.MethodFunc(method, route, nop)
		if bare := strings.TrimSuffix(route, "/"); bare != route && bare != "" {
			flat.MethodFunc(method, bare, nop) // a mount point's root answers without its slash too
		}
		return nil
	})
	return flat
}

// allowed lists the methods r's path answers, for a 405's Allow header
// (RFC 9110 15.5.6).
func (s *Server) allowed(r *http.Request) string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if s.flat.Find(chi.NewRouteContext(), routeMethod(m), routePath(r)) != "" {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}

// recoverer turns a panic into a logged 500 problem.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("panic", "request_id", requestID(r.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Values of the headers every response carries, shared (len == cap, so an
// Add copies rather than writing into them).
var (
	nosniffH    = []string{"nosniff"}
	noReferrerH = []string{"no-referrer"}
)

// securityHeaders sets headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header() // keys in canonical form, as Header.Set would store them
		h["X-Content-Type-Options"] = nosniffH
		h["Referrer-Policy"] = noReferrerH
		next.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies; handlers see a *http.MaxBytesError past it.
// Import uploads (archives of many articles) get a limit of their own. It
// also gives a body cfg.BodyTimeout to arrive, so a client trickling one
// cannot hold a connection: only requests with a body read past their
// headers, so the server's ReadHeaderTimeout covers every other one, and a
// lookup sets no second deadline on its connection.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.cfg.MaxBodyBytes
		if r.URL.Path == "/imports" {
			limit = s.cfg.MaxImportBytes
		}
		if r.ContentLength > limit {
			writeProblem(w, r, Problem{Type: typeBodyTooLarge, Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("the body may not exceed %d bytes", limit)})
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			if s.cfg.BodyTimeout > 0 {
				// Not supported by test recorders only: real connections are.
				http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout)) //nolint:errcheck
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
