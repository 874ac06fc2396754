// Command errdex serves error-code answers over HTTP and manages their store:
// errdex serve | migrate | import.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/articles"
	"github.com/errdex/errdex/internal/httpserver"
	"github.com/errdex/errdex/internal/importer"
	"github.com/errdex/errdex/internal/markdown"
	"github.com/errdex/errdex/internal/store"
)

const usage = `errdex turns Windows error codes into fixes.

Usage:
  errdex serve   [flags]            serve the HTTP API
  errdex migrate [flags] up|down|version
  errdex import  [flags] PATH...    import article files or folders
  errdex export  [flags] DIR        write every article back as markdown
  errdex token   create|list|revoke manage editor tokens

Run "errdex COMMAND -h" for a command's flags. The database and server
settings also read environment variables, named in their help.
`

// errUsage marks bad command lines: exit status 2.
var errUsage = errors.New("usage")

// errFailed marks a run that completed but reported failures: exit status 1.
var errFailed = errors.New("failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	case errors.Is(err, errFailed):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "errdex:", err)
		os.Exit(1)
	}
}

// run is errdex with its environment passed in, so tests can run it whole.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, args := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		err = migrate(ctx, args, getenv, stdout, stderr)
	case "import":
		err = importCmd(ctx, args, getenv, stdout, stderr)
	case "export":
		err = exportCmd(ctx, args, getenv, stdout, stderr)
	case "token":
		err = tokenCmd(ctx, args, getenv, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "errdex: unknown command %q\n\n%s", cmd, usage)
		err = errUsage
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// env returns getenv(key), or def when unset.
func env(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// newFlags returns a flag set whose errors and help go to stderr and whose
// parse failures become errUsage.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintf(stderr, "Usage: errdex %s\n\nFlags:\n", synopsis)
		fl.PrintDefaults()
	}
	return fl
}

// parseFlags returns flag.ErrHelp after -h (run treats it as success) and
// errUsage for a bad command line.
func parseFlags(fl *flag.FlagSet, args []string) error {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return errUsage
	}
	return nil
}

func databaseFlag(fl *flag.FlagSet, getenv func(string) string) *string {
	return fl.String("database", env(getenv, "DATABASE_URL", store.DefaultURL), "PostgreSQL URL (DATABASE_URL)")
}

