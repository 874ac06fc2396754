package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/errcode"
	"github.com/errdex/errdex/internal/lookup"
)

// Limits of POST /resolve.
const (
	maxResolveText  = 20000 // characters: a long chat message, not a log file
	maxResolveCodes = 20
)

type resolveRequest struct {
	Text string `json:"text"`
	Lang string `json:"lang"`
	View string `json:"view"`
}

// resolvedCode is one code found in the text, where, and its answer.
type resolvedCode struct {
	Text  string `json:"text"`
	Start int    `json:"start"` // byte offsets into the text sent
	End   int    `json:"end"`
	*lookup.Result
}

type resolvedBrief struct {
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	briefResponse
}

// handleResolve answers POST /resolve: every error code in a user's whole
// message, in order of appearance, each resolved as GET /errors/{code}
// would. A code repeated in the text is answered once, at its first place.
func (s *Server) handleResolve(w http.ResponseWriter, r *http.Request) {
	var req resolveRequest
	if p := decodeJSON(r, &req); p != nil {
		writeProblem(w, r, *p)
		return
	}
	var fields []article.FieldError
	switch {
	case req.Text == "":
		fields = append(fields, article.FieldError{Pointer: "/text", Detail: "text is required"})
	case !utf8.ValidString(req.Text):
		fields = append(fields, article.FieldError{Pointer: "/text", Detail: "text must be UTF-8"})
	case utf8.RuneCountInString(req.Text) > maxResolveText:
		fields = append(fields, article.FieldError{Pointer: "/text", Detail: "text may not exceed 20000 characters"})
	}
	if req.Lang != "" && !lookup.ValidLang(req.Lang) {
		fields = append(fields, article.FieldError{Pointer: "/lang", Detail: "lang must be a BCP 47 language tag such as ja or en-US"})
	}
	if req.View != "" && req.View != viewFull && req.View != viewBrief {
		fields = append(fields, article.FieldError{Pointer: "/view", Detail: "view must be full or brief"})
	}
	if len(fields) > 0 {
		s.writeError(w, r, &article.Error{Kind: article.KindInvalid, Message: fields[0].Detail, Fields: fields})
		return
	}
	prefs := s.negotiate.preferences(req.Lang, r).list

	seen := map[errcode.Code]bool{}
	full := []resolvedCode{}
	briefs := []resolvedBrief{}
	for _, m := range errcode.ExtractWithNames(req.Text) {
		if seen[m.Code] || len(seen) == maxResolveCodes {
			continue
		}
		seen[m.Code] = true
		res, err := s.lookup.Lookup(r.Context(), m.Code, prefs)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if req.View == viewBrief {
			briefs = append(briefs, resolvedBrief{Text: m.Text, Start: m.Start, End: m.End, briefResponse: brief(m.Text, res)})
		} else {
			full = append(full, resolvedCode{Text: m.Text, Start: m.Start, End: m.End, Result: res})
		}
	}
	addVary(w.Header(), "Accept-Language")
	if req.View == viewBrief {
		writeJSON(w, r, map[string]any{"codes": briefs})
		return
	}
	writeJSON(w, r, map[string]any{"codes": full})
}
