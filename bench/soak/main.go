// Command soak is what `make soak` runs (not in CI): it starts `errdex
// serve` on a scratch database, sends it a steady open-loop load of
// lookups, message resolutions, case reads and some editor writes for a
// while (5 minutes by default), samples the server's resident memory
// every 10 s from /proc, and reports status counts, latencies and the RSS
// curve. It fails on any 5xx or transport error, and when RSS in the last
// sample is more than half again what it was after warm-up.
//
// Everything listens on 127.0.0.1; the server is stopped and the scratch
// database dropped at the end.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/articles"
	"github.com/errdex/errdex/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	bin      string
	server   string // PostgreSQL server URL; the scratch database goes on it
	duration time.Duration
	rate     int
	workers  int
	sample   time.Duration
	keepLogs bool
}

func run(ctx context.Context, args []string) error {
	var cfg config
	fl := flag.NewFlagSet("soak", flag.ContinueOnError)
	fl.StringVar(&cfg.bin, "bin", "bin/errdex", "errdex binary to run")
	fl.StringVar(&cfg.server, "database", envOr("DATABASE_URL", store.DefaultURL), "PostgreSQL URL; the database errdex_soak is made on its server (DATABASE_URL)")
	fl.DurationVar(&cfg.duration, "duration", 5*time.Minute, "how long to load")
	fl.IntVar(&cfg.rate, "rate", 150, "requests per second, sent at a steady pace whatever the answers' speed")
	fl.IntVar(&cfg.workers, "workers", 32, "concurrent requests at most")
	fl.DurationVar(&cfg.sample, "sample", 10*time.Second, "RSS sampling interval")
	fl.BoolVar(&cfg.keepLogs, "keep-logs", false, "keep the server's log file")
	if err := fl.Parse(args); err != nil {
		return err
	}

	dsn, err := scratchDatabase(ctx, cfg.server)
	if err != nil {
		return err
	}
	defer dropDatabase(cfg.server) //nolint:errcheck

	srv, err := startServer(ctx, cfg.bin, dsn, cfg.keepLogs)
	if err != nil {
		return err
	}
	defer srv.stop()

	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	secret, _, err := st.CreateToken(ctx, "soak", store.RoleEditor)
	st.Close()
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}

	l := newLoad(srv.base, secret)
	if err := l.prepare(ctx); err != nil {
		return err
	}
	fmt.Printf("soak: errdex pid %d at %s; %d req/s for %v (%d known codes, %d editor articles)\n",
		srv.cmd.Process.Pid, srv.base, cfg.rate, cfg.duration, len(l.known), len(l.editable))

	rep := l.run(ctx, cfg, srv.cmd.Process.Pid)
	if err := srv.stop(); err != nil {
		rep.problems = append(rep.problems, fmt.Sprintf("errdex did not stop cleanly: %v", err))
	}
	rep.print(os.Stdout)
	if len(rep.problems) > 0 {
		return errors.New(strings.Join(rep.problems, "; "))
	}
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

const scratchName = "errdex_soak"

func withDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// scratchDatabase drops what a previous run left and returns the URL of a
// database errdex serve will create, migrate and seed.
func scratchDatabase(ctx context.Context, server string) (string, error) {
	if err := dropDatabase(server); err != nil {
		return "", err
	}
	return withDatabase(server, scratchName)
}

func dropDatabase(server string) error {
	admin, err := withDatabase(server, "postgres")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", admin, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+scratchName+` WITH (FORCE)`)
	return err
}

// server is the errdex under test.
type server struct {
	cmd     *exec.Cmd
	base    string
	logPath string
	keepLog bool
	once    sync.Once
	err     error
}

