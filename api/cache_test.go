package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
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
	rec := e.getGzip("/errors/0x80070005")
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

// getGzip asks for target with Accept-Encoding: gzip, past the contract
// check of env.get, which reads bodies as JSON.
func (e *env) getGzip(target string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
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

// TestUnlinkedReplicaAnswersFromTheDatabase: while a replica's
// notification link is down it cannot hear another replica's writes, so it
// answers lookups from the database, without storing them, rather than
// from a cache that may have gone stale.
func TestUnlinkedReplicaAnswersFromTheDatabase(t *testing.T) {
	t.Parallel()
	st := testdb.Store(t)
	logs := slog.New(slog.NewTextHandler(io.Discard, nil))
	ea := &env{store: st, handler: api.NewServer(api.DefaultConfig(), st, logs)} // the writer
	b := api.NewServer(api.DefaultConfig(), st, logs)
	eb := &env{store: st, handler: b}
	auth := ea.auth(t)
	createCase(t, ea, auth)
	eb.get(t, "/errors/0x80070005")
	hits := metricValue(t, eb, "errdex_cache_hits_total")
	if eb.get(t, "/errors/0x80070005"); metricValue(t, eb, "errdex_cache_hits_total") != hits+1 {
		t.Fatal("replica b did not cache its answer while linked")
	}

	b.SetLinked(false)
	res, _ := ea.get(t, "/cases/access-denied/en")
	if r, body := ea.send(t, http.MethodPatch, "/cases/access-denied/en", "application/merge-patch+json", `{"title": "Unheard 0x80070005"}`,
		append([]string{"If-Match", res.Header.Get("ETag")}, auth...)...); r.StatusCode != 200 {
		t.Fatalf("patch on the writer: %d %s", r.StatusCode, body)
	}
	misses := metricValue(t, eb, "errdex_cache_misses_total")
	for range 2 {
		if _, body := eb.get(t, "/errors/0x80070005"); !strings.Contains(string(body), "Unheard 0x80070005") {
			t.Fatalf("the unlinked replica answered from its cache: %s", body)
		}
	}
	eb.get(t, "/errors/0x80070002") // asked only while unlinked
	if got := metricValue(t, eb, "errdex_cache_hits_total"); got != hits+1 {
		t.Errorf("hits while unlinked: %v, want none", got-hits-1)
	}
	if got := metricValue(t, eb, "errdex_cache_misses_total"); got != misses+3 {
		t.Errorf("misses while unlinked: %v, want 3", got-misses)
	}
	if got := metricValue(t, eb, "errdex_cache_invalidation_linked"); got != 0 {
		t.Errorf("errdex_cache_invalidation_linked = %v while unlinked", got)
	}

	b.SetLinked(true)
	misses = metricValue(t, eb, "errdex_cache_misses_total")
	if eb.get(t, "/errors/0x80070002"); metricValue(t, eb, "errdex_cache_misses_total") != misses+1 {
		t.Error("an answer worked out while unlinked was cached")
	}
}

// TestEditDropsOnlyTouchedAnswers: an edit drops the cached answers that
// depend on the edited case: those showing it, those showing a case it
// links to or that links to it (they show its title), those for the code
// it left and for the codes it joined, through an equivalent too. Each
// case below isolates one of these; every other answer stays cached, even
// one whose case links to the same case as the edited one.
func TestEditDropsOnlyTouchedAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	newCase := func(slug string, codes, related []string) {
		t.Helper()
		var c map[string]any
		if err := json.Unmarshal([]byte(caseJSON), &c); err != nil {
			t.Fatal(err)
		}
		c["slug"], c["title"], c["errorText"], c["codes"] = slug, "Case "+slug, "Error "+codes[0], codes
		items := []map[string]any{}
		for _, r := range related {
			items = append(items, map[string]any{"text": "See " + r, "codes": []string{r}})
		}
		c["related"] = items
		body, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if res, b := e.send(t, http.MethodPost, "/cases", "application/json", string(body), auth...); res.StatusCode != http.StatusCreated {
			t.Fatalf("create %s: %d %s", slug, res.StatusCode, b)
		}
	}
	newCase("linker", []string{"0x80004005"}, []string{"0x80070002"}) // links to target
	newCase("target", []string{"0x80070002"}, nil)
	newCase("multi", []string{"0x80070003", "0x80070004"}, nil)
	newCase("referrer", []string{"0x80070006"}, []string{"0x80070004"}) // links to multi's second code
	newCase("mover", []string{"0x80070008"}, nil)
	newCase("other", []string{"0x8007000d"}, nil)
	newCase("cousin", []string{"0x8007001f"}, []string{"0x80070002"}) // links to target, as linker does

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
	// fresh asserts that looking code up now is not answered from the
	// cache and that the answer contains want; kept, that it is.
	fresh := func(code, want string) {
		t.Helper()
		before := metricValue(t, e, "errdex_cache_hits_total")
		if body := lookup(code); !strings.Contains(body, want) {
			t.Errorf("/errors/%s does not show %q: %s", code, want, body)
		}
		if metricValue(t, e, "errdex_cache_hits_total") > before {
			t.Errorf("/errors/%s was answered from the cache", code)
		}
	}
	kept := func(code string) {
		t.Helper()
		before := metricValue(t, e, "errdex_cache_hits_total")
		if lookup(code); metricValue(t, e, "errdex_cache_hits_total") != before+1 {
			t.Errorf("/errors/%s was not answered from the cache", code)
		}
	}
	for _, code := range []string{"0x80004005", "0x80070002", "0x80070003", "0x80070006", "0x80070008", "0x8007000E", "1603", "0x8007000D", "0x8007001F"} {
		lookup(code)
		kept(code)
	}

	patch("target", `{"title": "Renamed target"}`)
	// Three answers depend on target: its own, linker's and cousin's.
	if got := metricValue(t, e, "errdex_cache_invalidated_total"); got != 3 {
		t.Errorf("errdex_cache_invalidated_total %v after the first edit, want 3", got)
	}
	fresh("0x80070002", "Renamed target")
	fresh("0x80004005", "Renamed target") // linker's link to it
	kept("0x80070003")

	patch("referrer", `{"title": "Renamed referrer"}`)
	fresh("0x80070003", "Renamed referrer") // multi, referred to through its other code
	kept("0x80004005")

	// Linking to the same case as another does not tie two answers.
	fresh("0x8007001F", "Renamed target") // cousin links to target too
	patch("linker", `{"title": "Renamed linker"}`)
	fresh("0x80070002", "Renamed linker") // target, linked to by it
	kept("0x8007001F")

	patch("target", `{"related": [{"text": "See 0x80070004", "codes": ["0x80070004"]}]}`)
	fresh("0x80070003", `"target"`) // multi, now referred to by target
	kept("0x80070008")

	patch("mover", `{"codes": ["0x8007000E"]}`)
	if body := lookup("0x80070008"); strings.Contains(body, `"mover"`) {
		t.Errorf("after the case moved away, /errors/0x80070008 still shows it: %s", body)
	}
	fresh("0x8007000E", `"mover"`)

	newCase("msi", []string{"0x80070643"}, nil)
	fresh("1603", `"msi"`) // its Win32 equivalent

	kept("0x8007000D")
}

