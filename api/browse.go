package api

import (
	"net/http"
	"time"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/store"
)

// Limits of GET /cases.
const (
	defaultListLimit = 50
	maxListLimit     = 200
)

// statusAll lists articles whatever their status (editors only).
const statusAll = "all"

type listResponse struct {
	Articles   []store.ArticleSummary `json:"articles"`
	NextCursor string                 `json:"nextCursor,omitempty"`
}

// handleListCases answers GET /cases: articles, most recently updated
// first, filtered by language, tag, status (editors) and update time.
func (s *Server) handleListCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := store.ListOptions{Lang: q.Get("lang"), Tag: q.Get("tag"), Statuses: []string{article.StatusPublished}}
	fields := checkLangTag(opts.Lang, opts.Tag)
	var fe *article.FieldError
	opts.Limit, fe = parseLimit(q.Get("limit"), defaultListLimit, maxListLimit)
	if fe != nil {
		fields = append(fields, *fe)
	}
	switch status := q.Get("status"); status {
	case "", article.StatusPublished:
	case article.StatusDraft, article.StatusArchived, statusAll:
		if !isEditor(r) {
			unauthorized(w, r, "status="+status+" needs an editor token; without one only published articles are listed")
			return
		}
		opts.Statuses = []string{status}
		if status == statusAll {
			opts.Statuses = []string{article.StatusDraft, article.StatusPublished, article.StatusArchived}
		}
	default:
		fields = append(fields, article.FieldError{Parameter: "status", Detail: "status must be published, draft, archived or all"})
	}
	if v := q.Get("updatedSince"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			fields = append(fields, article.FieldError{Parameter: "updatedSince", Detail: "updatedSince must be an RFC 3339 time such as 2026-01-31T00:00:00Z"})
		}
		opts.UpdatedSince = t
	}
	if v := q.Get("cursor"); v != "" {
		c, err := decodeCursor(v)
		if err != nil || c.mode != cursorList {
			fields = append(fields, article.FieldError{Parameter: "cursor", Detail: "cursor is not one this endpoint returned"})
		} else {
			opts.After = &store.ListCursor{UpdatedAt: time.UnixMicro(c.rank).UTC(), ID: c.id}
		}
	}
	if len(fields) > 0 {
		s.writeError(w, r, &article.Error{Kind: article.KindInvalid, Message: fields[0].Detail, Fields: fields})
		return
	}
	arts, next, err := s.store.ListArticles(r.Context(), opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res := listResponse{Articles: arts}
	if next != nil {
		res.NextCursor = pageCursor{mode: cursorList, rank: next.UpdatedAt.UnixMicro(), id: next.ID}.encode()
	}
	if isEditor(r) {
		w.Header().Set("Cache-Control", "no-store")
	}
	writeJSON(w, r, res)
}

// handleTags answers GET /tags: every tag of published articles with how
// many carry it, most used first.
func (s *Server) handleTags(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if fields := checkLangTag(lang, ""); len(fields) > 0 {
		s.writeError(w, r, &article.Error{Kind: article.KindInvalid, Message: fields[0].Detail, Fields: fields})
		return
	}
	tags, err := s.store.Tags(r.Context(), lang)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, map[string]any{"tags": tags})
}
