package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/errdex/errdex/internal/store"
)

// routes lists every endpoint in one place; openapi.yaml describes each.
func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	// ServeHTTP (middleware.go) has given the request its id and deadline
	// and will log and count it. Every GET answers HEAD too, as HTTP
	// servers must (RFC 9110 9.1): net/http drops the body.
	r.Use(s.recoverer, middleware.GetHead, securityHeaders, s.cors, s.limitBody, s.authenticate, s.rateLimit)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, Problem{Type: typeRouteNotFound, Title: "Not found", Status: http.StatusNotFound,
			Detail: "no such endpoint; see /openapi.yaml"})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		allowed := s.allowed(r)
		w.Header().Set("Allow", allowed)
		writeProblem(w, r, Problem{Type: typeMethodNotAllowed, Title: "Method not allowed", Status: http.StatusMethodNotAllowed,
			Detail: r.Method + " is not allowed here; allowed: " + allowed})
	})

	// Lookups validate themselves: their JSON answers come from the cache
	// with their ETag, and the HTML page gets one from writeConditional.
	r.Get("/errors/{code}", s.handleLookup)

	// Every other successful GET gets a strong ETag from its body.
	r.Group(func(r chi.Router) {
		r.Use(s.conditional)
		r.Get("/healthz", s.handleHealthz)
		r.Get("/readyz", s.handleReadyz)
		r.Get("/metrics", s.handleMetrics)
		r.Post("/resolve", s.handleResolve)
		r.Get("/search", s.handleSearch)
		r.Get("/tags", s.handleTags)
		r.With(requireRole(store.RoleEditor)).Get("/stats/unresolved", s.handleUnresolved)
		r.With(requireRole(store.RoleEditor)).Post("/imports", s.handleImport)

		// For browsers and support portals: pages, the widget, the docs.
		r.Get("/embed/errors/{code}", s.handleEmbedLookup)
		r.Get("/widget.js", s.handleWidget)
		r.Get("/assets/{name}", s.handleAsset)
		r.Get("/docs", s.handleDocs)
		r.Get("/openapi.yaml", s.handleOpenAPI)

		r.Route("/cases", func(r chi.Router) {
			editor := r.With(requireRole(store.RoleEditor))
			r.Get("/", s.handleListCases)
			editor.Post("/", s.handleCreateCase)
			r.Get("/{slug}", s.handleGetCase)
			r.Get("/{slug}/{lang}", s.handleGetCaseLang)
			editor.Put("/{slug}/{lang}", s.handlePutCase)
			editor.Patch("/{slug}/{lang}", s.handlePatchCase)
			editor.Delete("/{slug}/{lang}", s.handleArchiveCase)
			editor.Post("/{slug}/{lang}/restore", s.handleUnarchiveCase)
			editor.Get("/{slug}/{lang}/revisions", s.handleRevisions)
			editor.Get("/{slug}/{lang}/revisions/{n}", s.handleRevision)
			editor.Post("/{slug}/{lang}/revisions/{n}/restore", s.handleRestoreRevision)
		})
	})
	return r
}
