package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/errcode"
	"github.com/errdex/errdex/internal/lookup"
)

// Views of a lookup: everything, or the compact one chatbots quote from.
const (
	viewFull  = "full"
	viewBrief = "brief"
)

// Limits of the brief view.
const (
	briefCauses   = 3
	briefFixSteps = 3
)

type lookupResponse struct {
	Query string `json:"query"`
	*lookup.Result
}

type briefResponse struct {
	Query       string              `json:"query"`
	Code        string              `json:"code"`
	Decoded     errcode.Decoded     `json:"decoded"`
	Equivalents []lookup.Equivalent `json:"equivalents"`
	Articles    []briefArticle      `json:"articles"`
}

// briefArticle is what a chatbot needs to answer in a few lines.
type briefArticle struct {
	Match       string          `json:"match"`
	MatchedCode string          `json:"matchedCode"`
	Slug        string          `json:"slug"`
	Lang        string          `json:"lang"`
	Title       string          `json:"title"`
	ErrorText   string          `json:"errorText"`
	UpdatedAt   time.Time       `json:"updatedAt"`
	Summary     article.Summary `json:"summary"`
	Causes      []article.Cause `json:"causes"`
	Checks      []article.Step  `json:"checks"`
	Fix         []article.Step  `json:"fix"`
}

// lookupRequest is a parsed, validated GET /errors/{code}.
type lookupRequest struct {
	raw   string
	code  errcode.Code
	prefs langPrefs
	view  string
}

func (s *Server) parseLookup(r *http.Request) (lookupRequest, error) {
	var q url.Values // most lookups have no query: skip making an empty map
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	req := lookupRequest{raw: chi.URLParam(r, "code"), view: q.Get("view")}
	var fields []article.FieldError
	code, err := errcode.Parse(req.raw)
	if err != nil {
		detail := err.Error()
		var pe *errcode.ParseError
		if errors.As(err, &pe) {
			detail = pe.Detail
		}
		fields = append(fields, article.FieldError{Parameter: "code", Detail: detail})
	}
	req.code = code
	lang := q.Get("lang")
	if lang != "" && !lookup.ValidLang(lang) {
		fields = append(fields, article.FieldError{Parameter: "lang", Detail: "lang must be a BCP 47 language tag such as ja or en-US"})
	}
	switch req.view {
	case "":
		req.view = viewFull
	case viewFull, viewBrief:
	default:
		fields = append(fields, article.FieldError{Parameter: "view", Detail: "view must be full or brief"})
	}
	if len(fields) > 0 {
		return req, &article.Error{Kind: article.KindInvalid, Message: fields[0].Detail, Fields: fields}
	}
	req.prefs = s.negotiate.preferences(lang, r)
	return req, nil
}

// handleLookup answers GET /errors/{code}: the decoded code and its
// articles. A valid code without articles still answers 200 with the
// decode, which is useful on its own. Every answer varies by Accept (JSON,
// or HTML for browsers).
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseLookup(r)
	if err != nil {
		addVary(w.Header(), "Accept")
		var de *article.Error
		errors.As(err, &de)
		if de.Fields[0].Parameter == "code" {
			writeProblem(w, r, Problem{Type: typeInvalidCode, Title: "Invalid error code", Status: http.StatusBadRequest,
				Detail: de.Message, Errors: de.Fields})
			return
		}
		s.writeError(w, r, err)
		return
	}
	if s.negotiate.wantsHTML(r) { // a browser following a link: the page (html.go)
		addVary(w.Header(), "Accept")
		s.writeConditional(w, r, func(w http.ResponseWriter, r *http.Request) { s.writeLookupHTML(w, r, req) })
		return
	}
	c, err := s.answerFor(r, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.unresolved != "" {
		s.unresolved.Record(c.unresolved, time.Now())
	}
	s.writeCached(w, r, c)
}

// answerFor returns req's answer: from the cache, or worked out once for
// all the requests that miss the same answer at the same time (a code
// everyone asks about, just edited), then cached.
func (s *Server) answerFor(r *http.Request, req lookupRequest) (*cachedResponse, error) {
	if s.cache == nil {
		return s.answer(r.Context(), req, acceptsGzip(r))
	}
	if s.cache.unlinked.Load() {
		s.metrics.cacheMisses.Inc()
		return s.answer(r.Context(), req, acceptsGzip(r))
	}
	key := cacheKey{view: req.view, prefs: req.prefs.key, code: req.raw}
	if c, ok := s.cache.get(key); ok {
		s.metrics.cacheHits.Inc()
		return c, nil
	}
	s.metrics.cacheMisses.Inc()
	// Worked out apart from the request that happens to come first, which
	// may go away while the others wait, and bounded as any request is.
	detached := context.WithoutCancel(r.Context())
	flight := s.flights.DoChan(key.view+"\x00"+key.prefs+"\x00"+key.code, func() (any, error) {
		ctx := detached
		if s.cfg.RequestTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(detached, s.cfg.RequestTimeout)
			defer cancel()
		}
		gen := s.cache.generation.Load()
		c, err := s.answer(ctx, req, true)
		if err == nil {
			s.cache.put(key, c, gen)
		}
		return c, err
	})
	select {
	case res := <-flight:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*cachedResponse), nil
	case <-r.Context().Done():
		err := r.Context().Err()
		if errors.Is(err, context.DeadlineExceeded) {
			// What the database call would have said, cut off at the deadline.
			return nil, &article.Error{Kind: article.KindUnavailable, Message: "database unavailable", Err: err}
		}
		return nil, err
	}
}

// answer works req's answer out from the database, with its gzip when
// gzipToo: compressing is a third of a miss's CPU, worth it for an answer
// kept for every later client, not for one only a client that does not
// take gzip gets.
func (s *Server) answer(ctx context.Context, req lookupRequest, gzipToo bool) (*cachedResponse, error) {
	res, err := s.lookup.Find(ctx, req.code, req.prefs.list)
	if err != nil {
		return nil, err
	}
	var v any = lookupResponse{Query: req.raw, Result: res}
	if req.view == viewBrief {
		v = brief(req.raw, res)
	}
	body, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	var lastModified time.Time
	for _, m := range res.Articles {
		if m.UpdatedAt.After(lastModified) {
			lastModified = m.UpdatedAt
		}
	}
	filed, mentioned := res.DependsOn()
	c := newCachedResponse(body, res.Lang, lastModified, filed, mentioned, gzipToo)
	if len(res.Articles) == 0 {
		c.unresolved = res.Code
	}
	return c, nil
}

func brief(query string, res *lookup.Result) briefResponse {
	out := briefResponse{Query: query, Code: res.Code, Decoded: res.Decoded, Equivalents: res.Equivalents,
		Articles: make([]briefArticle, len(res.Articles))}
	for i, m := range res.Articles {
		out.Articles[i] = briefArticle{
			Match: m.Match, MatchedCode: m.MatchedCode, Slug: m.Slug, Lang: m.Lang, Title: m.Title,
			ErrorText: m.ErrorText, UpdatedAt: m.UpdatedAt, Summary: m.Summary,
			Causes: m.Causes[:min(len(m.Causes), briefCauses)],
			Checks: m.Checks,
			Fix:    m.Fix[:min(len(m.Fix), briefFixSteps)],
		}
	}
	return out
}
