package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/errdex/errdex/internal/testdb"
)

// TestGracefulShutdown runs `errdex serve` and, while a client is halfway
// through sending a POST /resolve body, ends its context (what SIGTERM
// does): the listener closes at once, so new connections are refused, yet
// the request in flight is read to the end and answered 200; then serve
// returns nil.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	base, cancel, done := startServe(t, map[string]string{"DATABASE_URL": testdb.URL(t), "ERRDEX_SEED": "false",
		"ERRDEX_SHUTDOWN_TIMEOUT": "20s"})
	defer cancel()
	addr := strings.TrimPrefix(base, "http://")

	// The slow client: headers and half the body now, the rest later.
	body := `{"text":"Windows Update fails with 0x80070643 and then 0x80070005"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /resolve HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		addr, len(body), body[:len(body)/2])

	// Wait until the handler is running: the scrape and the slow request.
	waitFor(t, "the slow request to be in flight", 10*time.Second, func() bool {
		return metric(t, base, "errdex_http_requests_in_flight") >= 2
	})

	cancel() // SIGTERM
	waitFor(t, "new connections to be refused", 10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-done:
		t.Fatalf("serve returned (%v) with a request in flight", err)
	default:
	}

	if _, err := io.WriteString(conn, body[len(body)/2:]); err != nil {
		t.Fatalf("finish the body: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second)) //nolint:errcheck
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(answer), `"text":"0x80070005"`) {
		t.Fatalf("in-flight request = %d %s, want 200 with both codes", res.StatusCode, answer)
	}

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after its last request")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("a new connection was accepted after shutdown")
	}
}

// metric reads an unlabelled metric's value from base's /metrics (0 when
// it cannot: the server is not up yet, or the metric is missing).
func metric(t *testing.T, base, name string) int {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for line := range strings.Lines(string(b)) {
		if value, ok := strings.CutPrefix(line, name+" "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(value))
			return n
		}
	}
	return 0
}

// waitFor polls cond until it holds, failing the test if it does not
// within the given time.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within %v", what, within)
}
