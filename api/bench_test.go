package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/testdb"
)

// BenchmarkLookupCached measures a warm GET /errors/{code} through the
// whole router and middleware, with a bare handler writing the same bytes
// as the baseline in the same run.
func BenchmarkLookupCached(b *testing.B) {
	st := testdb.Store(b)
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	srv := api.NewServer(cfg, st, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})))
	e := &env{store: st, handler: srv}
	e.importFiles(b, map[string]string{"seed.md": seedFile(b)})
	req := httptest.NewRequest(http.MethodGet, "/errors/0x80070643", nil)
	warm := httptest.NewRecorder()
	srv.ServeHTTP(warm, req)
	body := warm.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	// As served by default: every request counted against its client (the
	// limit high enough never to be reached here).
	cfg.RateLimit = 1 << 30
	limited := api.NewServer(cfg, st, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})))
	limited.ServeHTTP(httptest.NewRecorder(), req)
	// What clients send: nothing (wrk, curl), a chatbot's Accept, and a
	// portal's fetch from a browser (axios' default Accept).
	chatbot := req.Clone(req.Context())
	chatbot.Header.Set("Accept", "application/json")
	browser := req.Clone(req.Context())
	browser.Header.Set("Accept", "application/json, text/plain, */*")
	browser.Header.Set("Accept-Language", "ja,en-US;q=0.9,en;q=0.8")
	for _, bc := range []struct {
		name string
		h    http.Handler
		req  *http.Request
	}{{"errdex", srv, req}, {"chatbot", srv, chatbot}, {"browser", srv, browser}, {"ratelimited", limited, req}, {"bare", bare, req}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				bc.h.ServeHTTP(rec, bc.req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
