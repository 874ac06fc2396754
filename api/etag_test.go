package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestConditionalHoldsFlushes flushes in the middle of a body that
// writeConditional holds back for its ETag: the answer still goes out
// whole, with its ETag, once.
func TestConditionalHoldsFlushes(t *testing.T) {
	s := &Server{}
	rec := httptest.NewRecorder()
	s.writeConditional(rec, httptest.NewRequest(http.MethodGet, "/tags", nil), func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("part one, ")) //nolint:errcheck // a recorder
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		w.Write([]byte("part two")) //nolint:errcheck // a recorder
	})
	res := rec.Result()
	if rec.Flushed || res.Header.Get("ETag") == "" || rec.Body.String() != "part one, part two" {
		t.Errorf("flushed %v, ETag %q, body %q; want the whole body, unflushed, with an ETag",
			rec.Flushed, res.Header.Get("ETag"), rec.Body.String())
	}
}
