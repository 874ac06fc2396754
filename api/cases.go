package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/go-chi/chi/v5"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/markdown"
	"github.com/errdex/errdex/internal/store"
)

// Problem types of the editor API.
const (
	typePreconditionRequired = "urn:errdex:problem:precondition-required"
	typeInvalidMarkdown      = "urn:errdex:problem:invalid-markdown"
)

// etag is an article version's strong validator. The id keeps a deleted
// and re-created article from reusing an old tag.
func etag(a *article.Article) string { return fmt.Sprintf(`"%d.%d"`, a.ID, a.Version) }

func caseLocation(a *article.Article) string {
	return "/cases/" + url.PathEscape(a.Slug) + "/" + url.PathEscape(a.Lang)
}

// caseKey reads {slug} and {lang}; slugs made from nested file paths carry
// a "/", sent escaped as %2F.
func caseKey(r *http.Request) store.Key {
	slug, err := url.PathUnescape(chi.URLParam(r, "slug"))
	if err != nil {
		slug = chi.URLParam(r, "slug")
	}
	return store.Key{Slug: slug, Lang: chi.URLParam(r, "lang")}
}

func writeArticle(w http.ResponseWriter, r *http.Request, status int, a *article.Article) {
	setValidators(w, a)
	writeJSONStatus(w, r, status, a)
}

// setValidators sets the headers a 200 with a and a 304 for it both carry.
func setValidators(w http.ResponseWriter, a *article.Article) {
	w.Header().Set("ETag", etag(a))
	w.Header().Set("Last-Modified", a.UpdatedAt.UTC().Format(http.TimeFormat))
	w.Header().Set("Content-Language", a.Lang)
}