func newLogger(getenv func(string) string, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(env(getenv, "ERRDEX_LOG_LEVEL", "info"))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	format := getenv("ERRDEX_LOG_FORMAT")
	if format == "" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	if _, ok := w.(*logBuffer); !ok { // which takes its own lock
		w = &lockedWriter{w: w}
	}
	return slog.New(newFlatJSONHandler(w, level))
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := newFlags("serve", "serve [flags]", stderr)
	dsn := databaseFlag(fl, getenv)
	addr := fl.String("addr", env(getenv, "ERRDEX_ADDR", ":8080"), "listen address (ERRDEX_ADDR)")
	autoMigrate := fl.Bool("migrate", env(getenv, "ERRDEX_MIGRATE", "true") == "true", "create the database if missing and apply pending migrations at start (ERRDEX_MIGRATE)")
	seed := fl.Bool("seed", env(getenv, "ERRDEX_SEED", "true") == "true", "import the bundled articles when the store is empty (ERRDEX_SEED)")
	maxBody := fl.Int64("max-body", envInt(getenv, "ERRDEX_MAX_BODY_BYTES", 1<<20), "largest request body in bytes (ERRDEX_MAX_BODY_BYTES)")
	shutdown := fl.Duration("shutdown-timeout", envDuration(getenv, "ERRDEX_SHUTDOWN_TIMEOUT", 15*time.Second), "how long in-flight requests may finish on SIGTERM (ERRDEX_SHUTDOWN_TIMEOUT)")
	corsOrigins := fl.String("cors-origins", getenv("ERRDEX_CORS_ORIGINS"), "comma-separated origins whose pages may call the API from a browser, e.g. https://support.example.com; * for any (ERRDEX_CORS_ORIGINS)")
	frameAncestors := fl.String("frame-ancestors", env(getenv, "ERRDEX_FRAME_ANCESTORS", "*"), "who may put /embed pages in an iframe: CSP frame-ancestors sources, comma-separated (ERRDEX_FRAME_ANCESTORS)")
	reqTimeout := fl.Duration("request-timeout", envDuration(getenv, "ERRDEX_REQUEST_TIMEOUT", api.DefaultConfig().RequestTimeout), "deadline of each request and its database calls; 0 means none (ERRDEX_REQUEST_TIMEOUT)")
	rateLimit := fl.Int("rate-limit", int(envInt(getenv, "ERRDEX_RATE_LIMIT", int64(api.DefaultConfig().RateLimit))), "requests per minute per client (editor token or IP); 0 turns limiting off (ERRDEX_RATE_LIMIT)")
	cacheBytes := fl.Int64("cache-bytes", envInt(getenv, "ERRDEX_CACHE_BYTES", int64(api.DefaultConfig().CacheBytes)), "size of the lookup response cache in bytes; 0 turns it off (ERRDEX_CACHE_BYTES)")
	debugAddr := fl.String("debug-addr", getenv("ERRDEX_DEBUG_ADDR"), "serve Go's pprof profiles under /debug/pprof/ on this address, e.g. 127.0.0.1:6060; keep it private. Empty: off (ERRDEX_DEBUG_ADDR)")
	cacheMaxAge := fl.Duration("cache-max-age", envDuration(getenv, "ERRDEX_CACHE_MAX_AGE", api.DefaultConfig().CacheMaxAge), "max-age of lookups' Cache-Control (ERRDEX_CACHE_MAX_AGE)")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	origins, err := api.ParseOrigins(*corsOrigins)
	if err != nil {
		fmt.Fprintf(stderr, "errdex serve: -cors-origins: %v\n", err)
		return errUsage
	}
	ancestors, err := api.ParseFrameAncestors(*frameAncestors)
	if err != nil {
		fmt.Fprintf(stderr, "errdex serve: -frame-ancestors: %v\n", err)
		return errUsage
	}
	logOut := stderr
	if !isTerminal(stderr) { // a terminal's reader wants each line at once
		buf := newLogBuffer(stderr, logBufferSize)
		flushCtx, stopFlush := context.WithCancel(context.WithoutCancel(ctx))
		flushed := make(chan struct{})
		go func() { buf.flushEvery(flushCtx, logFlushInterval); close(flushed) }()
		defer func() { stopFlush(); <-flushed }()
		logOut = buf
	}
	logger := newLogger(getenv, logOut)

	if *autoMigrate {
		if err := prepareDatabase(ctx, *dsn, logger); err != nil {
			return err
		}
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()

	cfg := api.DefaultConfig()
	cfg.MaxBodyBytes = *maxBody
	cfg.CORSOrigins, cfg.FrameAncestors = origins, ancestors
	cfg.RequestTimeout = *reqTimeout
	cfg.RateLimit = *rateLimit
	cfg.CacheBytes = uint64(max(*cacheBytes, 0))
	cfg.CacheMaxAge = *cacheMaxAge
	if getenv("GOMEMLIMIT") == "" {
		// The cache is most of the live heap. Left to GOGC alone, the heap
		// grows to twice the live heap between collections: a 64 MiB cache
		// then costs some 200 MB of RSS. A soft limit of the cache plus
		// room for everything else makes the collector run before that.
		limit := int64(cfg.CacheBytes) + memoryHeadroom
		prev := debug.SetMemoryLimit(limit)
		defer debug.SetMemoryLimit(prev)
		logger.Debug("memory limit", "bytes", limit)
	}
	handler := api.NewServer(cfg, st, logger)
	if *seed {
		if err := seedIfEmpty(ctx, st, logger, handler.ObserveImport); err != nil {
			return err
		}
	}
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	bgDone := make(chan struct{})
	go func() { handler.Background(bgCtx); close(bgDone) }()
	defer func() { stopBackground(); <-bgDone }()
	srv := httpserver.New(handler, *reqTimeout, slog.NewLogLogger(logger.Handler(), slog.LevelWarn))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	logger.Info("serving", "addr", ln.Addr().String())
	if *debugAddr != "" {
		stop, err := serveProfiles(*debugAddr, logger)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	fmt.Fprintf(stdout, "%shttp://%s\n", listeningOn, ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdown.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close() //nolint:errcheck // cut the requests that overran; the pool closes next
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// prepareDatabase creates and migrates the database, waiting a little for a
// PostgreSQL that is still starting (as under docker compose).
func prepareDatabase(ctx context.Context, dsn string, logger *slog.Logger) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := store.EnsureDatabase(ctx, dsn)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("prepare database: %w", err)
		}
		logger.Warn("database not ready; retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	m, err := store.NewMigrator(dsn)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Up(); err != nil {
		return err
	}
	v, _, _ := m.Version()
	logger.Info("database ready", "schema_version", v)
	return nil
}

// seedIfEmpty imports the bundled articles into an empty store; observe
// counts the run in the server's metrics.
func seedIfEmpty(ctx context.Context, st *store.Store, logger *slog.Logger, observe func(*importer.Report, error)) error {
	n, err := st.CountArticles(ctx)
	if err != nil {
		return fmt.Errorf("count articles: %w", err)
	}
	if n > 0 {
		return nil
	}
	rep, err := importer.Run(ctx, st, []importer.Source{{Name: "articles", FS: articles.FS}}, importer.Options{KeepGoing: true})
	observe(rep, err)
	if err != nil {
		return fmt.Errorf("import bundled articles: %w", err)
	}
	logger.Info("imported bundled articles", "created", rep.Created, "failed", rep.Failed, "warnings", rep.Warnings)
	return nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := newFlags("migrate", "migrate [flags] up|down|version", stderr)
	dsn := databaseFlag(fl, getenv)
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return errUsage
	}
	action := fl.Arg(0)
	if action != "up" && action != "down" && action != "version" {
		fmt.Fprintf(stderr, "errdex migrate: unknown action %q\n", action)
		fl.Usage()
		return errUsage
	}
	if action == "up" {
		if err := store.EnsureDatabase(ctx, *dsn); err != nil {
			return err
		}
	}
	m, err := store.NewMigrator(*dsn)
	if err != nil {
		return err
	}
	defer m.Close()
	switch action {
	case "up":
		err = m.Up()
	case "down":
		err = m.Down()
	}
	if err != nil {
		return err
	}
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d (dirty: %v)\n", v, dirty)
	return nil
}

func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := newFlags("import", "import [flags] PATH...", stderr)
	dsn := databaseFlag(fl, getenv)
	dryRun := fl.Bool("dry-run", false, "parse, validate and report; write nothing")
	keepGoing := fl.Bool("keep-going", false, "import the good files even when some fail")
	prune := fl.Bool("prune", false, "archive articles imported from these paths whose files are gone")
	format := fl.String("format", "text", "report format: text or json")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() == 0 || (*format != "text" && *format != "json") {
		fl.Usage()
		return errUsage
	}
	sources := make([]importer.Source, 0, fl.NArg())
	for _, p := range fl.Args() {
		src, err := sourceFor(p)
		if err != nil {
			fmt.Fprintf(stderr, "errdex import: %v\n", err)
			return errUsage
		}
		sources = append(sources, src)
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	opts := importer.Options{DryRun: *dryRun, KeepGoing: *keepGoing, Prune: *prune}
	if getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(importer.GCPercent))
	}
	if isTerminal(stderr) {
		opts.Progress = func(stage string, done, total int) {
			fmt.Fprintf(stderr, "\r%s %d/%d files…", stage, done, total)
		}
	}
	rep, err := importer.Run(ctx, st, sources, opts)
	if opts.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K") // clear the progress line
	}
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(stdout, rep)
	}
	if rep.Failed > 0 {
		return errFailed
	}
	return nil
}

