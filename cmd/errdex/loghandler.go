package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// flatJSONHandler writes exactly the lines slog.JSONHandler writes, but
// renders the common record itself: no groups, attributes that are
// strings, integers, booleans or durations or the API's access line
// (accessFields), and no character that JSON would escape. That is every
// access-log line, one per request, the largest single piece of a cached
// lookup's own work when slog's general machinery wrote it
// (BenchmarkLogLine, BenchmarkLookupLogged, BENCHMARKS.md). Any other
// record, and every record of a logger made by With or WithGroup, goes to
// the slog.JSONHandler it wraps.
//
// It takes no lock: its writer must be safe for concurrent use. That
// lets serve's logBuffer write out a full buffer while other requests
// go on logging, which slog's handler, holding its lock around each
// write, does not.
type flatJSONHandler struct {
	w    io.Writer
	json slog.Handler // a slog.JSONHandler on w, at the same level
}

// newFlatJSONHandler returns a handler writing JSON lines to w, which
// must be safe for concurrent use, as
// slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}) does.
func newFlatJSONHandler(w io.Writer, level slog.Leveler) *flatJSONHandler {
	return &flatJSONHandler{w: w, json: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})}
}

// lockedWriter makes a writer safe for concurrent use, one Write at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Enabled implements slog.Handler.
func (h *flatJSONHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.json.Enabled(ctx, level)
}

// WithAttrs implements slog.Handler; the loggers it makes are rare and
// use slog's handler throughout.
func (h *flatJSONHandler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.json.WithAttrs(attrs) }

// WithGroup implements slog.Handler, as WithAttrs.
func (h *flatJSONHandler) WithGroup(name string) slog.Handler { return h.json.WithGroup(name) }

var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxPooledLine is the largest line buffer kept for reuse, as slog keeps
// its own: one huge line must not pin its buffer for ever.
const maxPooledLine = 16 << 10

// Handle implements slog.Handler.
func (h *flatJSONHandler) Handle(ctx context.Context, r slog.Record) error {
	bp := lineBuffers.Get().(*[]byte)
	line, ok := appendFlatJSON((*bp)[:0], r)
	if cap(line) <= maxPooledLine {
		*bp = line[:0]
		defer lineBuffers.Put(bp)
	}
	if !ok {
		return h.json.Handle(ctx, r)
	}
	_, err := h.w.Write(line)
	return err
}

// appendFlatJSON appends r as slog.JSONHandler (with no ReplaceAttr and
// no source) would write it, or reports false when r is not flat.
func appendFlatJSON(b []byte, r slog.Record) ([]byte, bool) {
	if y := r.Time.Year(); r.Time.IsZero() || y > 9999 || y < 0 || !plain(r.Message) {
		return b, false
	}
	b = append(b, `{"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"`...)
	b = append(b, r.Level.String()...) // "INFO", "WARN+1": nothing to escape
	b = append(b, `","msg":"`...)
	b = append(b, r.Message...)
	b = append(b, '"')
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "" && a.Value.Kind() == slog.KindLogValuer {
			if line, isLine := a.Value.Any().(accessFields); isLine {
				b, ok = appendAccessFields(b, line)
				return ok
			}
		}
		if a.Key == "" || !plain(a.Key) {
			ok = false
			return false
		}
		b = append(b, ',', '"')
		b = append(b, a.Key...)
		b = append(b, '"', ':')
		switch v := a.Value; v.Kind() {
		case slog.KindString:
			s := v.String()
			if !plain(s) {
				ok = false
				return false
			}
			b = append(b, '"')
			b = append(b, s...)
			b = append(b, '"')
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindUint64:
			b = strconv.AppendUint(b, v.Uint64(), 10)
		case slog.KindBool:
			b = strconv.AppendBool(b, v.Bool())
		case slog.KindDuration:
			b = strconv.AppendInt(b, int64(v.Duration()), 10) // as slog: nanoseconds
		default:
			ok = false
			return false
		}
		return true
	})
	return append(b, '}', '\n'), ok
}

// accessFields is the API's access-log line (api.accessLine), logged as
// one attribute with an empty key whose fields slog writes inline.
type accessFields interface {
	AccessFields() (id, method, route, path string, status, bytes int, duration time.Duration)
}

// appendAccessFields appends the line's fields as slog.JSONHandler writes
// the group its LogValue returns, or reports false if one needs escaping.
func appendAccessFields(b []byte, a accessFields) ([]byte, bool) {
	id, method, route, path, status, bytes, duration := a.AccessFields()
	if !plain(id) || !plain(method) || !plain(route) || !plain(path) {
		return b, false
	}
	b = append(b, `,"request_id":"`...)
	b = append(b, id...)
	b = append(b, `","method":"`...)
	b = append(b, method...)
	b = append(b, `","route":"`...)
	b = append(b, route...)
	b = append(b, `","path":"`...)
	b = append(b, path...)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(bytes), 10)
	b = append(b, `,"duration":`...)
	return strconv.AppendInt(b, int64(duration), 10), true
}

// plain reports whether JSON writes s as it is: printable ASCII other
// than the quote and the backslash. Every access line checks about 80
// bytes, so it looks each up in a table.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if !jsonPlain[s[i]] {
			return false
		}
	}
	return true
}

// jsonPlain marks the bytes plain accepts.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
