package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

// pgProxy is a TCP proxy between errdex and PostgreSQL that a test can cut
// (listener and every connection closed: the database is gone), stall
// (connections accepted, nothing answered: the database hangs) and restore
// on the same address.
type pgProxy struct {
	target, addr string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	p.ln = ln
	go p.serve(ln, false)
	t.Cleanup(p.cut)
	return p
}

func (p *pgProxy) serve(ln net.Listener, stall bool) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) || stall {
			continue // held open, never answered (or already cut)
		}
		go p.pipe(c)
	}
}

func (p *pgProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil || !p.track(up) {
		c.Close()
		return
	}
	go func() { io.Copy(up, c); up.Close() }() //nolint:errcheck
	io.Copy(c, up)                             //nolint:errcheck
	c.Close()
}

// track registers c to be closed by cut; false if the proxy is down.
func (p *pgProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

// cut closes the listener and every connection: new dials are refused and
// open ones see EOF.
func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// restore listens again on the same address, forwarding or (stall) only
// accepting.
func (p *pgProxy) restore(t *testing.T, stall bool) {
	var ln net.Listener
	var err error
	for range 50 { // the port may linger a moment after close
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("restore proxy on %s: %v", p.addr, err)
		return
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln, stall)
}

// syncBuffer is a log sink the test may read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// outcome is one request of the load and how it ended.
type outcome struct {
	start   time.Time
	took    time.Duration
	status  int
	problem string // the problem's type, for errors
	slug    string // POST /cases only
	reqID   string
	err     error // transport error: the server never answered
}

// TestDatabaseFaults cuts PostgreSQL away from errdex in the middle of a
// load of lookups and creates, then makes it hang, then brings it back:
// no request outlives its deadline, every failure is a 503 problem,
// readyz follows the database, lookups recover within seconds by
// themselves, and no create is lost or applied twice.
func TestDatabaseFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test runs for about 10 s")
	}
	t.Parallel()
	dbURL := testdb.URL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.addr
	st, err := store.Open(context.Background(), viaProxy.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)

	const deadline = 2 * time.Second
	cfg := api.DefaultConfig()
	cfg.RequestTimeout = deadline
	cfg.RateLimit = 0
	logs := &syncBuffer{}
	e := &env{store: st, handler: api.NewServer(cfg, st, slog.New(slog.NewJSONHandler(logs, nil)))}
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	auth := "Bearer " + e.token(t, store.RoleEditor)
	srv := httptest.NewServer(e.handler)
	t.Cleanup(srv.Close)
	client := &http.Client{Timeout: 4 * deadline} // a hang shows up as a transport error

	var mu sync.Mutex
	var results []outcome
	send := func(method, path, body, slug string) outcome {
		o := outcome{start: time.Now(), slug: slug, reqID: fmt.Sprintf("fault-%d", time.Now().UnixNano())}
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("X-Request-Id", o.reqID)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth)
		}
		res, err := client.Do(req)
		o.took = time.Since(o.start)
		if err != nil {
			o.err = err
		} else {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			o.status = res.StatusCode
			checkContract(t, req, res, b)
			var p struct{ Type string }
			if res.StatusCode >= 400 {
				json.Unmarshal(b, &p) //nolint:errcheck
				o.problem = res.Header.Get("Content-Type") + " " + p.Type
			}
		}
		mu.Lock()
		results = append(results, o)
		mu.Unlock()
		return o
	}

	// The server's background work (its cache's change listener among
	// it) lives through the outage too.
	bgCtx, stopBackground := context.WithCancel(context.Background())
	bgDone := make(chan struct{})
	go func() { e.handler.(*api.Server).Background(bgCtx); close(bgDone) }()
	t.Cleanup(func() { stopBackground(); <-bgDone })

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				// Reader 0 asks for one code (the cache may answer it); the
				// others for a new code each time, which only the database can.
				code := "0x80070643"
				if r > 0 {
					code = fmt.Sprintf("0x8%d07%04X", r, i%0x10000)
				}
				send(http.MethodGet, "/errors/"+code, "", "")
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				slug := fmt.Sprintf("fault-%d-%d", w, i)
				send(http.MethodPost, "/cases", fmt.Sprintf(`{"slug":%q,"lang":"en","title":"Fault 0x80070005","errorText":"0x80070005"}`, slug), slug)
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	readyz := func() int {
		res, err := client.Get(srv.URL + "/readyz")
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}

	time.Sleep(time.Second)
	proxy.cut()
	cutAt := time.Now()
	time.Sleep(500 * time.Millisecond)
	if got := readyz(); got != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database gone = %d, want 503", got)
	}
	time.Sleep(time.Second)
	proxy.restore(t, true) // PostgreSQL hangs: connections accepted, never answered
	time.Sleep(2 * time.Second)
	proxy.cut()
	proxy.restore(t, false)
	backAt := time.Now()

	// Lookups must recover by themselves within a few seconds.
	recovered := time.Duration(-1)
	for time.Since(backAt) < 10*time.Second {
		if o := send(http.MethodGet, "/errors/0x80070643", "", ""); o.status == http.StatusOK {
			recovered = time.Since(backAt)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // some load on the healed database
	stop()
	wg.Wait()
	if recovered < 0 || recovered > 5*time.Second {
		t.Errorf("lookups recovered %v after the database came back, want within 5s", recovered)
	}
	if got := readyz(); got != http.StatusOK {
		t.Errorf("readyz after recovery = %d, want 200", got)
	}
	// A write after recovery shows in lookups: nothing cached before the
	// outage hides it.
	if o := send(http.MethodPost, "/cases", `{"slug":"fault-after","lang":"en","title":"After 0x80070570","errorText":"0x80070570"}`, "fault-after"); o.status != http.StatusCreated {
		t.Errorf("create after recovery = %d %s, want 201", o.status, o.problem)
	}
	if res, err := client.Get(srv.URL + "/errors/0x80070570"); err != nil {
		t.Error(err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), `"slug":"fault-after"`) {
			t.Errorf("lookup after a write after recovery: %d %s, want the new article", res.StatusCode, b)
		}
	}

	// Every answer is a success or a 503 problem, and none outlived the
	// deadline (plus slack for a loaded test machine).
	var ok, failed, before, during, after int
	var slowest time.Duration
	for _, o := range results {
		slowest = max(slowest, o.took)
		switch {
		case o.err != nil:
			t.Errorf("request %s after %v: %v (a hang past the deadline)", o.reqID, o.took, o.err)
		case o.status == http.StatusOK || o.status == http.StatusCreated:
			ok++
		case o.status == http.StatusServiceUnavailable && o.problem == "application/problem+json urn:errdex:problem:unavailable":
			failed++
		default:
			t.Errorf("request %s: %d %q, want 2xx or a 503 problem", o.reqID, o.status, o.problem)
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, o.reqID) {
					t.Log(l)
				}
			}
		}
		if o.took > deadline+1500*time.Millisecond {
			t.Errorf("request %s took %v, past the %v deadline", o.reqID, o.took, deadline)
		}
		switch {
		case o.start.Before(cutAt):
			before++
		case o.start.Before(backAt):
			during++
		default:
			after++
		}
	}
	t.Logf("%d requests (%d before the cut, %d during, %d after): %d succeeded, %d failed with 503; slowest %v; lookups recovered in %v",
		len(results), before, during, after, ok, failed, slowest.Round(time.Millisecond), recovered.Round(time.Millisecond))
	if failed == 0 || before == 0 || after == 0 {
		t.Fatalf("the load did not straddle the outage: %d failures, %d requests before, %d after", failed, before, after)
	}

	checkCreates(t, dbURL, results, logs.String(), func(slug string) int {
		return send(http.MethodPost, "/cases", fmt.Sprintf(`{"slug":%q,"lang":"en","title":"Fault 0x80070005","errorText":"0x80070005"}`, slug), slug).status
	})
}

