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

// limiter is httprate's sliding-window limiter and the header values that
// never change.
type limiter struct {
	*httprate.RateLimiter
	policyH []string // RateLimit-Policy: "600;w=60"
}

// Header names in canonical form (as Header.Set would store them), so that
// neither httprate nor overLimit makes a canonical copy of each on every
// request. On the wire the case does not matter.
const (
	hdrXLimit     = "X-Ratelimit-Limit"
	hdrXRemaining = "X-Ratelimit-Remaining"
	hdrXReset     = "X-Ratelimit-Reset"
	hdrLimit      = "Ratelimit-Limit"
	hdrRemaining  = "Ratelimit-Remaining"
	hdrReset      = "Ratelimit-Reset"
	hdrPolicy     = "Ratelimit-Policy"
)

// newLimiter returns a sliding-window limiter of perMinute requests, or nil
// when perMinute is 0.
func newLimiter(perMinute int) *limiter {
	if perMinute <= 0 {
		return nil
	}
	rl := httprate.NewRateLimiter(perMinute, rateWindow, httprate.WithResponseHeaders(httprate.ResponseHeaders{
		Limit: hdrXLimit, Remaining: hdrXRemaining, Reset: hdrXReset, RetryAfter: "Retry-After",
	}))
	return &limiter{RateLimiter: rl,
		policyH: []string{strconv.Itoa(perMinute) + ";w=" + strconv.Itoa(int(rateWindow.Seconds()))}}
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
	// The IETF names carry httprate's values (the slices are shared: each
	// has len == cap, so an Add to either copies), but for Reset, which is
	// seconds from now there and a Unix time in X-RateLimit-Reset.
	h := w.Header()
	h[hdrLimit] = h[hdrXLimit]
	h[hdrRemaining] = h[hdrXRemaining]
	h[hdrPolicy] = s.limiter.policyH
	if xr := h[hdrXReset]; len(xr) == 1 {
		if reset, err := strconv.ParseInt(xr[0], 10, 64); err == nil {
			h[hdrReset] = []string{strconv.FormatInt(max(0, reset-time.Now().Unix()), 10)}
		}
	}
	if limited {
		writeProblem(w, r, Problem{Type: typeRateLimited, Title: "Too many requests", Status: http.StatusTooManyRequests,
			Detail: "this client sent more than " + h.Get(hdrLimit) + " requests in a minute; retry after Retry-After seconds"})
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
