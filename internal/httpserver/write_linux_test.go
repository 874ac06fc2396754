package httpserver

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
)

// corkProbe is a ResponseWriter noting whether its connection was corked at
// each Write.
type corkProbe struct {
	http.ResponseWriter
	rc     syscall.RawConn
	t      *testing.T
	corked []bool
}

func (p *corkProbe) Write(b []byte) (int, error) {
	p.corked = append(p.corked, corked(p.t, p.rc))
	return p.ResponseWriter.Write(b)
}

func (p *corkProbe) Unwrap() http.ResponseWriter { return p.ResponseWriter }

func corked(t *testing.T, rc syscall.RawConn) bool {
	var v int
	var err error
	if cerr := rc.Control(func(fd uintptr) { v, err = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK) }); cerr != nil || err != nil {
		t.Errorf("reading TCP_CORK: %v, %v", cerr, err)
	}
	return v != 0
}

// TestWriteBodyCorks serves bodies through WriteBody on a server from New,
// over one kept-alive connection, and checks that the socket is corked
// while a large body is written, and only then, and never left corked.
func TestWriteBodyCorks(t *testing.T) {
	type seen struct{ during, after []bool }
	seenc := make(chan seen, 1)
	srv := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		body := bytes.Repeat([]byte("x"), n)
		rc, _ := r.Context().Value(connKey{}).(syscall.RawConn)
		if rc == nil {
			t.Error("no connection in the request's context")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		probe := &corkProbe{ResponseWriter: w, rc: rc, t: t}
		if _, err := WriteBody(probe, r, body); err != nil {
			t.Errorf("WriteBody: %v", err)
		}
		seenc <- seen{probe.corked, []bool{corked(t, rc)}}
	}), 0, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })

	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	for _, tc := range []struct {
		method string
		n      int
		corked bool
	}{
		{http.MethodGet, 10_000, true},
		{http.MethodGet, 100, false},
		{http.MethodGet, corkFrom - 1, false},
		{http.MethodGet, corkFrom, true},
		{http.MethodHead, 10_000, false}, // nothing to send
		{http.MethodGet, 1 << 20, true},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+ln.Addr().String()+"/?n="+strconv.Itoa(tc.n), nil)
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %d: %v", tc.method, tc.n, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		want := tc.n
		if tc.method == http.MethodHead {
			want = 0
		}
		if err != nil || len(body) != want || res.ContentLength != int64(tc.n) || bytes.Count(body, []byte("x")) != want {
			t.Errorf("%s %d: read %d bytes (%v), Content-Length %d", tc.method, tc.n, len(body), err, res.ContentLength)
		}
		got := <-seenc
		if len(got.during) != 1 || got.during[0] != tc.corked || got.after[0] {
			t.Errorf("%s %d: corked while writing %v, after %v; want [%v], [false]", tc.method, tc.n, got.during, got.after, tc.corked)
		}
	}
}
