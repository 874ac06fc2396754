package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
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
	waitMetric(t, eb, "errdex_cache_invalidation_linked", 1)
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
	eb.get(t, "/errors/0x80004005") // an answer the edit below leaves as it is
	res, _ := ea.get(t, "/cases/access-denied/en")
	if r, body := ea.send(t, http.MethodPatch, "/cases/access-denied/en", "application/merge-patch+json", `{"title": "Replicated 0x80070005"}`,
		append([]string{"If-Match", res.Header.Get("ETag")}, auth...)...); r.StatusCode != 200 {
		t.Fatalf("patch on a: %d %s", r.StatusCode, body)
	}
	start := time.Now()
	waitUntil(t, "replica b serving the edit", time.Second, func() bool {
		_, body := eb.get(t, "/errors/0x80070005")
		return strings.Contains(string(body), "Replicated 0x80070005")
	})
	t.Logf("replica b saw the edit after %v", time.Since(start))
	// The notification named what the edit touched: b kept the rest.
	hits := metricValue(t, eb, "errdex_cache_hits_total")
	eb.get(t, "/errors/0x80004005")
	if metricValue(t, eb, "errdex_cache_hits_total") != hits+1 {
		t.Errorf("replica b dropped an answer the edit did not touch")
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

// metricValue reads one unlabelled metric from e's /metrics (-1: absent).
func metricValue(t *testing.T, e *env, name string) float64 {
	t.Helper()
	_, body := e.get(t, "/metrics")
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	return -1
}

// waitUntil polls cond until it holds, failing the test if it does not
// within the given time.
func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
	}
}

// waitMetric waits up to 5 s for e's metric name to read want.
func waitMetric(t *testing.T, e *env, name string, want float64) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%s reading %v", name, want), 5*time.Second, func() bool {
		return metricValue(t, e, name) == want
	})
}

