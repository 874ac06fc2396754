package api_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/errdex/errdex/api"
)

// TestSlowBodyIsCut: a client that sends its headers and then trickles
// its body is answered and cut off once BodyTimeout has passed, instead of
// holding a connection and a goroutine for as long as it likes; and the
// deadline does not outlive the request, so the connection of a client
// that sent its body in time serves its next request however much later.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig()
	cfg.BodyTimeout = 300 * time.Millisecond
	cfg.RateLimit = 0
	srv := httptest.NewServer(newEnvWith(t, cfg, &bytes.Buffer{}).handler)
	t.Cleanup(srv.Close)
	dial := func() (net.Conn, *bufio.Reader) {
		t.Helper()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetReadDeadline(time.Now().Add(10 * time.Second)) //nolint:errcheck // a hang fails the read below
		return conn, bufio.NewReader(conn)
	}
	const post = "POST /resolve HTTP/1.1\r\nHost: errdex\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"

	t.Run("trickled body", func(t *testing.T) {
		conn, rd := dial()
		start := time.Now()
		fmt.Fprintf(conn, post, 40, `{"text": "0x800`) // and nothing more
		res, err := http.ReadResponse(rd, nil)
		took := time.Since(start)
		if err == nil {
			res.Body.Close()
			if res.StatusCode < 400 || res.StatusCode >= 500 {
				t.Errorf("status %d, want a 4xx for the body that never came", res.StatusCode)
			}
		}
		if took < cfg.BodyTimeout || took > 5*time.Second {
			t.Errorf("answered (%v) after %v, want soon after the body timeout of %v", err, took, cfg.BodyTimeout)
		}
	})

	t.Run("keep-alive after a body", func(t *testing.T) {
		conn, rd := dial()
		body := `{"text": "0x80070643"}`
		for i := range 2 {
			if i > 0 {
				time.Sleep(3 * cfg.BodyTimeout)
			}
			fmt.Fprintf(conn, post, len(body), body)
			res, err := http.ReadResponse(rd, nil)
			if err != nil {
				t.Fatalf("request %d on the connection: %v", i+1, err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("request %d: status %d", i+1, res.StatusCode)
			}
		}
	})
}
