package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

func TestLookupCachingHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	createCase(t, e, auth)

	res, body := e.get(t, "/errors/0x80070005")
	tag := res.Header.Get("ETag")
	if res.StatusCode != 200 || tag == "" || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=") ||
		res.Header.Get("Last-Modified") == "" || !strings.Contains(res.Header.Get("Vary"), "Accept-Language") {
		t.Fatalf("first GET: %d headers %v", res.StatusCode, res.Header)
	}
	if res, again := e.get(t, "/errors/0x80070005"); res.Header.Get("ETag") != tag || string(again) != string(body) {
		t.Errorf("second GET (cached) differs: ETag %q vs %q", res.Header.Get("ETag"), tag)
	}
	if res, b := e.get(t, "/errors/0x80070005", "If-None-Match", tag); res.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("If-None-Match: %d with %d bytes, want 304 and no body", res.StatusCode, len(b))
	}
	if res, _ := e.get(t, "/errors/0x80070005", "If-None-Match", `W/`+tag); res.StatusCode != http.StatusNotModified {
		t.Errorf("weak If-None-Match: %d, want 304", res.StatusCode)
	}
	req := httptest.NewRequest(http.MethodGet, "/errors/0x80070005", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() >= len(body) {
		t.Errorf("gzip: Content-Encoding %q, %d bytes for %d", rec.Header().Get("Content-Encoding"), rec.Body.Len(), len(body))
	}

	// An edit changes the answer and its ETag at once.
	res, _ = e.get(t, "/cases/access-denied/en")
	if r, b := e.send(t, http.MethodPatch, "/cases/access-denied/en", "application/merge-patch+json", `{"title": "Renamed 0x80070005"}`,
		append([]string{"If-Match", res.Header.Get("ETag")}, auth...)...); r.StatusCode != 200 {
		t.Fatalf("patch: %d %s", r.StatusCode, b)
	}
	res, body = e.get(t, "/errors/0x80070005", "If-None-Match", tag)
	if res.StatusCode != 200 || res.Header.Get("ETag") == tag || !strings.Contains(string(body), "Renamed 0x80070005") {
		t.Errorf("after edit: %d ETag %q (was %q) body has new title: %v", res.StatusCode, res.Header.Get("ETag"), tag, strings.Contains(string(body), "Renamed"))
	}
}

// TestEditReachesAnotherReplica runs two errdex servers on one database:
// an edit through the first is visible on the second within a second,
// though the second had the old answer cached.
func TestEditReachesAnotherReplica(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	replica := func() *api.Server {
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		srv := api.NewServer(api.DefaultConfig(), st, slog.New(slog.NewTextHandler(io.Discard, nil)))
		done := make(chan struct{})
		go func() { srv.Background(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		return srv
	}
	a, b := replica(), replica()
	ea := &env{store: nil, handler: a}
	eb := &env{handler: b}
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	ea.store = st
	auth := ea.auth(t)
	createCase(t, ea, auth)

	if _, body := eb.get(t, "/errors/0x80070005"); !strings.Contains(string(body), "Access denied 0x80070005") {
		t.Fatalf("replica b does not see the case: %s", body)
	}
	res, _ := ea.get(t, "/cases/access-denied/en")
	if r, body := ea.send(t, http.MethodPatch, "/cases/access-denied/en", "application/merge-patch+json", `{"title": "Replicated 0x80070005"}`,
		append([]string{"If-Match", res.Header.Get("ETag")}, auth...)...); r.StatusCode != 200 {
		t.Fatalf("patch on a: %d %s", r.StatusCode, body)
	}
	start := time.Now()
	for {
		_, body := eb.get(t, "/errors/0x80070005")
		if strings.Contains(string(body), "Replicated 0x80070005") {
			t.Logf("replica b saw the edit after %v", time.Since(start))
			return
		}
		if time.Since(start) > time.Second {
			t.Fatalf("replica b still serves the old answer after 1s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEveryReadRevalidates: reads without a validator of their own (a
// case in all languages, the HTML page) get an ETag and answer 304.
func TestEveryReadRevalidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	createCase(t, e, e.auth(t))
	for _, tc := range []struct{ target, accept string }{
		{"/cases/access-denied", ""},
		{"/errors/0x80070005", "text/html"},
		{"/embed/errors/0x80070005", ""},
	} {
		res, body := e.get(t, tc.target, "Accept", tc.accept)
		tag := res.Header.Get("ETag")
		if res.StatusCode != 200 || tag == "" || res.Header.Get("Cache-Control") == "" || len(body) == 0 {
			t.Errorf("GET %s: %d ETag %q Cache-Control %q", tc.target, res.StatusCode, tag, res.Header.Get("Cache-Control"))
			continue
		}
		if res, b := e.get(t, tc.target, "Accept", tc.accept, "If-None-Match", tag); res.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("GET %s with its ETag: %d, %d bytes; want 304", tc.target, res.StatusCode, len(b))
		}
	}
}