// sourceFor turns a command-line path into a source: a folder is walked; a
// file is read alone, its slug defaulting to its name.
func sourceFor(p string) (importer.Source, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return importer.Source{}, err
	}
	if fi.IsDir() {
		return importer.Source{Name: filepath.ToSlash(filepath.Clean(p)), FS: os.DirFS(p)}, nil
	}
	dir, name := filepath.Split(p)
	if dir == "" {
		dir = "."
	}
	return importer.Source{Name: filepath.ToSlash(filepath.Clean(dir)), FS: singleFile{fsys: os.DirFS(dir), name: name}}, nil
}

// singleFile is a file system holding one file of another.
type singleFile struct {
	fsys fs.FS
	name string
}

func (s singleFile) Open(name string) (fs.File, error) {
	if name != "." && name != s.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return s.fsys.Open(name)
}

func (s singleFile) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	fi, err := fs.Stat(s.fsys, s.name)
	if err != nil {
		return nil, err
	}
	return []fs.DirEntry{fs.FileInfoToDirEntry(fi)}, nil
}

func printReport(w io.Writer, rep *importer.Report) {
	for _, f := range rep.Files {
		switch f.Status {
		case importer.StatusFailed:
			fmt.Fprintf(w, "failed     %s\n", f.Error)
		default:
			fmt.Fprintf(w, "%-10s %s (%s/%s)\n", f.Status, f.Path, f.Slug, f.Lang)
		}
		for _, warn := range f.Warnings {
			fmt.Fprintf(w, "  warning  %s\n", warn)
		}
	}
	for _, k := range rep.Archived {
		fmt.Fprintf(w, "archived   %s (its file is gone)\n", k)
	}
	verb := "imported"
	if rep.DryRun {
		verb = "dry run (nothing written)"
	}
	fmt.Fprintf(w, "%s: %d created, %d updated, %d unchanged, %d failed, %d skipped, %d warnings\n",
		verb, rep.Created, rep.Updated, rep.Unchanged, rep.Failed, rep.Skipped, rep.Warnings)
}

func exportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := newFlags("export", "export [flags] DIR", stderr)
	dsn := databaseFlag(fl, getenv)
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return errUsage
	}
	dir := fl.Arg(0)
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	arts, err := st.PublishedArticles(ctx)
	if err != nil {
		return err
	}
	for _, a := range arts {
		name := filepath.Join(dir, a.Lang, filepath.FromSlash(a.Slug)+".md")
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, markdown.Render(a), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "exported %d articles to %s\n", len(arts), dir)
	return nil
}

func tokenCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := newFlags("token", "token [flags] create -name NAME [-role editor|admin] | list | revoke NAME", stderr)
	dsn := databaseFlag(fl, getenv)
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return errUsage
	}
	action, rest := fl.Arg(0), fl.Args()[1:]
	sub := newFlags("token "+action, "token "+action+" [flags]", stderr)
	name := sub.String("name", "", "token name (who uses it), unique")
	role := sub.String("role", store.RoleEditor, "editor or admin")
	if err := parseFlags(sub, rest); err != nil {
		return err
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	switch action {
	case "create":
		if *name == "" {
			sub.Usage()
			return errUsage
		}
		secret, tok, err := st.CreateToken(ctx, *name, *role)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created token %q (%s); it is shown once, store it now:\n", tok.Name, tok.Role)
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		toks, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		for _, t := range toks {
			state := "live"
			if t.RevokedAt != nil {
				state = "revoked " + t.RevokedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%-24s %-7s created %s  %s\n", t.Name, t.Role, t.CreatedAt.UTC().Format(time.RFC3339), state)
		}
		return nil
	case "revoke":
		n := *name
		if n == "" && sub.NArg() == 1 {
			n = sub.Arg(0)
		}
		if n == "" {
			sub.Usage()
			return errUsage
		}
		if err := st.RevokeToken(ctx, n); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", n)
		return nil
	default:
		fmt.Fprintf(stderr, "errdex token: unknown action %q\n", action)
		fl.Usage()
		return errUsage
	}
}

// listeningOn starts the line serve prints once it accepts connections,
// followed by its base URL: scripts and tests wait for it.
const listeningOn = "errdex listening on "

// memoryHeadroom is what serve's soft memory limit allows beyond the
// response cache: the rest of the live heap (about 10 MB serving 100,000
// articles) and the garbage made between collections. With the default
// 64 MiB cache, RSS stays near 130 MB (BENCHMARKS.md).
const memoryHeadroom = 48 << 20

// serveProfiles serves net/http/pprof's handlers on addr, apart from the
// API: profiles show the program's insides and cost CPU while taken, so
// they are for an operator's private address, never the public one.
func serveProfiles(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for profiles: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed at stop
	logger.Info("serving profiles", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil //nolint:errcheck // a profile being taken is cut off at exit
}

// isTerminal reports whether w is a terminal (for progress lines and
// human-friendly logs).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func envInt(getenv func(string) string, key string, def int64) int64 {
	if v, err := strconv.ParseInt(getenv(key), 10, 64); err == nil {
		return v
	}
	return def
}

func envDuration(getenv func(string) string, key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(getenv(key)); err == nil {
		return v
	}
	return def
}
