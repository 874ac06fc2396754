package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

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

// countingEnv is a server with cfg on the database at url, seeded, whose
// statements to PostgreSQL the returned counter counts.
func countingEnv(t *testing.T, url string, cfg api.Config) (*env, *queryCounter) {
	t.Helper()
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	counter := &queryCounter{}
	pcfg.ConnConfig.Tracer = counter
	st, err := store.OpenConfig(context.Background(), pcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	e := &env{store: st, handler: api.NewServer(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	return e, counter
}

// TestUncachedLookupIsOneQuery proves the database-bound path costs one
// statement per lookup, whatever the article's size: no N+1.
func TestUncachedLookupIsOneQuery(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig()
	cfg.CacheBytes = 0
	e, counter := countingEnv(t, testdb.URL(t), cfg)

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

// TestConcurrentMissesShareOneQuery: requests missing the same answer at
// once (everyone asking about one code just after its case was edited)
// wait for one database query instead of sending one each.
func TestConcurrentMissesShareOneQuery(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	e, counter := countingEnv(t, url, api.DefaultConfig())

	// Hold the articles table so that the first request's query waits.
	ctx := context.Background()
	locker, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE articles IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	before := counter.n.Load()
	const clients = 8
	statuses := make(chan int, clients)
	for range clients {
		go func() {
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/errors/0x80070643", nil))
			statuses <- rec.Code
		}()
	}
	waitUntil(t, "a lookup waiting for the lock", 5*time.Second, func() bool {
		var n int
		err := locker.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		return err == nil && n > 0
	})
	time.Sleep(200 * time.Millisecond) // the others meet it (or, unshared, start their own)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for range clients {
		if status := <-statuses; status != http.StatusOK {
			t.Errorf("a concurrent lookup answered %d", status)
		}
	}
	if n := counter.n.Load() - before; n != 1 {
		t.Errorf("%d concurrent lookups of one code sent %d statements, want 1", clients, n)
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
