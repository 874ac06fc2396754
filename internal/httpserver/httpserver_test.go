package httpserver

import (
	"net/http"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	h := http.NotFoundHandler()
	for _, tc := range []struct {
		requestTimeout, write time.Duration
	}{
		{0, 30 * time.Second},                // no request deadline: still bounded
		{10 * time.Second, 30 * time.Second}, // errdex's default
		{60 * time.Second, 65 * time.Second}, // a long deadline's 503 is still written
	} {
		srv := New(h, tc.requestTimeout, nil)
		if srv.WriteTimeout != tc.write {
			t.Errorf("request timeout %v: WriteTimeout %v, want %v", tc.requestTimeout, srv.WriteTimeout, tc.write)
		}
		if srv.ReadHeaderTimeout != 5*time.Second || srv.IdleTimeout != 120*time.Second || srv.MaxHeaderBytes != 64<<10 {
			t.Errorf("ReadHeaderTimeout %v, IdleTimeout %v, MaxHeaderBytes %d", srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
		}
		// A ReadTimeout would also cut slow uploads the handler allows for.
		if srv.ReadTimeout != 0 || srv.Handler == nil {
			t.Errorf("ReadTimeout %v, handler %v", srv.ReadTimeout, srv.Handler)
		}
	}
}
