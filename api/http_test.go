package api_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/errdex/errdex/internal/httpserver"
)

// TestHeadAnswersLikeGet: every GET answers HEAD, as HTTP servers must,
// with GET's status and headers and no body on the wire; a client that has
// the answer gets 304 to HEAD too.
func TestHeadAnswersLikeGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	srv := httptest.NewServer(e.handler)
	t.Cleanup(srv.Close)
	// Without compression: Go's client asks for gzip on GET, never on HEAD.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, path := range []string{"/errors/0x80070643", "/errors/0x80070643?view=brief", "/cases/seed", "/search?q=0x80070643",
		"/tags", "/healthz", "/widget.js", "/openapi.yaml", "/embed/errors/0x80070643", "/errors/0xZZ"} {
		get, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		head, err := client.Head(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(head.Body)
		head.Body.Close()
		if head.StatusCode != get.StatusCode || len(body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes; GET gave %d", path, head.StatusCode, len(body), get.StatusCode)
		}
		for _, h := range []string{"Content-Type", "Content-Length", "Etag", "Cache-Control", "Content-Language", "Last-Modified", "Vary"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("HEAD %s: %s %q, GET's %q", path, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
	}

	res, _ := e.get(t, "/errors/0x80070643")
	req := httptest.NewRequest(http.MethodHead, "/errors/0x80070643", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	if res, _ := e.do(t, req); res.StatusCode != http.StatusNotModified {
		t.Errorf("HEAD with the ETag: %d, want 304", res.StatusCode)
	}
}

// TestMethodNotAllowedSaysWhatIs: a 405 carries Allow (RFC 9110 15.5.6)
// with the methods the path answers, and its problem names them.
func TestMethodNotAllowedSaysWhatIs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct{ method, path, allow string }{
		{http.MethodDelete, "/errors/0x80070643", "GET, HEAD"},
		{http.MethodPut, "/search", "GET, HEAD"},
		{http.MethodGet, "/resolve", "POST"},
		{http.MethodPost, "/cases/seed/en", "GET, HEAD, PUT, PATCH, DELETE"},
		{http.MethodOptions, "/cases", "GET, HEAD, POST"},
	} {
		res, body := e.do(t, httptest.NewRequest(tt.method, tt.path, nil))
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d, Allow %q; want 405, Allow %q", tt.method, tt.path, res.StatusCode, res.Header.Get("Allow"), tt.allow)
		}
		if want := "allowed: " + tt.allow; !strings.Contains(string(body), want) {
			t.Errorf("%s %s: %s; want the problem to say %q", tt.method, tt.path, body, want)
		}
	}
}

// TestIfModifiedSince: lookups and articles carry Last-Modified, so a
// client holding only the date (a proxy, an old cache) revalidates with
// If-Modified-Since and gets 304 when nothing changed since; If-None-Match,
// when sent, decides alone (RFC 9110 13.2.2).
func TestIfModifiedSince(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	for _, path := range []string{"/errors/0x80070643", "/errors/0x80070643?view=brief", "/cases/seed/ja"} {
		res, _ := e.get(t, path)
		lm, err := http.ParseTime(res.Header.Get("Last-Modified"))
		if res.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("GET %s: %d, Last-Modified %q", path, res.StatusCode, res.Header.Get("Last-Modified"))
		}
		date := func(d time.Duration) string { return lm.Add(d).UTC().Format(http.TimeFormat) }
		for _, tt := range []struct {
			name   string
			header []string
			want   int
		}{
			{"the date itself", []string{"If-Modified-Since", date(0)}, http.StatusNotModified},
			{"a later date", []string{"If-Modified-Since", date(time.Hour)}, http.StatusNotModified},
			{"an earlier date", []string{"If-Modified-Since", date(-time.Second)}, http.StatusOK},
			{"not a date", []string{"If-Modified-Since", "yesterday"}, http.StatusOK},
			{"a stale ETag wins over the date", []string{"If-None-Match", `"stale"`, "If-Modified-Since", date(time.Hour)}, http.StatusOK},
			{"a weak ETag matches", []string{"If-None-Match", "W/" + res.Header.Get("ETag")}, http.StatusNotModified},
		} {
			got, body := e.get(t, path, tt.header...)
			if got.StatusCode != tt.want {
				t.Errorf("GET %s with %s: %d, want %d", path, tt.name, got.StatusCode, tt.want)
			}
			if got.StatusCode == http.StatusNotModified {
				if len(body) != 0 || got.Header.Get("ETag") != res.Header.Get("ETag") || got.Header.Get("Last-Modified") != res.Header.Get("Last-Modified") {
					t.Errorf("GET %s with %s: 304 with %d bytes, ETag %q, Last-Modified %q; want no body and the 200's validators",
						path, tt.name, len(body), got.Header.Get("ETag"), got.Header.Get("Last-Modified"))
				}
			}
		}
	}
}

// TestAnswersOnErrdexServer asks the same questions of errdex behind the
// http.Server it runs with (httpserver.New, where a large body is written
// corked) and behind httptest's (plain writes): the bodies and their
// lengths and headers must agree, over one kept-alive connection each.
func TestAnswersOnErrdexServer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	plain := httptest.NewServer(e.handler)
	t.Cleanup(plain.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(e.handler, 0, nil)
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })

	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxConnsPerHost: 1}}
	ask := func(base, method, path, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s %s: reading the body: %v", method, path, err)
		}
		return res, b
	}
	largest := 0
	for _, q := range []struct{ method, path, body string }{
		{http.MethodGet, "/errors/0x80070643", ""},       // the cache
		{http.MethodGet, "/errors/0x80070643", ""},       // a hit
		{http.MethodHead, "/errors/0x80070643", ""},      // no body to send
		{http.MethodGet, "/cases/seed", ""},              // writeConditional
		{http.MethodGet, "/embed/errors/0x80070643", ""}, // a page
		{http.MethodPost, "/resolve", `{"text":"Windows Update failed with 0x80070643 again"}`},
		{http.MethodGet, "/search?q=0x80070643", ""},
	} {
		want, wantBody := ask(plain.URL, q.method, q.path, q.body)
		got, gotBody := ask("http://"+ln.Addr().String(), q.method, q.path, q.body)
		if got.StatusCode != want.StatusCode || got.ContentLength != want.ContentLength || !bytes.Equal(gotBody, wantBody) {
			t.Errorf("%s %s: %d, Content-Length %d, %d bytes; httptest's server: %d, %d, %d bytes",
				q.method, q.path, got.StatusCode, got.ContentLength, len(gotBody), want.StatusCode, want.ContentLength, len(wantBody))
		}
		for _, h := range []string{"Content-Type", "Etag", "Cache-Control", "Content-Language", "Vary"} {
			if got.Header.Get(h) != want.Header.Get(h) {
				t.Errorf("%s %s: %s %q; httptest's server: %q", q.method, q.path, h, got.Header.Get(h), want.Header.Get(h))
			}
		}
		largest = max(largest, len(gotBody))
	}
	if largest < 4<<10 {
		t.Errorf("the largest answer is %d bytes: none is large enough to be written corked", largest)
	}
}
