package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/articles"
	"github.com/errdex/errdex/internal/importer"
	"github.com/errdex/errdex/internal/testdb"
)

// discardWriter is a ResponseWriter as net/http gives each request, a new
// header map, without a connection.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkLookupLogged measures warm lookups of the bundled articles'
// codes, at random, through serve's own logger and log buffer (writing to
// io.Discard): errdex as served, errdex with the access-log line off (level
// warn), and a bare handler writing the same headers and body. Its
// difference to api's BenchmarkLookupCached is the access log, which
// belongs to this package. Run it with -cpu 1,2.
func BenchmarkLookupLogged(b *testing.B) {
	ctx := context.Background()
	st := testdb.Store(b)
	if _, err := importer.Run(ctx, st, []importer.Source{{Name: "articles", FS: articles.FS}}, importer.Options{}); err != nil {
		b.Fatal(err)
	}
	rows, _ := st.Pool().Query(ctx, `SELECT DISTINCT code FROM article_codes ORDER BY code`)
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(codes) == 0 {
		b.Fatalf("codes of the bundled articles: %v (%d)", err, len(codes))
	}
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	server := func(level string) http.Handler {
		getenv := func(k string) string {
			return map[string]string{"ERRDEX_LOG_LEVEL": level, "ERRDEX_LOG_FORMAT": "json"}[k]
		}
		return api.NewServer(cfg, st, newLogger(getenv, newLogBuffer(io.Discard, logBufferSize)))
	}
	logged, quiet := server("info"), server("warn")

	type answer struct {
		header http.Header
		body   []byte
	}
	reqs := make([]*http.Request, len(codes))
	answers := make(map[string]answer, len(codes))
	for i, code := range codes {
		reqs[i] = httptest.NewRequest(http.MethodGet, "/errors/"+code, nil)
		for _, h := range []http.Handler{logged, quiet} { // warm both caches
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, reqs[i])
			if rec.Code != http.StatusOK {
				b.Fatalf("GET /errors/%s: %d", code, rec.Code)
			}
			answers[reqs[i].URL.Path] = answer{rec.Header().Clone(), rec.Body.Bytes()}
		}
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[r.URL.Path]
		h := w.Header()
		for name, values := range a.header {
			h[name] = values
		}
		w.Write(a.body) //nolint:errcheck // discarded
	})
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"errdex", logged}, {"no-access-log", quiet}, {"bare", bare}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
				w := &discardWriter{}
				for pb.Next() {
					w.h = make(http.Header)
					bc.h.ServeHTTP(w, reqs[rng.IntN(len(reqs))])
				}
			})
		})
	}
}
