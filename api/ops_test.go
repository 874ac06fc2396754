package api_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

// newEnvWith is newEnv with a chosen configuration, logging into logs.
func newEnvWith(t *testing.T, cfg api.Config, logs *bytes.Buffer) *env {
	t.Helper()
	st := testdb.Store(t)
	h := slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	return &env{store: st, handler: api.NewServer(cfg, st, slog.New(h))}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	e.get(t, "/errors/0x80070643")
	e.get(t, "/errors/0x80070643")
	e.get(t, "/errors/0x8000DEAD") // a valid code with no article
	e.get(t, "/no/such/route")

	res, body := e.get(t, "/metrics")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics = %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	text := string(body)
	for _, want := range []string{
		`errdex_http_requests_total{method="GET",route="/errors/{code}",status="200"} 3`,
		`errdex_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`errdex_http_request_duration_seconds_count{method="GET",route="/errors/{code}",status="200"} 3`,
		`errdex_unresolved_lookups_total 1`,
		`errdex_cache_hits_total 1`, // the second lookup of 0x80070643
		`errdex_cache_misses_total 2`,
		`errdex_cache_evictions_total 0`,
		`errdex_cache_invalidation_linked 0`, // Background is not running
		`errdex_cache_invalidations_total{scope="all"} 0`,
		`errdex_cache_invalidations_total{scope="codes"} 0`,
		`errdex_cache_invalidated_total 0`,
		`errdex_import_runs_total{result="ok"} 0`,
		`errdex_import_failed_files_total 0`,
		`errdex_http_requests_in_flight 1`, // the scrape itself
		`errdex_db_pool_max_conns `,
		`errdex_db_pool_acquires_total `,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Raw paths would make a series per code looked up.
	if strings.Contains(text, "0x80070643") || strings.Contains(text, "/no/such/route") {
		t.Errorf("/metrics labels a raw path:\n%s", text)
	}
}

func TestObserveImport(t *testing.T) {
	t.Parallel()
	st := testdb.Store(t)
	srv := api.NewServer(api.DefaultConfig(), st, slog.New(slog.DiscardHandler))
	srv.ObserveImport(nil, nil)
	srv.ObserveImport(nil, errors.New("source unreadable"))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{`errdex_import_runs_total{result="ok"} 1`, `errdex_import_runs_total{result="failed"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestRateLimit checks that the N+1th request of a client in a minute gets
// 429 problem+json with RateLimit-* headers, that other clients and
// editors have budgets of their own, and that probes are never limited.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig()
	cfg.RateLimit = 3
	var logs bytes.Buffer
	e := newEnvWith(t, cfg, &logs)

	from := func(addr string, header ...string) (*http.Response, []byte) {
		req := httptest.NewRequest(http.MethodGet, "/errors/0x80070005", nil)
		req.RemoteAddr = addr
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return e.do(t, req)
	}
	for i := 1; i <= 3; i++ {
		res, body := from("192.0.2.7:1000")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d = %d %s, want 200", i, res.StatusCode, body)
		}
		if got, want := res.Header.Get("RateLimit-Remaining"), strconv.Itoa(3-i); got != want {
			t.Errorf("request %d: RateLimit-Remaining %q, want %q", i, got, want)
		}
	}
	res, body := from("192.0.2.7:2000") // another connection, same client
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request 4 = %d %s, want 429", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(string(body), `"type":"urn:errdex:problem:rate-limited"`) {
		t.Errorf("429: %q %s, want a rate-limited problem", ct, body)
	}
	h := res.Header
	if h.Get("RateLimit-Limit") != "3" || h.Get("RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Limit") != "3" ||
		h.Get("RateLimit-Policy") != "3;w=60" || h.Get("Retry-After") == "" {
		t.Errorf("429 headers: %v", h)
	}
	if reset, err := strconv.Atoi(h.Get("RateLimit-Reset")); err != nil || reset < 0 || reset > 60 {
		t.Errorf("RateLimit-Reset %q, want seconds 0..60", h.Get("RateLimit-Reset"))
	}

	if res, _ := from("198.51.100.1:1000"); res.StatusCode != http.StatusOK {
		t.Errorf("another IP = %d, want 200", res.StatusCode)
	}
	secret := e.token(t, store.RoleEditor)
	if res, _ := from("192.0.2.7:3000", "Authorization", "Bearer "+secret); res.StatusCode != http.StatusOK {
		t.Errorf("an editor on the limited IP = %d, want 200 (editors are limited by token)", res.StatusCode)
	}
	for _, target := range []string{"/healthz", "/readyz", "/metrics"} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.RemoteAddr = "192.0.2.7:1000"
		if res, _ := e.do(t, req); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s from a limited client = %d, want 200", target, res.StatusCode)
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the logs hold a token:\n%s", logs.String())
	}
	// Refused before routing, the 429 still counts under its route.
	_, metrics := e.get(t, "/metrics")
	if want := `errdex_http_requests_total{method="GET",route="/errors/{code}",status="429"} 1`; !strings.Contains(string(metrics), want) {
		t.Errorf("/metrics lacks %q", want)
	}
}