// TestCacheRelinksAfterLostNotifications cuts a replica's notification
// link: it reports the link down, reconnects, drops what it cached (writes
// made meanwhile went unseen) and sees other replicas' writes again.
func TestCacheRelinksAfterLostNotifications(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	logs := slog.New(slog.NewTextHandler(io.Discard, nil))
	ea := &env{store: st, handler: api.NewServer(api.DefaultConfig(), st, logs)} // the writer
	eb := &env{store: st, handler: api.NewServer(api.DefaultConfig(), st, logs)}
	done := make(chan struct{})
	go func() { eb.handler.(*api.Server).Background(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitMetric(t, eb, "errdex_cache_invalidation_linked", 1)

	auth := ea.auth(t)
	createCase(t, ea, auth)
	// The create's notification drops b's answer for its code when it
	// comes: until then, what b caches for it may go.
	waitUntil(t, "replica b answering a lookup from its cache", 5*time.Second, func() bool {
		hits := metricValue(t, eb, "errdex_cache_hits_total")
		eb.get(t, "/errors/0x80070005")
		return metricValue(t, eb, "errdex_cache_hits_total") == hits+1
	})

	var cut int
	if err := st.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN errdex_articles'`).Scan(&cut); err != nil || cut != 1 {
		t.Fatalf("terminating the listening connection: %d cut, %v", cut, err)
	}
	waitMetric(t, eb, "errdex_cache_invalidation_linked", 0)
	waitMetric(t, eb, "errdex_cache_invalidation_linked", 1)
	misses := metricValue(t, eb, "errdex_cache_misses_total")
	if eb.get(t, "/errors/0x80070005"); metricValue(t, eb, "errdex_cache_misses_total") != misses+1 {
		t.Error("the cache kept its answers across the lost link")
	}

	res, _ := ea.get(t, "/cases/access-denied/en")
	if r, body := ea.send(t, http.MethodPatch, "/cases/access-denied/en", "application/merge-patch+json", `{"title": "Relinked 0x80070005"}`,
		append([]string{"If-Match", res.Header.Get("ETag")}, auth...)...); r.StatusCode != 200 {
		t.Fatalf("patch on the writer: %d %s", r.StatusCode, body)
	}
	waitUntil(t, "the relinked replica serving the edit", time.Second, func() bool {
		_, body := eb.get(t, "/errors/0x80070005")
		return strings.Contains(string(body), "Relinked 0x80070005")
	})
}

// TestEditDropsOnlyTouchedAnswers: an edit drops the cached answers that
// embed the edited case, directly, through an equivalent code or through
// a related-case link either way, and those for codes it left; every
// other answer stays cached.
func TestEditDropsOnlyTouchedAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	createCase(t, e, auth) // 0x80070005; its related item mentions 0x80070643
	for _, c := range []struct{ slug, code, related string }{
		{"install-failed", "0x80070643", "0x8007000E"},
		{"unspecified", "0x80004005", "0x80070002"},
	} {
		body := strings.NewReplacer(`"access-denied"`, `"`+c.slug+`"`, "0x80070005", c.code, "0x80070643", c.related).Replace(caseJSON)
		if res, b := e.send(t, http.MethodPost, "/cases", "application/json", body, auth...); res.StatusCode != http.StatusCreated {
			t.Fatalf("create %s: %d %s", c.slug, res.StatusCode, b)
		}
	}
	lookup := func(code string) string {
		t.Helper()
		res, body := e.get(t, "/errors/"+code)
		if res.StatusCode != 200 {
			t.Fatalf("GET /errors/%s: %d %s", code, res.StatusCode, body)
		}
		return string(body)
	}
	patch := func(slug, doc string) {
		t.Helper()
		res, _ := e.get(t, "/cases/"+slug+"/en")
		if r, b := e.send(t, http.MethodPatch, "/cases/"+slug+"/en", "application/merge-patch+json", doc,
			append([]string{"If-Match", res.Header.Get("ETag")}, auth...)...); r.StatusCode != 200 {
			t.Fatalf("patch %s: %d %s", slug, r.StatusCode, b)
		}
	}
	// hit asserts whether looking code up now is answered from the cache,
	// and returns the answer.
	hit := func(code string, want bool) string {
		t.Helper()
		before := metricValue(t, e, "errdex_cache_hits_total")
		body := lookup(code)
		if got := metricValue(t, e, "errdex_cache_hits_total") > before; got != want {
			t.Errorf("GET /errors/%s answered from the cache: %v, want %v", code, got, want)
		}
		return body
	}
	codes := []string{"0x80070005", "0x80070643", "1603", "0x80004005", "0x8007000E"}
	for _, code := range codes {
		lookup(code)
		hit(code, true)
	}

	// The title of the case behind 0x80070005 shows in its own answer and,
	// as the case linking to it, in those of 0x80070643 and of 1603, its
	// Win32 equivalent.
	patch("access-denied", `{"title": "Renamed access denied 0x80070005"}`)
	for _, code := range codes[:3] {
		if body := hit(code, false); !strings.Contains(body, "Renamed access denied") {
			t.Errorf("after the edit, /errors/%s does not show the new title: %s", code, body)
		}
	}
	hit("0x80004005", true)

	// The case it links to, renamed, shows in its answer too.
	patch("install-failed", `{"title": "Renamed install failed 0x80070643"}`)
	if body := hit("0x80070005", false); !strings.Contains(body, "Renamed install failed") {
		t.Errorf("after the linked case's edit, /errors/0x80070005 does not show its new title: %s", body)
	}
	hit("0x80004005", true)

	// A case moved to another code leaves the answer of its old code and
	// joins that of its new one.
	patch("access-denied", `{"codes": ["0x8007000E"]}`)
	if body := hit("0x80070005", false); strings.Contains(body, `"access-denied"`) {
		t.Errorf("after the case moved to 0x8007000E, /errors/0x80070005 still shows it: %s", body)
	}
	if body := hit("0x8007000E", false); !strings.Contains(body, `"access-denied"`) {
		t.Errorf("after the case moved to 0x8007000E, /errors/0x8007000E does not show it: %s", body)
	}
	hit("0x80004005", true)
}