// checkCreates holds the creates of the load to the database, read directly
// (not through the proxy): every 201 is there exactly once with one
// revision; every failure is absent, unless it failed while committing
// (its outcome unknown to the server too, as the log says), in which case
// sending it again must say 409, never create a second copy.
func checkCreates(t *testing.T, dbURL string, results []outcome, logs string, resend func(slug string) int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(slug string) (articles, revisions int) {
		err := conn.QueryRow(ctx, `
			SELECT count(DISTINCT a.id), count(r.*)
			FROM articles a LEFT JOIN revisions r ON r.article_id = a.id
			WHERE a.slug = $1`, slug).Scan(&articles, &revisions)
		if err != nil {
			t.Fatal(err)
		}
		return articles, revisions
	}
	atCommit := map[string]bool{}
	for _, line := range strings.Split(logs, "\n") {
		var l struct {
			Msg, Err  string
			RequestID string `json:"request_id"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "request failed" && strings.Contains(l.Err, "commit") {
			atCommit[l.RequestID] = true
		}
	}
	var created, absent, unknown int
	for _, o := range results {
		if o.slug == "" {
			continue
		}
		arts, revs := count(o.slug)
		switch {
		case o.status == http.StatusCreated:
			created++
			if arts != 1 || revs != 1 {
				t.Errorf("create %s answered 201 but the database holds %d articles, %d revisions; want 1, 1", o.slug, arts, revs)
			}
		case atCommit[o.reqID]:
			unknown++
			want := http.StatusCreated
			if arts == 1 {
				want = http.StatusConflict
			}
			if got := resend(o.slug); got != want {
				t.Errorf("create %s failed while committing (present: %d); sent again = %d, want %d", o.slug, arts, got, want)
			}
		default:
			absent++
			if arts != 0 {
				t.Errorf("create %s answered %d but the database holds it", o.slug, o.status)
			}
		}
	}
	var total int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM articles WHERE slug LIKE 'fault-%'`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	t.Logf("creates: %d answered 201, %d failed and are absent, %d failed while committing; %d rows", created, absent, unknown, total)
	if created == 0 || absent == 0 {
		t.Errorf("the creates did not straddle the outage: %d created, %d failed", created, absent)
	}
	if total != created+unknown {
		t.Errorf("%d fault-* articles in the database, want %d (created) + %d (resent)", total, created, unknown)
	}
}
