package api

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/httprate"
)

// typeRateLimited is the problem a client gets past its rate limit.
const typeRateLimited = "urn:errdex:problem:rate-limited"

// rateWindow is the window RateLimit counts requests in.
const rateWindow = time.Minute

// unlimitedPaths are probed by load balancers and scraped by Prometheus:
// limiting them would take a healthy replica out of rotation.
var unlimitedPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// newLimiter returns a sliding-window limiter of perMinute requests, or nil
// when perMinute is 0.
func newLimiter(perMinute int) *httprate.RateLimiter {
	if perMinute <= 0 {
		return nil
	}
	return httprate.NewRateLimiter(perMinute, rateWindow)
}

// rateLimit counts each request against its client: an authenticated editor
// by token (so editors behind one NAT do not share a budget), anyone else by
// IP address (the TCP peer; errdex trusts no forwarding header). It runs
// after authenticate. Every counted response carries httprate's
// X-RateLimit-* headers and their IETF RateLimit-* equivalents; a request
// over the limit gets 429 problem+json with Retry-After. With no limit set,
// it leaves the chain as it is.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.withinLimit(w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// withinLimit counts r against its client's budget unless its path is
// never limited; false means it was answered 429.
func (s *Server) withinLimit(w http.ResponseWriter, r *http.Request) bool {
	return unlimitedPaths[r.URL.Path] || !s.overLimit(w, r)
}

// overLimit counts r against its client's budget, sets the rate-limit
// headers and, when the budget is spent, answers 429 and reports true. It
// is false when no limit is set.
func (s *Server) overLimit(w http.ResponseWriter, r *http.Request) bool {
	if s.limiter == nil {
		return false
	}
	limited := s.limiter.OnLimit(w, r, clientKey(r))
	h := w.Header()
	h.Set("RateLimit-Limit", h.Get("X-RateLimit-Limit"))
	h.Set("RateLimit-Remaining", h.Get("X-RateLimit-Remaining"))
	h.Set("RateLimit-Policy", h.Get("X-RateLimit-Limit")+";w="+strconv.Itoa(int(rateWindow.Seconds())))
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		h.Set("RateLimit-Reset", strconv.FormatInt(max(0, reset-time.Now().Unix()), 10))
	}
	if limited {
		writeProblem(w, r, Problem{Type: typeRateLimited, Title: "Too many requests", Status: http.StatusTooManyRequests,
			Detail: "this client sent more than " + h.Get("RateLimit-Limit") + " requests in a minute; retry after Retry-After seconds"})
	}
	return limited
}

// clientKey names the budget a request counts against. Tokens are keyed by
// id, never by their secret.
func clientKey(r *http.Request) string {
	if tok, ok := tokenFrom(r.Context()); ok {
		return "token:" + strconv.FormatInt(tok.ID, 10)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + httprate.CanonicalizeIP(host)
}
