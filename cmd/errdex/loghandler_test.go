package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/testdb"
)

// testAccessLine is shaped as api's access line: one attribute with an
// empty key whose LogValue is the seven fields
// (TestFlatJSONRendersTheAccessLine checks the real one).
type testAccessLine struct{ id, path string }

func (a testAccessLine) LogValue() slog.Value {
	return slog.GroupValue(slog.String("request_id", a.id), slog.String("method", "GET"), slog.String("route", "/errors/{code}"),
		slog.String("path", a.path), slog.Int("status", 200), slog.Int("bytes", 9546), slog.Duration("duration", 23234*time.Nanosecond))
}

func (a testAccessLine) AccessFields() (id, method, route, path string, status, bytes int, duration time.Duration) {
	return a.id, "GET", "/errors/{code}", a.path, 200, 9546, 23234 * time.Nanosecond
}

// accessRecord is an access-log record as api.Server makes it.
func accessRecord(t time.Time, id, path string) slog.Record {
	r := slog.NewRecord(t, slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.Any("", testAccessLine{id, path}))
	return r
}

// bothWrite handles r with slog.JSONHandler and with flatJSONHandler,
// both at level, after applying derive (nil: none) to each.
func bothWrite(t testing.TB, level slog.Level, derive func(slog.Handler) slog.Handler, r slog.Record) (want, got string) {
	t.Helper()
	var a, b bytes.Buffer
	hs := []slog.Handler{slog.NewJSONHandler(&a, &slog.HandlerOptions{Level: level}), newFlatJSONHandler(&b, level)}
	for _, h := range hs {
		if derive != nil {
			h = derive(h)
		}
		if h.Enabled(context.Background(), r.Level) {
			if err := h.Handle(context.Background(), r.Clone()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return a.String(), b.String()
}

type logValuer string

func (v logValuer) LogValue() slog.Value { return slog.StringValue(string(v)) }

func TestFlatJSONWritesWhatSlogWrites(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 22, 16, 24, 891725789, time.UTC)
	tokyo := time.FixedZone("JST", 9*3600)
	rec := func(tm time.Time, level slog.Level, msg string, attrs ...slog.Attr) slog.Record {
		r := slog.NewRecord(tm, level, msg, 0)
		r.AddAttrs(attrs...)
		return r
	}
	cases := map[string]slog.Record{
		"access line":         accessRecord(now, "vm/QwHnCHbRlR-013002", "/errors/0x80070643"),
		"local time":          accessRecord(now.In(tokyo), "chatbot-42.a", "/errors/hello"),
		"whole seconds":       accessRecord(now.Truncate(time.Second), "x", "/"),
		"path to escape":      accessRecord(now, "x", "/errors/\"quoted\"\\"),
		"path with a newline": accessRecord(now, "x", "/errors/a\nb"),
		"path not ASCII":      accessRecord(now, "x", "/errors/エラー\u2028"),
		"invalid UTF-8":       accessRecord(now, "x", "/errors/\xff"),
		"html characters":     accessRecord(now, "<a&b>", "/errors/<script>"),
		"DEL":                 accessRecord(now, "x\x7f", "/"),
		"warn":                rec(now, slog.LevelWarn, "request", slog.Int("status", 404)),
		"custom level":        rec(now, slog.LevelError+2, "boom"),
		"below the level":     rec(now, slog.LevelDebug, "quiet"),
		"zero time":           rec(time.Time{}, slog.LevelInfo, "no time", slog.String("a", "b")),
		"year past 9999":      rec(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "far"),
		"no attributes":       rec(now, slog.LevelInfo, "serving"),
		"empty message":       rec(now, slog.LevelInfo, ""),
		"message to escape":   rec(now, slog.LevelInfo, "a \"b\"\tc"),
		"every flat kind": rec(now, slog.LevelInfo, "kinds", slog.Int64("i", math.MinInt64), slog.Uint64("u", math.MaxUint64),
			slog.Bool("t", true), slog.Bool("f", false), slog.Duration("d", -time.Hour), slog.String("s", "")),
		"float":         rec(now, slog.LevelInfo, "f", slog.Float64("f", 1e21)),
		"time value":    rec(now, slog.LevelInfo, "t", slog.Time("at", now)),
		"error":         rec(now, slog.LevelError, "e", slog.Any("err", errors.New("db: \"down\""))),
		"nil":           rec(now, slog.LevelInfo, "n", slog.Any("v", nil)),
		"group":         rec(now, slog.LevelInfo, "g", slog.Group("req", slog.String("id", "1"), slog.Int("n", 2))),
		"empty group":   rec(now, slog.LevelInfo, "g", slog.Group("req")),
		"inline group":  rec(now, slog.LevelInfo, "g", slog.Group("", slog.String("id", "1"))),
		"empty key":     rec(now, slog.LevelInfo, "k", slog.String("", "v")),
		"empty attr":    rec(now, slog.LevelInfo, "k", slog.Attr{}),
		"key to escape": rec(now, slog.LevelInfo, "k", slog.String("a\"b", "v")),
		"log valuer":    rec(now, slog.LevelInfo, "v", slog.Any("v", logValuer("x"))),
		"struct":        rec(now, slog.LevelInfo, "s", slog.Any("v", struct{ A int }{1})),
	}
	for name, r := range cases {
		want, got := bothWrite(t, slog.LevelInfo, nil, r)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	for name, derive := range map[string]func(slog.Handler) slog.Handler{
		"With":      func(h slog.Handler) slog.Handler { return h.WithAttrs([]slog.Attr{slog.String("component", "import")}) },
		"WithGroup": func(h slog.Handler) slog.Handler { return h.WithGroup("g") },
	} {
		want, got := bothWrite(t, slog.LevelInfo, derive, cases["access line"])
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	if want, got := bothWrite(t, slog.LevelWarn, nil, cases["access line"]); got != "" || want != "" {
		t.Errorf("an info line at level warn was written: %q / %q", got, want)
	}
}

// recordingHandler keeps the records logged through it.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

// The access-log line the API writes for a lookup is rendered by the flat
// handler itself, the point of it, and as slog would write it.
func TestFlatJSONRendersTheAccessLine(t *testing.T) {
	t.Parallel()
	var rec recordingHandler
	srv := api.NewServer(api.DefaultConfig(), testdb.Store(t), slog.New(&rec))
	srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/errors/0x80070643", nil))
	var access []slog.Record
	for _, r := range rec.records {
		if r.Message == "request" {
			access = append(access, r)
		}
	}
	if len(access) != 1 {
		t.Fatalf("%d access-log records, want 1", len(access))
	}
	if _, ok := appendFlatJSON(nil, access[0]); !ok {
		t.Error("the access-log line would go to slog's handler")
	}
	if want, got := bothWrite(t, slog.LevelInfo, nil, access[0]); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func FuzzFlatJSON(f *testing.F) {
	f.Add("request", "request_id", "vm/x-1", int64(200), "/errors/0x80070643")
	f.Add("a\"b", "k\n", "\u2028", int64(-1), "\xff")
	f.Fuzz(func(t *testing.T, msg, key, s string, n int64, path string) {
		r := slog.NewRecord(time.Unix(0, n).UTC(), slog.LevelInfo, msg, 0)
		r.AddAttrs(slog.String(key, s), slog.Int64("n", n), slog.String("path", path), slog.Duration("d", time.Duration(n)))
		if want, got := bothWrite(t, slog.LevelDebug, nil, r); got != want {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	})
}

func TestFlatJSONHandlerConforms(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := newFlatJSONHandler(&buf, slog.LevelInfo)
	results := func() []map[string]any {
		var ms []map[string]any
		for line := range strings.Lines(buf.String()) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%v: %q", err, line)
			}
			ms = append(ms, m)
		}
		return ms
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Error(err)
	}
}

// Lines written at once by both of the handler's paths stay whole, though
// the writer newLogger is given (a bytes.Buffer) is not safe for
// concurrent use.
func TestJSONLoggerSerializesWrites(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := newLogger(func(string) string { return "" }, &buf)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if g%2 == 0 {
					logger.Info("flat", "g", g, "i", i)
				} else {
					logger.Info("not flat", "g", g, "f", 0.5)
				}
			}
		})
	}
	wg.Wait()
	n := 0
	for line := range strings.Lines(buf.String()) {
		if !json.Valid([]byte(line)) {
			t.Fatalf("broken line %q", line)
		}
		n++
	}
	if n != 8*200 {
		t.Errorf("%d lines, want %d", n, 8*200)
	}
}

