package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/go-chi/cors"
)

// CORS: support portals call the API from their own pages (widget.js does),
// so the origins in cfg.CORSOrigins may read its responses. Reads and
// POST /resolve only: no Authorization header is allowed cross-origin, so
// the editor API stays out of other sites' scripts.

// corsExposed are the response headers a portal's script may read.
var corsExposed = []string{
	"ETag", "Content-Language", "Last-Modified", "Retry-After", "X-Request-Id",
	"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy",
}

// cors answers preflights and adds the CORS headers for allowed origins;
// with no origin configured it does nothing (go-chi/cors would allow all).
func (s *Server) cors(next http.Handler) http.Handler {
	if len(s.cfg.CORSOrigins) == 0 {
		return next
	}
	c := cors.New(cors.Options{
		AllowedOrigins: s.cfg.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost},
		AllowedHeaders: []string{"Accept", "Accept-Language", "Content-Type", "If-None-Match", "If-Modified-Since", "X-Request-Id"},
		ExposedHeaders: corsExposed,
		MaxAge:         600,
	})
	// The answer depends on Origin: go-chi/cors adds it to Vary, so
	// handlers add to Vary (addVary) and never replace it.
	return c.Handler(next)
}

// ParseOrigins reads a comma- or space-separated list of CORS origins:
// "*" or scheme://host[:port], where host may hold one "*" wildcard
// (https://*.example.com). An origin never has a path, so
// "https://portal.example/" is refused rather than silently never matching.
func ParseOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range splitList(list) {
		if o == "*" {
			out = append(out, o)
			continue
		}
		u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.Count(o, "*") > 1 {
			return nil, fmt.Errorf("%q is not an origin like https://portal.example.com", o)
		}
		out = append(out, strings.ToLower(o))
	}
	return out, nil
}

// ParseFrameAncestors reads the CSP frame-ancestors sources allowed to
// frame /embed pages, comma- or space-separated: *, 'self', 'none',
// schemes (https:) and hosts with optional wildcard (https://*.example.com).
func ParseFrameAncestors(list string) ([]string, error) {
	sources := splitList(list)
	for _, src := range sources {
		if cspSourceList([]string{src}) != src {
			return nil, fmt.Errorf("%q is not a CSP source such as https://portal.example.com or 'self'", src)
		}
	}
	return sources, nil
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// addVary adds each name to Vary unless it is listed already.
func addVary(h http.Header, names ...string) {
	for _, name := range names {
		if !varies(h, name) {
			h.Add("Vary", name)
		}
	}
}

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return true
			}
		}
	}
	return false
}