// TestRateLimitCountsRefusedTokens: a request with a bad token never
// reaches rateLimit (authenticate answers 401 first), yet guessing tokens
// must spend the address's budget like any request, then get 429.
func TestRateLimitCountsRefusedTokens(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig()
	cfg.RateLimit = 3
	e := newEnvWith(t, cfg, &bytes.Buffer{})
	guess := func(auth string) *http.Response {
		req := httptest.NewRequest(http.MethodGet, "/errors/0x80070005", nil)
		req.RemoteAddr = "203.0.113.9:1000"
		req.Header.Set("Authorization", auth)
		res, _ := e.do(t, req)
		return res
	}
	for i, auth := range []string{"Bearer nope-1", "Basic eDp5", "Bearer nope-2"} {
		res := guess(auth)
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Fatalf("guess %d = %d, RateLimit-Remaining %q; want 401 and %d", i+1, res.StatusCode, res.Header.Get("RateLimit-Remaining"), 2-i)
		}
	}
	if res := guess("Bearer nope-3"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("guess 4 = %d, want 429", res.StatusCode)
	}
	req := httptest.NewRequest(http.MethodGet, "/errors/0x80070005", nil)
	req.RemoteAddr = "203.0.113.9:2000"
	if res, _ := e.do(t, req); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("an anonymous lookup from the guessing address = %d, want 429 (same budget)", res.StatusCode)
	}
}

func TestRateLimitOff(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	e := newEnvWith(t, cfg, &bytes.Buffer{})
	res, _ := e.get(t, "/errors/0x80070005")
	if res.StatusCode != http.StatusOK || res.Header.Get("RateLimit-Limit") != "" {
		t.Errorf("with RateLimit 0: %d, RateLimit-Limit %q; want 200 and no header", res.StatusCode, res.Header.Get("RateLimit-Limit"))
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	e := newEnvWith(t, api.DefaultConfig(), &logs)

	res, body := e.get(t, "/errors/hello", "X-Request-Id", "chatbot-42.a")
	if got := res.Header.Get("X-Request-Id"); got != "chatbot-42.a" {
		t.Errorf("X-Request-Id echoed %q, want the one sent", got)
	}
	if !strings.Contains(string(body), `"requestId":"chatbot-42.a"`) {
		t.Errorf("problem does not quote the request id: %s", body)
	}
	if !strings.Contains(logs.String(), "request_id=chatbot-42.a") {
		t.Errorf("access log lacks the request id:\n%s", logs.String())
	}

	for name, sent := range map[string]string{"none": "", "too long": strings.Repeat("x", 129), "spaces": "a b"} {
		res, _ := e.get(t, "/healthz", "X-Request-Id", sent)
		if got := res.Header.Get("X-Request-Id"); got == "" || got == sent {
			t.Errorf("%s: X-Request-Id %q, want a generated one", name, got)
		}
	}
}

// TestSecurityHeadersAndSecrets checks the headers every response carries
// and that neither a good nor a bad token reaches the logs.
func TestSecurityHeadersAndSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	e := newEnvWith(t, api.DefaultConfig(), &logs)
	secret := e.token(t, store.RoleEditor)
	bogus := "edx_" + strings.Repeat("Z", 43)

	for _, header := range [][]string{
		{"Authorization", "Bearer " + secret},
		{"Authorization", "Bearer " + bogus},
		{"Authorization", "Basic " + bogus},
		{},
	} {
		res, _ := e.get(t, "/cases/no-such-case", header...)
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("security headers missing: %v", res.Header)
		}
		if v := res.Header.Get("Server"); v != "" {
			t.Errorf("Server header %q, want none", v)
		}
	}
	if res, _ := e.send(t, http.MethodPost, "/cases", "application/json", "{", "Authorization", "Bearer "+secret); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad body = %d, want 400", res.StatusCode)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, s := range []string{secret, bogus, "Authorization", "Bearer"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the logs hold %q:\n%s", s, logs.String())
		}
	}
	if regexp.MustCompile(`edx_[A-Za-z0-9_-]{20,}`).MatchString(logs.String()) {
		t.Errorf("the logs hold something like a token:\n%s", logs.String())
	}
}
