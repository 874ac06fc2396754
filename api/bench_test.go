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

// discardWriter is a ResponseWriter as net/http gives each request, a new
// header map, without a connection: what is left is the handlers' own work.
// httptest.ResponseRecorder copies the body and headers, which costs more
// than errdex's whole answer.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkLookupCached measures a warm GET /errors/{code} through the
// whole router and middleware, with a bare handler writing the same
// headers and bytes as the baseline in the same run: their difference is
// what errdex adds, bar the access log (the logger here is off; cmd/errdex
// owns the production one). Run it with -cpu 1,2: with two goroutines at
// once, shared state costs what one alone does not.
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
	body, header := warm.Body.Bytes(), warm.Header().Clone()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for name, values := range header {
			h[name] = values
		}
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
			b.RunParallel(func(pb *testing.PB) {
				w := &discardWriter{}
				for pb.Next() {
					w.h, w.code = make(http.Header), 0
					bc.h.ServeHTTP(w, bc.req)
					if w.code != 0 && w.code != http.StatusOK {
						b.Errorf("status %d", w.code)
						return
					}
				}
			})
		})
	}
}
