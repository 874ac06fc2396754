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
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"errdex", srv}, {"bare", bare}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				bc.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