func startServer(ctx context.Context, bin, dsn string, keepLog bool) (*server, error) {
	logFile, err := os.CreateTemp("", "errdex-soak-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "ERRDEX_ADDR=127.0.0.1:0", "ERRDEX_RATE_LIMIT=0",
		"ERRDEX_LOG_FORMAT=json", "ERRDEX_LOG_LEVEL=warn")
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &server{cmd: cmd, logPath: logFile.Name(), keepLog: keepLog}
	lines := bufio.NewReader(stdout)
	line, err := lines.ReadString('\n')
	if err != nil {
		s.stop() //nolint:errcheck
		return nil, fmt.Errorf("errdex serve printed no address (log: %s): %w", s.logPath, err)
	}
	go io.Copy(io.Discard, lines) //nolint:errcheck
	s.base = strings.TrimSpace(strings.TrimPrefix(line, "errdex listening on "))
	for deadline := time.Now().Add(30 * time.Second); ; {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop() //nolint:errcheck
			return nil, fmt.Errorf("errdex never became ready (log: %s)", s.logPath)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for errdex to exit (once).
func (s *server) stop() error {
	s.once.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		select {
		case s.err = <-done:
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill() //nolint:errcheck
			s.err = errors.New("killed after 30 s")
		}
		if s.keepLog {
			fmt.Println("soak: errdex log:", s.logPath)
		} else {
			os.Remove(s.logPath)
		}
	})
	return s.err
}

// load is the traffic: what it asks for and what came back.
type load struct {
	base, auth string
	client     *http.Client
	known      []string // codes with articles
	editable   []string // slugs the soak edits: soak-0 ... soak-4 (en)

	mu        sync.Mutex
	statuses  map[string]map[int]int // kind → status → count
	latencies []time.Duration
	errors    []string
	transport atomic.Int64
	dropped   atomic.Int64
	sent      atomic.Int64
	fiveXX    atomic.Int64
}

func newLoad(base, secret string) *load {
	return &load{
		base: base, auth: "Bearer " + secret,
		client:   &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		statuses: map[string]map[int]int{},
	}
}

var codeInName = regexp.MustCompile(`0x[0-9a-fA-F]{8}`)

// prepare lists the bundled articles' codes and creates the articles the
// editors will change.
func (l *load) prepare(ctx context.Context) error {
	err := fs.WalkDir(articles.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if m := codeInName.FindString(path.Base(p)); err == nil && m != "" && !slices.Contains(l.known, m) {
			l.known = append(l.known, m)
		}
		return err
	})
	if err != nil || len(l.known) == 0 {
		return fmt.Errorf("no bundled codes found: %v", err)
	}
	for i := range 5 {
		slug := fmt.Sprintf("soak-%d", i)
		body := fmt.Sprintf(`{"slug":%q,"lang":"en","title":"Soak article %d 0x8007%04X","errorText":"0x8007%04X"}`, slug, i, 0x1000+i, 0x1000+i)
		status, _, _ := l.do(ctx, "setup", http.MethodPost, "/cases", "application/json", body, "")
		if status != http.StatusCreated {
			return fmt.Errorf("create %s: status %d", slug, status)
		}
		l.editable = append(l.editable, slug)
	}
	return nil
}