// TestUncachedLookupGzipsWhenAsked: with the cache off, a client taking
// gzip gets the answer compressed, and one not taking it the same answer
// plain.
func TestUncachedLookupGzipsWhenAsked(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig()
	cfg.CacheBytes = 0
	e := newEnvWith(t, cfg, &bytes.Buffer{})
	createCase(t, e, e.auth(t))

	res, plain := e.get(t, "/errors/0x80070005")
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" {
		t.Fatalf("plain GET: %d, Content-Encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	rec := e.getGzip("/errors/0x80070005")
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() >= len(plain) {
		t.Fatalf("gzip GET: Content-Encoding %q, %d bytes for %d", rec.Header().Get("Content-Encoding"), rec.Body.Len(), len(plain))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unzipped, plain) {
		t.Errorf("the gzipped answer is not the plain one:\n%s\n%s", unzipped, plain)
	}
}

// TestCacheAgreesWithTheDatabase edits cases at random, moving their
// codes and their links among a few codes, and after every edit compares
// each code's answer from a caching server, which had them all cached,
// with a server without a cache on the same database: any dependency the
// invalidation misses shows as a stale answer.
func TestCacheAgreesWithTheDatabase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := api.DefaultConfig()
	cfg.CacheBytes = 0
	fresh := &env{store: e.store, handler: api.NewServer(cfg, e.store, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	auth := e.auth(t)
	codes := []string{"0x80070002", "0x80070003", "0x80070005", "0x8007000e", "0x80070057", "0x80070643", "0x80004005"}
	rnd := rand.New(rand.NewPCG(10, 10))
	some := func(lo, hi int) []string {
		picked := []string{}
		for _, i := range rnd.Perm(len(codes))[:lo+rnd.IntN(hi-lo+1)] {
			picked = append(picked, codes[i])
		}
		return picked
	}
	related := func() []map[string]any {
		items := []map[string]any{}
		for _, c := range some(0, 2) {
			items = append(items, map[string]any{"text": "See " + c, "codes": []string{c}})
		}
		return items
	}
	send := func(method, target, etag string, doc map[string]any) {
		t.Helper()
		body, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		header := auth
		if etag != "" {
			header = append([]string{"If-Match", etag}, auth...)
		}
		ct := "application/json"
		if method == http.MethodPatch {
			ct = "application/merge-patch+json"
		}
		if res, b := e.send(t, method, target, ct, string(body), header...); res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, target, res.StatusCode, b)
		}
	}
	slugs := []string{"c0", "c1", "c2", "c3", "c4"}
	for _, slug := range slugs {
		var c map[string]any
		if err := json.Unmarshal([]byte(caseJSON), &c); err != nil {
			t.Fatal(err)
		}
		c["slug"], c["title"], c["codes"], c["related"] = slug, "Case "+slug, some(1, 2), related()
		send(http.MethodPost, "/cases", "", c)
	}
	for step := range 40 {
		for _, code := range codes { // everything cached
			e.get(t, "/errors/"+code)
		}
		slug := slugs[rnd.IntN(len(slugs))]
		res, _ := e.get(t, "/cases/"+slug+"/en")
		var doc map[string]any
		switch rnd.IntN(3) {
		case 0:
			doc = map[string]any{"title": fmt.Sprintf("Case %s, edit %d", slug, step)}
		case 1:
			doc = map[string]any{"codes": some(1, 2)}
		default:
			doc = map[string]any{"related": related()}
		}
		send(http.MethodPatch, "/cases/"+slug+"/en", res.Header.Get("ETag"), doc)
		for _, code := range codes {
			_, cached := e.get(t, "/errors/"+code)
			_, want := fresh.get(t, "/errors/"+code)
			if !bytes.Equal(cached, want) {
				t.Fatalf("step %d, after %s got %v: /errors/%s from the cache differs from the database:\n%s\nwant\n%s", step, slug, doc, code, cached, want)
			}
		}
	}
}
