package api_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/errdex/errdex"
	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/testdb"
)

func init() {
	// Pages, scripts and stylesheets are plain strings to the contract.
	for _, ct := range []string{"text/html", "text/javascript", "text/css"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// A browser's Accept on a navigation, and an API client's.
const (
	acceptBrowser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	acceptJSON    = "application/json"
)

// newPortalEnv is newEnv with a changed configuration.
func newPortalEnv(t *testing.T, configure func(*api.Config)) *env {
	t.Helper()
	st := testdb.Store(t)
	cfg := api.DefaultConfig()
	configure(&cfg)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	return &env{store: st, handler: api.NewServer(cfg, st, logger)}
}

// portalFiles are the bundled .NET update case in en and ja, and an
// article whose every field tries to run script.
func portalFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for name, path := range map[string]string{
		"en/dotnet-update-0x80070643.md": "../articles/en/dotnet-update-0x80070643.md",
		"ja/dotnet-update-0x80070643.md": "../articles/ja/dotnet-update-0x80070643.md",
		"en/xss-0x8007007e.md":           "testdata/xss-0x8007007e.md",
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	return files
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := newPortalEnv(t, func(c *api.Config) {
		c.CORSOrigins = []string{"https://portal.example", "https://*.support.example"}
	})
	off := newEnv(t) // no origins configured
	tests := []struct {
		name      string
		env       *env
		origin    string
		wantAllow string
	}{
		{"allowed origin", e, "https://portal.example", "https://portal.example"},
		{"wildcard origin", e, "https://help.support.example", "https://help.support.example"},
		{"disallowed origin", e, "https://evil.example", ""},
		{"look-alike origin", e, "https://portal.example.evil.example", ""},
		{"no origin", e, "", ""},
		{"cors off", off, "https://portal.example", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := []string{"Accept", acceptJSON}
			if tt.origin != "" {
				header = append(header, "Origin", tt.origin)
			}
			res, body := tt.env.get(t, "/errors/0x80070643", header...)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", res.StatusCode, body)
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantAllow)
			}
			exposed := strings.ToLower(res.Header.Get("Access-Control-Expose-Headers"))
			if tt.wantAllow == "" {
				if exposed != "" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("a refused origin got CORS headers: %v", res.Header)
				}
				return
			}
			for _, h := range []string{"etag", "content-language", "ratelimit-remaining", "x-request-id"} {
				if !strings.Contains(exposed, h) {
					t.Errorf("Access-Control-Expose-Headers = %q, want it to list %s", exposed, h)
				}
			}
			// A shared cache must not hand origin A's answer to origin B, nor
			// JSON to a browser: the handler's own Vary must not drop ours.
			for _, v := range []string{"Origin", "Accept", "Accept-Language"} {
				if !varies(res.Header, v) {
					t.Errorf("Vary = %q, want it to list %s", res.Header.Values("Vary"), v)
				}
			}
		})
	}
}

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// Preflights are part of the CORS protocol, not of the API, so they go
// around the contract check.
func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	e := newPortalEnv(t, func(c *api.Config) { c.CORSOrigins = []string{"https://portal.example"} })
	tests := []struct {
		name, origin, method, headers string
		wantAllow                     bool
	}{
		{"resolve from the portal", "https://portal.example", "POST", "content-type", true},
		{"revalidating a lookup", "https://portal.example", "GET", "if-none-match, accept-language", true},
		{"another origin", "https://evil.example", "POST", "content-type", false},
		{"a write method", "https://portal.example", "PUT", "content-type", false},
		{"an editor token", "https://portal.example", "GET", "authorization", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodOptions, "/resolve", nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", tt.method)
			req.Header.Set("Access-Control-Request-Headers", tt.headers)
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Errorf("status %d, want 200", rec.Code)
			}
			got := rec.Header().Get("Access-Control-Allow-Origin")
			if !tt.wantAllow {
				if got != "" {
					t.Errorf("Access-Control-Allow-Origin = %q, want none", got)
				}
				return
			}
			want := map[string]string{
				"Access-Control-Allow-Origin":  tt.origin,
				"Access-Control-Allow-Methods": tt.method,
				"Access-Control-Allow-Headers": tt.headers,
				"Access-Control-Max-Age":       "600",
			}
			for k, v := range want {
				if got := rec.Header().Get(k); !strings.EqualFold(got, v) {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestParseOrigins(t *testing.T) {
	t.Parallel()
	got, err := api.ParseOrigins(" https://Portal.example, http://127.0.0.1:8081 https://*.support.example,*")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://portal.example", "http://127.0.0.1:8081", "https://*.support.example", "*"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseOrigins (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"https://portal.example/", "portal.example", "ftp://portal.example", "https://a.*.*.example", "https://u@portal.example"} {
		if _, err := api.ParseOrigins(bad); err == nil {
			t.Errorf("ParseOrigins(%q) accepted it", bad)
		}
	}
	if _, err := api.ParseFrameAncestors("'self' https://*.portal.example, https:"); err != nil {
		t.Errorf("ParseFrameAncestors: %v", err)
	}
	for _, bad := range []string{"https://a.example; script-src *", "'unsafe-inline'"} {
		if _, err := api.ParseFrameAncestors(bad); err == nil {
			t.Errorf("ParseFrameAncestors(%q) accepted it", bad)
		}
	}
}

// TestLookupNegotiation: JSON unless text/html is preferred.
func TestLookupNegotiation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, portalFiles(t))
	tests := []struct {
		accept string
		want   string
	}{
		{"", "application/json"},
		{"*/*", "application/json"},
		{acceptJSON, "application/json"},
		{"text/html, application/json", "application/json"},
		{"text/html;q=0.5, application/json", "application/json"},
		{"application/json;q=0.5, text/html", "text/html; charset=utf-8"},
		{"text/*", "text/html; charset=utf-8"},
		{acceptBrowser, "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			res, body := e.get(t, "/errors/0x80070643?lang=en", "Accept", tt.accept)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d; body %.300s", res.StatusCode, body)
			}
			if got := res.Header.Get("Content-Type"); got != tt.want {
				t.Errorf("Content-Type = %q, want %q", got, tt.want)
			}
			if !varies(res.Header, "Accept") {
				t.Errorf("Vary = %q, want it to list Accept", res.Header.Values("Vary"))
			}
		})
	}
}

func TestLookupPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, portalFiles(t))

	res, body := e.get(t, "/errors/0x80070643?lang=en", "Accept", acceptBrowser)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d; body %.300s", res.StatusCode, body)
	}
	page := string(body)
	checkPageHeaders(t, res, "'none'")
	if got := res.Header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q, want DENY", got)
	}
	for _, want := range []string{
		`<html lang="en">`,
		`<h2 id="a1-title">.NET update fails to install with error 0x80070643</h2>`,
		`<span class="badge urgency-medium">Urgency: Medium</span>`,
		`<li value="1">Missing ownership or ACL entries on the folders the installer writes to`,
		`<code>whoami /groups &amp; whoami /priv</code>`, // commands escaped, verbatim
		`class="copy" data-copy=`,
		`<figure class="command rollback">`,
		`<span class="rollback-badge">↩ Rollback</span>`,
		`<aside class="warning" role="note" aria-label="Warning">⚠ Warning: Disable Defender/EDR`,
		`<a href="https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/icacls" rel="noopener noreferrer" target="_blank">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	checkSafeHTML(t, body)

	// The reader's language, from Accept-Language as for JSON.
	res, body = e.get(t, "/errors/0x80070643", "Accept", acceptBrowser, "Accept-Language", "ja-JP,ja;q=0.9,en;q=0.5")
	if !bytes.Contains(body, []byte(`<html lang="ja">`)) || res.Header.Get("Content-Language") != "ja" {
		t.Errorf("Accept-Language ja: Content-Language %q; page %.200s", res.Header.Get("Content-Language"), body)
	}
	if !bytes.Contains(body, []byte(`<span class="badge urgency-medium">緊急度: 中</span>`)) {
		t.Errorf("ja page lacks the Japanese urgency badge")
	}

	// A code without an article still gets a page, with its decode.
	res, body = e.get(t, "/errors/0x80070002", "Accept", acceptBrowser)
	if res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("ERROR_FILE_NOT_FOUND")) {
		t.Errorf("unanswered code: status %d, page %.500s", res.StatusCode, body)
	}
}

// TestLookupPageEscapesArticles: an article whose title, summary, causes,
// steps and lists carry script, event handlers and javascript: links
// renders as inert text.
func TestLookupPageEscapesArticles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, portalFiles(t))
	for _, target := range []string{"/errors/0x8007007e", "/embed/errors/0x8007007e"} {
		res, body := e.get(t, target, "Accept", acceptBrowser)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", target, res.StatusCode)
		}
		checkSafeHTML(t, body)
		for _, want := range []string{
			"&lt;script&gt;window.__xss=1&lt;/script&gt; Module not found", // the title, shown as written
			"&lt;script&gt;window.__xss=7&lt;/script&gt;",                  // a cause that is nothing but a script tag
			"The &lt;file name from CBS.log&gt; placeholder stays visible", // raw HTML is text, not dropped
			"<code>echo &#34;&lt;script&gt;window.__xss=9&lt;/script&gt;&#34;</code>",
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("%s lacks %s", target, want)
			}
		}
	}
}

// checkSafeHTML parses a page as a browser would and fails on any script
// but our own copy script, any event-handler attribute and any
// javascript: URL.
func checkSafeHTML(t *testing.T, body []byte) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	scripts := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script":
				scripts++
				if src := attr(n, "src"); !strings.HasPrefix(src, "/assets/copy.") || attr(n, "integrity") == "" {
					t.Errorf("unexpected script element: src %q", src)
				}
			case "iframe", "img", "svg", "object", "embed", "style", "form", "base":
				if n.Data != "base" || attr(n, "href") != "" {
					t.Errorf("unexpected <%s> element", n.Data)
				}
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("<%s> has event handler %s=%q", n.Data, a.Key, a.Val)
				}
				if v := strings.ToLower(strings.TrimSpace(a.Val)); (a.Key == "href" || a.Key == "src") && strings.HasPrefix(v, "javascript:") {
					t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 {
		t.Errorf("%d script elements, want 1 (the copy script)", scripts)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// checkPageHeaders checks the policy every lookup page carries.
func checkPageHeaders(t *testing.T, res *http.Response, frameAncestors string) {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "base-uri 'none'",
		"object-src 'none'", "frame-ancestors " + frameAncestors} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline script or eval", csp)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
}

func TestEmbedPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, portalFiles(t))
	res, body := e.get(t, "/embed/errors/0x80070643?lang=ja")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d; body %.300s", res.StatusCode, body)
	}
	checkPageHeaders(t, res, "*")
	if got := res.Header.Get("X-Frame-Options"); got != "" {
		t.Errorf("X-Frame-Options = %q on an embed page", got)
	}
	for _, want := range []string{`<html lang="ja">`, `<base target="_blank">`, `<body class="embed">`,
		`<a href="/errors/0x80070643?lang=ja">詳しい回答を開く</a>`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("embed page lacks %s", want)
		}
	}

	// Errors are pages too: an iframe cannot show JSON.
	res, body = e.get(t, "/embed/errors/hello")
	if res.StatusCode != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(body, []byte("<h1>400 Bad Request</h1>")) {
		t.Errorf("invalid code: status %d, %s, page %.300s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}

	// Framing is limited to the configured portals.
	limited := newPortalEnv(t, func(c *api.Config) { c.FrameAncestors = []string{"https://portal.example", "'self'"} })
	res, _ = limited.get(t, "/embed/errors/0x80070643")
	checkPageHeaders(t, res, "https://portal.example 'self'")
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	res, body := e.get(t, "/widget.js")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("widget.js: status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if bytes.Contains(body, []byte("innerHTML")) || bytes.Contains(body, []byte("insertAdjacentHTML")) {
		t.Errorf("widget.js uses an HTML sink; article text must only go through textContent")
	}
	if got := res.Header.Get("Cross-Origin-Resource-Policy"); got != "cross-origin" {
		t.Errorf("widget.js Cross-Origin-Resource-Policy = %q", got)
	}
	checkRevalidation(t, e, "/widget.js", res, "public, max-age=3600, stale-while-revalidate=86400")
	widgetETag := res.Header.Get("ETag")

	res, body = e.get(t, "/openapi.yaml")
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, errdex.OpenAPI) {
		t.Errorf("openapi.yaml: status %d, %d bytes, want the %d of openapi.yaml", res.StatusCode, len(body), len(errdex.OpenAPI))
	}
	checkRevalidation(t, e, "/openapi.yaml", res, "public, max-age=3600, stale-while-revalidate=86400")

	res, body = e.get(t, "/docs")
	if res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`<redoc spec-url="/openapi.yaml" disable-telemetry="true">`)) {
		t.Fatalf("docs: status %d, page %.500s", res.StatusCode, body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("docs Content-Security-Policy = %q", csp)
	}
	checkRevalidation(t, e, "/docs", res, "public, max-age=3600, stale-while-revalidate=86400")

	// Subresources: content-hashed names with SRI, cached for good.
	_, page := e.get(t, "/embed/errors/0x80070643")
	refs := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)" integrity="([^"]+)"`).FindAllStringSubmatch(string(page)+string(body), -1)
	if len(refs) != 3 {
		t.Fatalf("found %d hashed subresources (css, copy.js, redoc), want 3", len(refs))
	}
	for _, ref := range refs {
		res, body := e.get(t, ref[1])
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", ref[1], res.StatusCode)
			continue
		}
		sum := sha256.Sum256(body)
		if got := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); got != html.UnescapeString(ref[2]) {
			t.Errorf("%s: integrity %s, page says %s", ref[1], got, ref[2])
		}
		checkRevalidation(t, e, ref[1], res, "public, max-age=31536000, immutable")
	}
	res, _ = e.get(t, "/assets/copy.js") // only hashed names exist
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/assets/copy.js: status %d, want 404", res.StatusCode)
	}

	// gzip for those who take it, under its own ETag.
	req := httptest.NewRequest(http.MethodGet, "/widget.js", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("ETag") == widgetETag {
		t.Fatalf("gzip: Content-Encoding %q, ETag %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("ETag"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if _, widget := e.get(t, "/widget.js"); !bytes.Equal(plain, widget) {
		t.Errorf("gzipped widget.js differs from the plain one")
	}
}

// checkRevalidation checks an asset's caching headers and that its ETag
// gets a 304.
func checkRevalidation(t *testing.T, e *env, target string, res *http.Response, cacheControl string) {
	t.Helper()
	etag := res.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{64}"$`).MatchString(etag) {
		t.Errorf("%s: ETag %q, want a strong content hash", target, etag)
	}
	if got := res.Header.Get("Cache-Control"); got != cacheControl {
		t.Errorf("%s: Cache-Control %q, want %q", target, got, cacheControl)
	}
	again, body := e.get(t, target, "If-None-Match", etag)
	if again.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("%s with If-None-Match: status %d, %d bytes; want 304", target, again.StatusCode, len(body))
	}
}
