package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/errdex/errdex/internal/httpserver"
)

// conditional gives every successful GET (and HEAD) that did not validate itself a
// strong ETag from its body, and answers If-None-Match with 304: pages,
// case lists and search results are then cheap to revalidate. Handlers
// that set their own ETag (assets, single articles) and no-store responses
// pass straight through.
func (s *Server) conditional(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		s.writeConditional(w, r, next.ServeHTTP)
	})
}

// writeConditional runs write under conditional's rules.
func (s *Server) writeConditional(w http.ResponseWriter, r *http.Request, write http.HandlerFunc) {
	cw := &conditionalWriter{ResponseWriter: w}
	write(cw, r)
	if !cw.buffering {
		return
	}
	h := w.Header()
	sum := sha256.Sum256(cw.buf.Bytes())
	tag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h.Set("ETag", tag)
	if h.Get("Cache-Control") == "" {
		if _, editor := tokenFrom(r.Context()); editor {
			h.Set("Cache-Control", "private, no-cache")
		} else {
			h.Set("Cache-Control", "public, no-cache") // revalidate: the 304 is cheap
		}
	}
	if notModified(r, tag, time.Time{}) {
		h.Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(cw.buf.Len()))
	w.WriteHeader(http.StatusOK)
	httpserver.WriteBody(w, r, cw.buf.Bytes()) //nolint:errcheck // the client went away
}

// conditionalWriter buffers a 200 response that carries no validator of
// its own; anything else goes through untouched.
type conditionalWriter struct {
	http.ResponseWriter
	decided, buffering bool
	buf                bytes.Buffer
}

func (w *conditionalWriter) WriteHeader(status int) {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	if status == http.StatusOK && h.Get("ETag") == "" && !strings.Contains(h.Get("Cache-Control"), "no-store") {
		w.buffering = true
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *conditionalWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.buffering {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// FlushError sends what was written so far, unless the response is held
// back for its ETag: then all of it goes at the end. (Through Unwrap, a
// flush would send the headers without it.)
func (w *conditionalWriter) FlushError() error {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.buffering {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *conditionalWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// notModified evaluates a GET's or HEAD's preconditions against a
// representation with etag and lastModified (zero when it has none), in
// RFC 9110's order (13.2.2): If-None-Match when sent, weakly compared;
// else If-Modified-Since, at the one-second precision of HTTP dates.
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := headerValue(r.Header, "If-None-Match"); inm != "" {
		return weakMatch(inm, etag)
	}
	if lastModified.IsZero() {
		return false
	}
	ims := headerValue(r.Header, "If-Modified-Since")
	if ims == "" {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !lastModified.Truncate(time.Second).After(t)
}
