package api

import (
	"net/http"
	"strings"

	"github.com/errdex/errdex/internal/lookup"
)

// Clients send a few distinct Accept and Accept-Language values, the same
// ones on every request, and parsing them cost a cached lookup more than
// everything else it did: with a browser's headers, 2 of its 3 µs
// (BenchmarkLookupCached/browser). So the server works out once what each
// value says.

// memoValueLen is the longest header value the negotiation memos keep:
// longer ones, rare from real clients, are parsed every time.
const memoValueLen = 256

// langPrefs is what a lang parameter and an Accept-Language header say:
// the reader's languages, best first (lookup.Preferences).
type langPrefs struct {
	list []string // shared by every request sending the same headers: read only
	key  string   // list joined with commas, for cache keys
}

type langHeaders struct{ explicit, acceptLanguage string }

// negotiation holds the memos of what clients' headers ask for.
type negotiation struct {
	html  memo[string, bool] // an Accept header: does it prefer HTML?
	langs memo[langHeaders, langPrefs]
}

func newNegotiation() *negotiation {
	n := &negotiation{}
	n.html.work = func(accept string) bool { return prefersHTML([]string{accept}) }
	n.langs.work = func(h langHeaders) langPrefs {
		list := lookup.Preferences(h.explicit, h.acceptLanguage)
		return langPrefs{list: list, key: strings.Join(list, ",")}
	}
	return n
}

// preferences are the languages a request asks for: lang (a query
// parameter, already validated), else its Accept-Language.
func (n *negotiation) preferences(lang string, r *http.Request) langPrefs {
	h := langHeaders{lang, headerValue(r.Header, "Accept-Language")}
	if h == (langHeaders{}) {
		return langPrefs{} // no preference: lookup.Preferences("", "") is empty too
	}
	if h.explicit != "" {
		h.acceptLanguage = "" // an explicit lang wins; one entry for it
	}
	if len(h.explicit)+len(h.acceptLanguage) > memoValueLen {
		return n.langs.work(h)
	}
	return n.langs.get(h)
}

// wantsHTML reports whether the client prefers text/html to
// application/json, as a browser navigating to the URL does. Equal
// preference, */* and no Accept at all mean JSON: API clients must never
// be surprised by a page.
func (n *negotiation) wantsHTML(r *http.Request) bool {
	accept := r.Header["Accept"] // canonical key: as Values, without canonicalizing it
	switch {
	case len(accept) == 0:
		return false
	case len(accept) == 1 && len(accept[0]) <= memoValueLen:
		return n.html.get(accept[0])
	}
	return prefersHTML(accept)
}