func BenchmarkLogLine(b *testing.B) {
	r := accessRecord(time.Now(), "vm/QwHnCHbRlR-013002", "/errors/0x80070643")
	for name, h := range map[string]slog.Handler{
		"slog": slog.NewJSONHandler(io.Discard, nil),
		"flat": newFlatJSONHandler(io.Discard, slog.LevelInfo),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.Handle(context.Background(), r) //nolint:errcheck // io.Discard
			}
		})
	}
}

// serve's log buffer writes out a full buffer while other requests go on
// logging into its spare: no handler's lock may be held around it.
func TestJSONLoggerWritesStraightToTheLogBuffer(t *testing.T) {
	t.Parallel()
	buf := newLogBuffer(io.Discard, 1024)
	h, ok := newLogger(func(string) string { return "" }, buf).Handler().(*flatJSONHandler)
	if !ok || h.w != io.Writer(buf) {
		t.Errorf("the JSON logger on a log buffer has handler %#v, want a flatJSONHandler writing to the buffer", h)
	}
}

// A huge line's buffer is not kept for the next line.
func TestFlatJSONPoolsNoHugeBuffer(t *testing.T) {
	h := newFlatJSONHandler(io.Discard, slog.LevelInfo)
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "big", 0)
	r.AddAttrs(slog.String("s", strings.Repeat("x", 100<<10)))
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if bp := lineBuffers.Get().(*[]byte); cap(*bp) > maxPooledLine {
		t.Errorf("the pool kept a %d-byte buffer", cap(*bp))
	}
}
