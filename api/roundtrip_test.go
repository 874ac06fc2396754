package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

// queryCounter counts the statements sent to PostgreSQL.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	q.n.Add(1)
	return ctx
}

func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestUncachedLookupIsOneQuery proves the database-bound path costs one
// statement per lookup, whatever the article's size: no N+1.
func TestUncachedLookupIsOneQuery(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	counter := &queryCounter{}
	cfg.ConnConfig.Tracer = counter
	st, err := store.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	apiCfg := api.DefaultConfig()
	apiCfg.CacheBytes = 0
	e := &env{store: st, handler: api.NewServer(apiCfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})

	for _, code := range []string{"0x80070643", "0x80070005", "0x80070643"} {
		before := counter.n.Load()
		res, body := e.get(t, "/errors/"+code)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", code, res.StatusCode, body)
		}
		if n := counter.n.Load() - before; n != 1 {
			t.Errorf("GET /errors/%s with the cache off sent %d statements, want 1", code, n)
		}
	}
}

// TestClientGoneIsNotAServerError: a lookup whose client hung up is logged
// and counted as 499, not as a 500.
func TestClientGoneIsNotAServerError(t *testing.T) {
	t.Parallel()
	st := testdb.Store(t)
	cfg := api.DefaultConfig()
	cfg.CacheBytes = 0
	h := api.NewServer(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/errors/0x80070643", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 499 {
		t.Errorf("status %d for a client that went away, want 499", rec.Code)
	}
}
