package api

import (
	"net/http"
	"strconv"

	"github.com/errdex/errdex/internal/article"
)

// handleUnresolved lists the codes most looked up without an article. It
// flushes the in-memory counts first so the list is current.
func (s *Server) handleUnresolved(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.writeError(w, r, &article.Error{Kind: article.KindInvalid, Message: "limit must be an integer from 1 to 500",
				Fields: []article.FieldError{{Parameter: "limit", Detail: "limit must be an integer from 1 to 500"}}})
			return
		}
		limit = n
	}
	if err := s.unresolved.Flush(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	top, err := s.store.TopUnresolved(r.Context(), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, map[string]any{"codes": top})
}
