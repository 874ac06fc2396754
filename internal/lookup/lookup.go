// Package lookup answers "what is this error code and how do I fix it":
// it decodes the code, finds the articles filed under it or an equivalent
// code, and ranks them for the reader's languages.
package lookup

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/errcode"
	"github.com/errdex/errdex/internal/store"
)

// Match kinds: how an article's code relates to the code looked up.
const (
	MatchExact      = "exact"
	MatchEquivalent = "equivalent"
)

// Result is the answer for one code.
type Result struct {
	Code        string          `json:"code"`
	Decoded     errcode.Decoded `json:"decoded"`
	Equivalents []Equivalent    `json:"equivalents"`
	Articles    []ArticleMatch  `json:"articles"`
	Lang        string          `json:"-"` // language of the best article, or the first preference
}

// Equivalent is another spelling of the same error, with how it relates.
type Equivalent struct {
	Code     string `json:"code"`
	Relation string `json:"relation"`
}

// ArticleMatch is an article and why it matched.
type ArticleMatch struct {
	Match       string `json:"match"`
	MatchedCode string `json:"matchedCode"`
	*article.Article
}

// Service looks codes up in the store.
type Service struct {
	store      *store.Store
	unresolved *Recorder
}

// New returns a lookup service on st that counts unresolved lookups in rec.
func New(st *store.Store, rec *Recorder) *Service { return &Service{store: st, unresolved: rec} }

// Lookup decodes code and returns its articles, one per case (slug) in the
// best language for prefs, ranked: exact code before equivalent, preferred
// language first, newest first. It returns KindUnavailable errors when the
// database is down.
func (s *Service) Lookup(ctx context.Context, code errcode.Code, prefs []string) (*Result, error) {
	res, err := s.Find(ctx, code, prefs)
	if err == nil && len(res.Articles) == 0 {
		s.unresolved.Record(res.Code, time.Now())
	}
	return res, err
}

// Find is Lookup without counting an unresolved lookup, for an answer
// shared by several requests, each of which counts itself.
func (s *Service) Find(ctx context.Context, code errcode.Code, prefs []string) (*Result, error) {
	canonical := code.String()
	res := &Result{Code: canonical, Decoded: errcode.Decode(code), Equivalents: []Equivalent{}, Articles: []ArticleMatch{}}
	codes := []string{canonical}
	for _, e := range errcode.Equivalents(code) {
		res.Equivalents = append(res.Equivalents, Equivalent{Code: e.Code.String(), Relation: e.Relation})
		codes = append(codes, e.Code.String())
	}
	arts, err := s.store.ArticlesByCodes(ctx, codes)
	if err != nil {
		return nil, err
	}
	res.Articles = Rank(arts, canonical, codes[1:], prefs)
	res.Lang = chosenLang(res.Articles, prefs)
	return res, nil
}

// DependsOn returns what a write must touch (store.Touched) to change
// this answer. filed: the code and its equivalents, whose articles it
// shows, and the codes the related items of those articles mention, under
// which the articles they link to are filed. mentioned: the codes those
// articles are filed under, which the related items of the articles
// linking to them mention.
func (r *Result) DependsOn() (filed, mentioned []string) {
	filed = []string{r.Code}
	for _, e := range r.Equivalents {
		filed = append(filed, e.Code)
	}
	for _, m := range r.Articles {
		mentioned = append(mentioned, m.Codes...)
		for _, rel := range m.Related {
			filed = append(filed, rel.Codes...)
		}
	}
	slices.Sort(filed)
	slices.Sort(mentioned)
	return slices.Compact(filed), slices.Compact(mentioned)
}

// Rank orders articles for a lookup of code (with its equivalents) and keeps
// the best language version of each case.
func Rank(arts []*article.Article, code string, equivalents []string, prefs []string) []ArticleMatch {
	type scored struct {
		m     ArticleMatch
		exact bool
		lang  int
	}
	best := map[string]scored{}
	var order []string
	for _, a := range arts {
		sc := scored{m: ArticleMatch{Article: a}, lang: langScore(a.Lang, prefs)}
		if slices.Contains(a.Codes, code) {
			sc.exact, sc.m.Match, sc.m.MatchedCode = true, MatchExact, code
		} else {
			sc.m.Match = MatchEquivalent
			for _, e := range equivalents {
				if slices.Contains(a.Codes, e) {
					sc.m.MatchedCode = e
					break
				}
			}
		}
		prev, ok := best[a.Slug]
		if !ok {
			order = append(order, a.Slug)
		}
		if !ok || better(sc.lang, sc.m.Article, prev.lang, prev.m.Article) {
			best[a.Slug] = sc
		}
	}
	out := make([]scored, 0, len(order))
	for _, slug := range order {
		out = append(out, best[slug])
	}
	slices.SortStableFunc(out, func(x, y scored) int {
		if x.exact != y.exact {
			if x.exact {
				return -1
			}
			return 1
		}
		if x.lang != y.lang {
			return x.lang - y.lang
		}
		if c := y.m.UpdatedAt.Compare(x.m.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.m.Slug+"/"+x.m.Lang, y.m.Slug+"/"+y.m.Lang)
	})
	matches := make([]ArticleMatch, len(out))
	for i, s := range out {
		matches[i] = s.m
	}
	return matches
}

func better(langA int, a *article.Article, langB int, b *article.Article) bool {
	if langA != langB {
		return langA < langB
	}
	if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
		return c > 0
	}
	return a.Lang < b.Lang
}

func chosenLang(matches []ArticleMatch, prefs []string) string {
	if len(matches) > 0 {
		return matches[0].Lang
	}
	if len(prefs) > 0 {
		return prefs[0]
	}
	return ""
}