// handleGetCase answers GET /cases/{slug}: every language of a case.
func (s *Server) handleGetCase(w http.ResponseWriter, r *http.Request) {
	key := caseKey(r)
	arts, err := s.store.ArticlesBySlug(r.Context(), key.Slug, isEditor(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(arts) == 0 {
		s.writeError(w, r, article.Errorf(article.KindNotFound, "case %s not found", key.Slug))
		return
	}
	writeJSON(w, r, map[string]any{"slug": key.Slug, "articles": arts})
}

// handleGetCaseLang answers GET /cases/{slug}/{lang}. Drafts and archived
// articles are visible to editors only.
func (s *Server) handleGetCaseLang(w http.ResponseWriter, r *http.Request) {
	key := caseKey(r)
	a, err := s.store.Article(r.Context(), key.Slug, key.Lang)
	if err == nil && a.Status != article.StatusPublished && !isEditor(r) {
		err = article.Errorf(article.KindNotFound, "article %s/%s not found", key.Slug, key.Lang)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if notModified(r, etag(a), a.UpdatedAt) {
		setValidators(w, a)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeArticle(w, r, http.StatusOK, a)
}

// handleCreateCase answers POST /cases with a JSON or markdown article.
func (s *Server) handleCreateCase(w http.ResponseWriter, r *http.Request) {
	a, ok := s.readArticle(w, r, store.Key{})
	if !ok {
		return
	}
	key := store.Key{Slug: a.Slug, Lang: a.Lang}
	saved, touched, err := s.store.Edit(r.Context(), key, s.change(r, "api"), func(cur *article.Article) (*article.Article, error) {
		if cur != nil {
			return nil, &article.Error{Kind: article.KindConflict,
				Message: fmt.Sprintf("article %s/%s already exists (status %s); PUT to change it", a.Slug, a.Lang, cur.Status),
				Fields:  []article.FieldError{{Pointer: "/slug", Detail: "taken for this lang"}}}
		}
		return a, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.changed(touched)
	w.Header().Set("Location", caseLocation(saved))
	writeArticle(w, r, http.StatusCreated, saved)
}

// handlePutCase answers PUT /cases/{slug}/{lang}: a full replace guarded by
// If-Match.
func (s *Server) handlePutCase(w http.ResponseWriter, r *http.Request) {
	key := caseKey(r)
	ifMatch, ok := requireIfMatch(w, r)
	if !ok {
		return
	}
	a, ok := s.readArticle(w, r, key)
	if !ok {
		return
	}
	s.update(w, r, key, ifMatch, "api", func(*article.Article) (*article.Article, error) { return a, nil })
}

// handlePatchCase answers PATCH /cases/{slug}/{lang} with an RFC 7396 merge
// patch, guarded by If-Match.
func (s *Server) handlePatchCase(w http.ResponseWriter, r *http.Request) {
	key := caseKey(r)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/merge-patch+json" {
		writeProblem(w, r, Problem{Type: typeUnsupportedMedia, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail: "PATCH takes application/merge-patch+json"})
		return
	}
	ifMatch, ok := requireIfMatch(w, r)
	if !ok {
		return
	}
	patch, err := io.ReadAll(r.Body)
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	if !json.Valid(patch) {
		writeProblem(w, r, Problem{Type: typeInvalidBody, Title: "Invalid request body", Status: http.StatusBadRequest,
			Detail: "malformed JSON", Errors: []article.FieldError{{Pointer: "", Detail: "malformed JSON"}}})
		return
	}
	s.update(w, r, key, ifMatch, "api", func(cur *article.Article) (*article.Article, error) {
		doc, err := json.Marshal(cur)
		if err != nil {
			return nil, err
		}
		merged, err := jsonpatch.MergePatch(doc, patch)
		if err != nil {
			return nil, article.Errorf(article.KindInvalid, "cannot apply the merge patch: %v", err)
		}
		next := &article.Article{}
		if p := decodeStrict(bytes.NewReader(merged), next); p != nil {
			return nil, &article.Error{Kind: article.KindInvalid, Message: p.Detail, Fields: p.Errors}
		}
		if err := s.prepare(next, key, cur.Status); err != nil {
			return nil, err
		}
		return next, nil
	})
}

// handleArchiveCase answers DELETE /cases/{slug}/{lang}: the article is
// archived, never deleted, and POST .../restore brings it back.
func (s *Server) handleArchiveCase(w http.ResponseWriter, r *http.Request) {
	s.setStatus(w, r, article.StatusArchived)
}

// handleUnarchiveCase answers POST /cases/{slug}/{lang}/restore.
func (s *Server) handleUnarchiveCase(w http.ResponseWriter, r *http.Request) {
	s.setStatus(w, r, article.StatusPublished)
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, status string) {
	key := caseKey(r)
	ifMatch := r.Header.Get("If-Match") // optional here: archiving is not a content edit
	s.update(w, r, key, ifMatch, "api", func(cur *article.Article) (*article.Article, error) {
		next := *cur
		next.Status = status
		return &next, nil
	})
}

// update runs an edit of an existing article whose ETag must match ifMatch
// (when given).
func (s *Server) update(w http.ResponseWriter, r *http.Request, key store.Key, ifMatch, origin string, fn func(cur *article.Article) (*article.Article, error)) {
	saved, touched, err := s.store.Edit(r.Context(), key, s.change(r, origin), func(cur *article.Article) (*article.Article, error) {
		if cur == nil {
			return nil, article.Errorf(article.KindNotFound, "article %s/%s not found", key.Slug, key.Lang)
		}
		if ifMatch != "" && !etagMatches(ifMatch, etag(cur)) {
			return nil, article.Errorf(article.KindPrecondition,
				"the article changed since you read it: it is now at ETag %s; GET it, merge your change and retry", etag(cur))
		}
		return fn(cur)
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.changed(touched)
	writeArticle(w, r, http.StatusOK, saved)
}

func (s *Server) change(r *http.Request, origin string) store.Change {
	tok, _ := tokenFrom(r.Context())
	return store.Change{Author: tok.Name, Origin: origin}
}

// requireIfMatch insists on If-Match, so no edit overwrites another blindly.
func requireIfMatch(w http.ResponseWriter, r *http.Request) (string, bool) {
	v := r.Header.Get("If-Match")
	if v == "" {
		writeProblem(w, r, Problem{Type: typePreconditionRequired, Title: "Precondition required", Status: http.StatusPreconditionRequired,
			Detail: "send If-Match with the ETag of the version you edited"})
		return "", false
	}
	if v != "*" && !strings.HasPrefix(v, `"`) {
		writeProblem(w, r, Problem{Type: typeInvalidBody, Title: "Invalid If-Match", Status: http.StatusBadRequest,
			Detail: `If-Match must be a quoted strong ETag such as "12.3", or *`,
			Errors: []article.FieldError{{Parameter: "If-Match", Detail: "must be a quoted strong ETag"}}})
		return "", false
	}
	return v, true
}

// etagMatches reports whether a header's list of ETags names tag. Weak
// tags never match: If-Match needs the strong comparison, and errdex only
// issues strong tags.
func etagMatches(header, tag string) bool {
	for _, part := range strings.Split(header, ",") {
		if part = strings.TrimSpace(part); part == "*" || part == tag {
			return true
		}
	}
	return false
}

// readArticle reads a JSON or markdown article body and normalizes it; the
// URL's key (when set) fills in or must equal the body's slug and lang.
func (s *Server) readArticle(w http.ResponseWriter, r *http.Request, key store.Key) (*article.Article, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var a *article.Article
	switch mt {
	case "text/markdown":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.bodyError(w, r, err)
			return nil, false
		}
		name := key.Slug
		if name == "" {
			name = "article"
		}
		parsed, _, err := markdown.Parse(name+".md", body)
		if err != nil {
			var pe *markdown.ParseError
			p := Problem{Type: typeInvalidMarkdown, Title: "Invalid markdown article", Status: http.StatusBadRequest, Detail: err.Error()}
			if errors.As(err, &pe) {
				p.Detail = pe.Reason
				p.Errors = []article.FieldError{{Line: pe.Line, Detail: pe.Reason}}
			}
			writeProblem(w, r, p)
			return nil, false
		}
		parsed.Source = string(body)
		a = parsed
	case "application/json", "":
		a = &article.Article{}
		if p := decodeJSON(r, a); p != nil {
			writeProblem(w, r, *p)
			return nil, false
		}
	default:
		writeProblem(w, r, Problem{Type: typeUnsupportedMedia, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail: "send application/json or text/markdown"})
		return nil, false
	}
	if err := s.prepare(a, key, ""); err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	return a, true
}

// prepare validates an incoming article, ties it to the URL's key, and
// gives it a markdown source when it came as JSON.
func (s *Server) prepare(a *article.Article, key store.Key, status string) error {
	var fields []article.FieldError
	if key.Slug != "" {
		if a.Slug == "" {
			a.Slug = key.Slug
		} else if a.Slug != key.Slug {
			fields = append(fields, article.FieldError{Pointer: "/slug", Detail: "must equal the slug in the URL, " + key.Slug})
		}
		if a.Lang == "" {
			a.Lang = key.Lang
		} else if a.Lang != key.Lang {
			fields = append(fields, article.FieldError{Pointer: "/lang", Detail: "must equal the lang in the URL, " + key.Lang})
		}
	}
	if a.Status == "" {
		a.Status = status
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	}
	a.ID, a.Version = 0, 0
	err := article.Normalize(a)
	var de *article.Error
	if errors.As(err, &de) {
		de.Fields = append(fields, de.Fields...)
		return de
	}
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return &article.Error{Kind: article.KindInvalid, Message: fields[0].Detail, Fields: fields}
	}
	if a.Source == "" {
		a.Source = string(markdown.Render(a))
	}
	return nil
}

func (s *Server) bodyError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(w, r, Problem{Type: typeBodyTooLarge, Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the body may not exceed %d bytes", tooBig.Limit)})
		return
	}
	s.writeError(w, r, fmt.Errorf("read body: %w", err))
}

// handleRevisions answers GET /cases/{slug}/{lang}/revisions.
func (s *Server) handleRevisions(w http.ResponseWriter, r *http.Request) {
	key := caseKey(r)
	revs, err := s.store.Revisions(r.Context(), key.Slug, key.Lang)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, map[string]any{"revisions": revs})
}

// handleRevision answers GET /cases/{slug}/{lang}/revisions/{n}.
func (s *Server) handleRevision(w http.ResponseWriter, r *http.Request) {
	if rev, _, ok := s.revision(w, r); ok {
		writeJSON(w, r, rev)
	}
}

// handleRestoreRevision answers POST /cases/{slug}/{lang}/revisions/{n}/restore:
// the old content becomes a new revision; history is never rewritten.
func (s *Server) handleRestoreRevision(w http.ResponseWriter, r *http.Request) {
	rev, key, ok := s.revision(w, r)
	if !ok {
		return
	}
	s.update(w, r, key, r.Header.Get("If-Match"), "restore", func(cur *article.Article) (*article.Article, error) {
		old := rev.Content
		old.Source = string(markdown.Render(old))
		return old, nil
	})
}

// revision reads the revision the URL names, answering the error itself
// when there is none.
func (s *Server) revision(w http.ResponseWriter, r *http.Request) (*store.Revision, store.Key, bool) {
	key := caseKey(r)
	n, ok := s.revisionNumber(w, r)
	if !ok {
		return nil, key, false
	}
	rev, err := s.store.Revision(r.Context(), key.Slug, key.Lang, n)
	if err != nil {
		s.writeError(w, r, err)
		return nil, key, false
	}
	return rev, key, true
}

func (s *Server) revisionNumber(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 {
		s.writeError(w, r, &article.Error{Kind: article.KindInvalid, Message: "revision number must be a positive integer",
			Fields: []article.FieldError{{Parameter: "n", Detail: "must be a positive integer"}}})
		return 0, false
	}
	return n, true
}
