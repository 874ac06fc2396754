package api

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/errcode"
	"github.com/errdex/errdex/internal/lookup"
	"github.com/errdex/errdex/internal/search"
	"github.com/errdex/errdex/internal/store"
)

// Limits of GET /search.
const (
	maxQueryChars      = 200
	defaultSearchLimit = 20
	maxSearchLimit     = 100
)

// rankCode is the rank of hits found through an error code in q: above
// every text tier (store.TierTitle is the highest).
const rankCode = store.TierTitle + 1

// Search modes: by words, or a code lookup when q holds an error code.
const (
	modeText = "text"
	modeCode = "code"
)

type searchResponse struct {
	Query      string            `json:"query"`
	Mode       string            `json:"mode"`
	Code       string            `json:"code,omitempty"` // the code q was looked up by, in code mode
	Hits       []store.SearchHit `json:"hits"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

// searchRequest is a parsed, validated GET /search.
type searchRequest struct {
	text   string
	lang   string
	tag    string
	limit  int
	cursor *pageCursor
}

func parseSearch(r *http.Request) (searchRequest, error) {
	q := r.URL.Query()
	req := searchRequest{text: strings.TrimSpace(q.Get("q")), lang: q.Get("lang"), tag: q.Get("tag")}
	var fields []article.FieldError
	switch n := utf8.RuneCountInString(req.text); {
	case n == 0:
		fields = append(fields, article.FieldError{Parameter: "q", Detail: "q is required: words, or an error code"})
	case n > maxQueryChars:
		fields = append(fields, article.FieldError{Parameter: "q", Detail: fmt.Sprintf("q may be at most %d characters", maxQueryChars)})
	}
	fields = append(fields, checkLangTag(req.lang, req.tag)...)
	var fe *article.FieldError
	req.limit, fe = parseLimit(q.Get("limit"), defaultSearchLimit, maxSearchLimit)
	if fe != nil {
		fields = append(fields, *fe)
	}
	if c := q.Get("cursor"); c != "" {
		pc, err := decodeCursor(c)
		if err != nil {
			fields = append(fields, article.FieldError{Parameter: "cursor", Detail: "cursor is not one this endpoint returned"})
		}
		req.cursor = pc
	}
	if len(fields) > 0 {
		return req, &article.Error{Kind: article.KindInvalid, Message: fields[0].Detail, Fields: fields}
	}
	return req, nil
}

// handleSearch answers GET /search: published articles matching words in
// Japanese or English, ranked by where they matched, with snippets. A query
// holding an error code is answered as GET /errors/{code} ranks, instead.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	req, err := parseSearch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var res searchResponse
	if codes := errcode.ExtractWithNames(req.text); len(codes) > 0 {
		res, err = s.searchCode(r, req, codes[0].Code)
	} else {
		res, err = s.searchText(r, req)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res.Query = req.text
	writeJSON(w, r, res)
}

func (s *Server) searchText(r *http.Request, req searchRequest) (searchResponse, error) {
	opts := store.SearchOptions{Lang: req.lang, Tag: req.tag, Limit: req.limit}
	switch c := req.cursor; {
	case c == nil:
	case c.mode == cursorRanked:
		score := math.Float32frombits(uint32(c.rank))
		opts.After = &store.SearchCursor{Ranked: true, Score: score, Tier: int(score / 10), ID: c.id}
	case c.mode == cursorTiered:
		opts.After = &store.SearchCursor{Tier: int(c.rank), ID: c.id}
	default:
		return searchResponse{}, invalidCursor()
	}
	hits, next, err := s.store.Search(r.Context(), search.ParseQuery(req.text), opts)
	if err != nil {
		return searchResponse{}, err
	}
	res := searchResponse{Mode: modeText, Hits: hits}
	switch {
	case next == nil:
	case next.Ranked:
		res.NextCursor = pageCursor{mode: cursorRanked, rank: int64(math.Float32bits(next.Score)), id: next.ID}.encode()
	default:
		res.NextCursor = pageCursor{mode: cursorTiered, rank: int64(next.Tier), id: next.ID}.encode()
	}
	return res, nil
}

// searchCode answers a query holding a code with the lookup's ranking,
// narrowed to lang and tag; its cursor is the position in that ranking.
func (s *Server) searchCode(r *http.Request, req searchRequest, code errcode.Code) (searchResponse, error) {
	from := 0
	if req.cursor != nil {
		if req.cursor.mode != cursorCode {
			return searchResponse{}, invalidCursor()
		}
		from = int(req.cursor.rank) + 1
	}
	found, err := s.lookup.Lookup(r.Context(), code, s.negotiate.preferences(req.lang, r).list)
	if err != nil {
		return searchResponse{}, err
	}
	res := searchResponse{Mode: modeCode, Code: found.Code, Hits: []store.SearchHit{}}
	var kept []lookup.ArticleMatch
	for _, m := range found.Articles {
		if (req.lang == "" || strings.EqualFold(m.Lang, req.lang)) && (req.tag == "" || contains(m.Tags, req.tag)) {
			kept = append(kept, m)
		}
	}
	for i := from; i < len(kept) && len(res.Hits) < req.limit; i++ {
		m := kept[i]
		matcher := search.NewMatcher(search.Query{}, []string{m.MatchedCode})
		res.Hits = append(res.Hits, store.SearchHit{
			ID: m.ID, Slug: m.Slug, Lang: m.Lang, Title: m.Title, ErrorText: m.ErrorText, Codes: m.Codes, Tags: m.Tags,
			UpdatedAt: m.UpdatedAt, Rank: rankCode,
			Snippet: matcher.BestSnippet([]search.Field{{Name: "title", Texts: []string{m.Title}},
				{Name: "errorText", Texts: []string{m.ErrorText}}}, store.SnippetWidth),
		})
		if i+1 < len(kept) && len(res.Hits) == req.limit {
			res.NextCursor = pageCursor{mode: cursorCode, rank: int64(i), id: m.ID}.encode()
		}
	}
	return res, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Cursor modes: which ranking a cursor is a position in.
const (
	cursorRanked = "r" // text search by score: rank is the float32 bits of the score
	cursorTiered = "t" // text search by tier, newest first: rank is the tier
	cursorCode   = "c" // code lookup: rank is the position
	cursorList   = "l" // GET /cases: rank is updatedAt in Unix microseconds
)

// pageCursor is an opaque position in a ranking or list: a mode, a rank
// and an id. Clients pass it back as they got it.
type pageCursor struct {
	mode string
	rank int64
	id   int64
}

func (c pageCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.mode + "." + strconv.FormatInt(c.rank, 10) + "." + strconv.FormatInt(c.id, 10)))
}

func decodeCursor(s string) (*pageCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 3 || parts[0] == "" {
		return nil, fmt.Errorf("malformed cursor")
	}
	rank, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id < 0 {
		return nil, fmt.Errorf("malformed cursor")
	}
	return &pageCursor{mode: parts[0], rank: rank, id: id}, nil
}

func invalidCursor() error {
	return &article.Error{Kind: article.KindInvalid, Message: "cursor is not one this endpoint returned for this query",
		Fields: []article.FieldError{{Parameter: "cursor", Detail: "cursor is not one this endpoint returned for this query"}}}
}

// parseLimit reads a page size from 1 to max, def when absent.
func parseLimit(v string, def, max int) (int, *article.FieldError) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return def, &article.FieldError{Parameter: "limit", Detail: fmt.Sprintf("limit must be an integer from 1 to %d", max)}
	}
	return n, nil
}

// checkLangTag validates the lang and tag filters.
func checkLangTag(lang, tag string) []article.FieldError {
	var fields []article.FieldError
	if lang != "" && !lookup.ValidLang(lang) {
		fields = append(fields, article.FieldError{Parameter: "lang", Detail: "lang must be a BCP 47 language tag such as ja or en-US"})
	}
	if utf8.RuneCountInString(tag) > 100 {
		fields = append(fields, article.FieldError{Parameter: "tag", Detail: "tag may be at most 100 characters"})
	}
	return fields
}