// do sends one request and records its outcome under kind.
func (l *load) do(ctx context.Context, kind, method, target, contentType, body, ifMatch string) (int, http.Header, []byte) {
	req, err := http.NewRequestWithContext(ctx, method, l.base+target, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method == http.MethodPatch || target == "/cases" { // editors; readers send no token
		req.Header.Set("Authorization", l.auth)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	start := time.Now()
	res, err := l.client.Do(req)
	took := time.Since(start)
	if err != nil {
		if ctx.Err() == nil {
			l.transport.Add(1)
			l.mu.Lock()
			if len(l.errors) < 10 {
				l.errors = append(l.errors, fmt.Sprintf("%s %s: %v", method, target, err))
			}
			l.mu.Unlock()
		}
		return 0, nil, nil
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode >= 500 {
		l.fiveXX.Add(1)
	}
	l.mu.Lock()
	if l.statuses[kind] == nil {
		l.statuses[kind] = map[int]int{}
	}
	l.statuses[kind][res.StatusCode]++
	l.latencies = append(l.latencies, took)
	if res.StatusCode >= 500 && len(l.errors) < 10 {
		l.errors = append(l.errors, fmt.Sprintf("%s %s: %d %.300s", method, target, res.StatusCode, b))
	}
	l.mu.Unlock()
	return res.StatusCode, res.Header, b
}

// one sends one request of the mix: mostly lookups, as chatbots and
// portals send them, some message resolutions and case reads, and about
// one in fifty an editor's change (read for the ETag, then PATCH).
func (l *load) one(ctx context.Context, rnd *rand.Rand) {
	n := rnd.IntN(100)
	switch {
	case n < 55:
		view := ""
		if rnd.IntN(3) == 0 {
			view = "?view=brief"
		}
		l.do(ctx, "lookup", http.MethodGet, "/errors/"+l.known[rnd.IntN(len(l.known))]+view, "", "", "")
	case n < 80:
		// Codes with no article, from a bounded set: unresolved lookups.
		l.do(ctx, "lookup-miss", http.MethodGet, fmt.Sprintf("/errors/0x8007%04X", 0x2000+rnd.IntN(500)), "", "", "")
	case n < 90:
		text := fmt.Sprintf(`{"text":"Windows Update で %s が出て、その後 %s でも失敗します"}`, l.known[rnd.IntN(len(l.known))], l.known[rnd.IntN(len(l.known))])
		l.do(ctx, "resolve", http.MethodPost, "/resolve", "application/json", text, "")
	case n < 98:
		l.do(ctx, "case", http.MethodGet, "/cases/"+l.editable[rnd.IntN(len(l.editable))]+"/en", "", "", "")
	default:
		slug := l.editable[rnd.IntN(len(l.editable))]
		status, h, _ := l.do(ctx, "edit-read", http.MethodGet, "/cases/"+slug+"/en", "", "", "")
		if status != http.StatusOK {
			return
		}
		patch := fmt.Sprintf(`{"title":"Soak article edited %d 0x8007%04X"}`, rnd.IntN(1e6), 0x1000+slices.Index(l.editable, slug))
		l.do(ctx, "edit", http.MethodPatch, "/cases/"+slug+"/en", "application/merge-patch+json", patch, h.Get("ETag"))
	}
}

// rssSample is one reading of the server.
type rssSample struct {
	at         time.Duration
	rssKiB     int64
	goroutines string
	sent       int64
}

// report is what a run measured.
type report struct {
	cfg       config
	elapsed   time.Duration
	sent      int64
	dropped   int64
	transport int64
	fiveXX    int64
	statuses  map[string]map[int]int
	lat       []time.Duration
	samples   []rssSample
	errors    []string
	problems  []string
}

// run paces requests at cfg.rate for cfg.duration over cfg.workers
// workers; a tick finding every worker busy is counted as dropped, not
// queued, so a slow server cannot hide behind a growing backlog.
func (l *load) run(ctx context.Context, cfg config, pid int) *report {
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	work := make(chan struct{})
	var wg sync.WaitGroup
	for w := range cfg.workers {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for range work {
				l.one(ctx, rnd)
			}
		})
	}
	start := time.Now()
	rep := &report{cfg: cfg}
	sample := func() {
		s := rssSample{at: time.Since(start).Round(time.Second), rssKiB: vmRSS(pid), sent: l.sent.Load()}
		s.goroutines = l.metric("go_goroutines")
		rep.samples = append(rep.samples, s)
		fmt.Printf("soak: t=%-5v rss=%6.1f MiB goroutines=%-4s requests=%-7d 5xx=%d\n",
			s.at, float64(s.rssKiB)/1024, s.goroutines, s.sent, l.fiveXX.Load())
	}
	sample()
	// Pace by the clock, not by ticks: a late tick sends what fell due
	// since, so the rate holds on a busy machine.
	pace := time.NewTicker(10 * time.Millisecond)
	defer pace.Stop()
	var paced int64
	every := time.NewTicker(cfg.sample)
	defer every.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-every.C:
			sample()
		case <-pace.C:
			for due := int64(time.Since(start).Seconds() * float64(cfg.rate)); paced < due; paced++ {
				select {
				case work <- struct{}{}:
					l.sent.Add(1)
				default:
					l.dropped.Add(1)
				}
			}
		}
	}
	close(work)
	wg.Wait()
	sample()
	rep.elapsed = time.Since(start)
	l.mu.Lock()
	defer l.mu.Unlock()
	rep.sent, rep.dropped, rep.transport, rep.fiveXX = l.sent.Load(), l.dropped.Load(), l.transport.Load(), l.fiveXX.Load()
	rep.statuses, rep.lat, rep.errors = l.statuses, l.latencies, l.errors
	if rep.fiveXX > 0 {
		rep.problems = append(rep.problems, fmt.Sprintf("%d responses were 5xx", rep.fiveXX))
	}
	if rep.transport > 0 {
		rep.problems = append(rep.problems, fmt.Sprintf("%d requests got no answer", rep.transport))
	}
	if warm, last := rep.warmRSS(), rep.samples[len(rep.samples)-1].rssKiB; warm > 0 && last > warm*3/2 {
		rep.problems = append(rep.problems, fmt.Sprintf("RSS grew from %d KiB after warm-up to %d KiB", warm, last))
	}
	return rep
}

