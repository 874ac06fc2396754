package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// request is what errdex keeps about one request while answering it, in a
// single allocation: a warm lookup is answered in microseconds, so the
// context values, timers and writer wrappers each middleware used to add
// cost more than the answer. It is the request's context (its id, chi's
// routing context and its deadline) and the writer that records the status
// and size for the access log and metrics.
type request struct {
	parent   context.Context // the server's: canceled when the client goes away
	id       string
	route    *chi.Context
	deadline time.Time // zero: none

	// timed is the parent with the deadline, made the first time anything
	// waits on Done: every database call does, a lookup answered from the
	// cache does not, so it never starts a timer.
	mu    sync.Mutex
	timed atomic.Pointer[timedContext]

	w      statusWriter
	idH    [1]string  // X-Request-Id's value, len == cap
	access accessLine // the access-log line, filled in once answered
}

type timedContext struct {
	context.Context
	cancel context.CancelFunc
}

// requestKey finds the *request in a context derived from it.
type requestKey struct{}

// Deadline implements context.Context.
func (q *request) Deadline() (time.Time, bool) {
	if q.deadline.IsZero() {
		return q.parent.Deadline()
	}
	return q.deadline, true
}

// Done implements context.Context; it starts the deadline's timer.
func (q *request) Done() <-chan struct{} {
	if q.deadline.IsZero() {
		return q.parent.Done()
	}
	return q.arm().Done()
}

// Err implements context.Context.
func (q *request) Err() error {
	if t := q.timed.Load(); t != nil {
		return t.Err()
	}
	if err := q.parent.Err(); err != nil || q.deadline.IsZero() || time.Now().Before(q.deadline) {
		return err
	}
	return q.arm().Err() // past the deadline: DeadlineExceeded, with its cause
}

// Value implements context.Context. Once armed, other keys go to the timed
// context, so contexts derived from this one are its children (canceled
// with it, without a goroutine each).
func (q *request) Value(key any) any {
	switch key {
	case requestKey{}:
		return q
	case chi.RouteCtxKey:
		return q.route
	case middleware.RequestIDKey:
		return q.id
	}
	if t := q.timed.Load(); t != nil {
		return t.Value(key)
	}
	return q.parent.Value(key)
}

func (q *request) arm() *timedContext {
	if t := q.timed.Load(); t != nil {
		return t
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if t := q.timed.Load(); t != nil {
		return t
	}
	ctx, cancel := context.WithDeadline(q.parent, q.deadline)
	t := &timedContext{ctx, cancel}
	q.timed.Store(t)
	return t
}

// end stops the deadline's timer, if one was started.
func (q *request) end() {
	if t := q.timed.Load(); t != nil {
		t.cancel()
	}
}

// requestID is the id of the request ctx belongs to ("" outside one).
func requestID(ctx context.Context) string {
	if q, ok := ctx.Value(requestKey{}).(*request); ok {
		return q.id
	}
	return ""
}

// requestIDPrefix makes generated ids unique across replicas and restarts:
// host/random-NNNNNN, as chi's middleware.RequestID makes them.
var requestIDPrefix = func() string {
	host, err := os.Hostname()
	if host == "" || err != nil {
		host = "localhost"
	}
	var b [12]byte
	rand.Read(b[:])
	return host + "/" + strings.NewReplacer("+", "", "/", "").Replace(base64.StdEncoding.EncodeToString(b[:]))[:10] + "-"
}()

var requestCounter atomic.Uint64

// headerValue is the first value of the request header key, which must be
// in canonical form (as Header.Set stores it). It is Header.Get without
// canonicalizing key on every call: a lookup reads seven headers, most of
// them absent, and that check was half of each read.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// newRequestID is the client's X-Request-Id when it sent a sane one (so
// its logs and ours join up), else a generated one.
func newRequestID(r *http.Request) string {
	if id := headerValue(r.Header, middleware.RequestIDHeader); id != "" && saneRequestID(id) {
		return id
	}
	n := requestCounter.Add(1)
	b := make([]byte, 0, 96)
	b = append(b, requestIDPrefix...)
	for p := uint64(100000); p > 1 && n < p; p /= 10 {
		b = append(b, '0') // at least six digits
	}
	return string(strconv.AppendUint(b, n, 10))
}

// saneRequestID accepts up to 128 printable ASCII characters: anything
// else would let a client smuggle noise into every log line.
func saneRequestID(id string) bool {
	if len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// statusWriter records the status and size of the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