// metric reads one unlabelled value from /metrics ("?" on failure).
func (l *load) metric(name string) string {
	res, err := l.client.Get(l.base + "/metrics")
	if err != nil {
		return "?"
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return v
		}
	}
	return "?"
}

// vmRSS reads VmRSS (KiB) of pid from /proc; 0 if it cannot.
func vmRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// warmRSS is the RSS of the first sample a minute in (caches filled,
// pools grown), against which the end is judged.
func (r *report) warmRSS() int64 {
	for _, s := range r.samples {
		if s.at >= time.Minute || s.at >= r.cfg.duration/2 {
			return s.rssKiB
		}
	}
	return 0
}

func (r *report) print(w io.Writer) {
	slices.Sort(r.lat)
	pct := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(w, "\nsoak: %v, %d requests paced (%.1f/s), %d ticks dropped with every worker busy, %d with no answer, %d 5xx\n",
		r.elapsed.Round(time.Second), r.sent, float64(r.sent)/r.elapsed.Seconds(), r.dropped, r.transport, r.fiveXX)
	kinds := make([]string, 0, len(r.statuses))
	for k := range r.statuses {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		b, _ := json.Marshal(r.statuses[k])
		fmt.Fprintf(w, "soak:   %-12s %s\n", k, b)
	}
	if len(r.lat) > 0 {
		fmt.Fprintf(w, "soak: latency p50 %v  p95 %v  p99 %v  max %v\n", pct(.5), pct(.95), pct(.99), r.lat[len(r.lat)-1].Round(10*time.Microsecond))
	}
	var rss []string
	var peak int64
	for _, s := range r.samples {
		rss = append(rss, fmt.Sprintf("%.1f", float64(s.rssKiB)/1024))
		peak = max(peak, s.rssKiB)
	}
	first, last := r.samples[0].rssKiB, r.samples[len(r.samples)-1].rssKiB
	fmt.Fprintf(w, "soak: RSS MiB every %v: %s\n", r.cfg.sample, strings.Join(rss, " "))
	fmt.Fprintf(w, "soak: RSS start %.1f MiB, after warm-up %.1f MiB, end %.1f MiB, peak %.1f MiB\n",
		float64(first)/1024, float64(r.warmRSS())/1024, float64(last)/1024, float64(peak)/1024)
	for _, e := range r.errors {
		fmt.Fprintln(w, "soak: error:", e)
	}
	if len(r.problems) == 0 {
		fmt.Fprintln(w, "soak: PASS: no 5xx, every request answered, RSS flat")
	} else {
		fmt.Fprintln(w, "soak: FAIL:", strings.Join(r.problems, "; "))
	}
}
