package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/articles"
	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/importer"
	"github.com/errdex/errdex/internal/markdown"
	"github.com/errdex/errdex/internal/testdb"
)

// chromium is Debian's package, which .ci/run installs.
const chromium = "/usr/bin/chromium"

// artifacts is where the browser test leaves its screenshots (gitignored).
const artifacts = "../testdata/artifacts"

// portalPage is a support portal on another origin that embeds errdex the
// way the README tells portals to, with CSS hostile enough to wreck the
// widget if it leaked into it.
const portalPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Contoso support</title>
<style>
  * { font-family: "Comic Sans MS", cursive !important; color: #c00 !important; }
  pre, code, button { display: none !important; }
  body { font-size: 22px; background: #fff6d5; margin: 24px; }
</style>
<script src="%[1]s/widget.js" defer></script>
</head>
<body>
<h1>Contoso support</h1>
<p>Seen this while updating .NET? Here is what to do:</p>
<div id="dotnet" data-errdex-code="0x80070643" data-lang="en"></div>
<h2>日本語のお客様</h2>
<div id="ja" data-errdex-code="80070643" data-lang="ja"></div>
<h2>Reported by a customer</h2>
<div id="xss" data-errdex-code="0x8007007E" data-lang="en"></div>
<h2>As an iframe</h2>
<iframe id="embed" src="%[1]s/embed/errors/0x80070643?lang=en" title="errdex answer" width="900" height="500" allow="clipboard-write"></iframe>
</body>
</html>`

// widgetState is what the page says about one widget after rendering.
type widgetState struct {
	State      string   `json:"state"`
	Lang       string   `json:"lang"`
	Title      string   `json:"title"`
	Text       string   `json:"text"`
	Causes     []string `json:"causes"`
	Commands   []string `json:"commands"`
	Rollbacks  int      `json:"rollbacks"`
	Buttons    int      `json:"buttons"`
	Dangerous  int      `json:"dangerous"` // script, img, svg, iframe, style elements in the shadow root
	CauseColor string   `json:"causeColor"`
	PreDisplay string   `json:"preDisplay"`
}

const readWidget = `(id => {
  const host = document.getElementById(id);
  const root = host.shadowRoot;
  const all = sel => root ? Array.from(root.querySelectorAll(sel)) : [];
  const cause = all('ol.causes > li')[0];
  const pre = all('pre')[0];
  return {
    state: host.dataset.errdexState || '',
    lang: root && root.querySelector('.errdex') ? root.querySelector('.errdex').lang : '',
    title: all('h2').map(h => h.textContent).join(''),
    text: root ? root.textContent : '',
    causes: all('ol.causes > li').map(li => li.textContent),
    commands: all('pre code').map(c => c.textContent),
    rollbacks: all('.cmd.rollback').length,
    buttons: all('button').length,
    dangerous: all('script, img, svg, iframe, style, object, embed').length,
    causeColor: cause ? getComputedStyle(cause).color : '',
    preDisplay: pre ? getComputedStyle(pre).display : '',
  };
})(%q)`

// TestBrowserPortal loads a portal page that uses widget.js in headless
// Chromium against a running errdex on another origin: the widgets render
// the articles' causes and commands in their shadow roots, untouched by the
// portal's CSS; an article made of script payloads runs none, in the widget
// or on errdex's own pages; a portal errdex does not allow gets nothing.
func TestBrowserPortal(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("browser test skipped: %s is missing (apt-get install chromium; .ci/run installs it)", chromium)
	}
	t.Parallel()

	// Two portals: one allowed by ERRDEX_CORS_ORIGINS, one not. Their
	// listeners exist before errdex is configured; they serve after.
	var errdexURL string
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, portalPage, errdexURL)
	})
	portal, stranger := httptest.NewUnstartedServer(page), httptest.NewUnstartedServer(page)
	portalOrigin := "http://" + portal.Listener.Addr().String()

	st := testdb.Store(t)
	xss, err := os.ReadFile("testdata/xss-0x8007007e.md")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Run(context.Background(), st, []importer.Source{
		{Name: "articles", FS: articles.FS},
		{Name: "test", FS: mapFS(map[string]string{"en/xss-0x8007007e.md": string(xss)})},
	}, importer.Options{})
	if err != nil || rep.Failed > 0 {
		t.Fatalf("import: %v, %d failed", err, rep.Failed)
	}
	cfg := api.DefaultConfig()
	cfg.CORSOrigins = []string{portalOrigin}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv := httptest.NewServer(api.NewServer(cfg, st, logger))
	t.Cleanup(srv.Close)
	errdexURL = srv.URL
	portal.Start()
	stranger.Start()
	t.Cleanup(portal.Close)
	t.Cleanup(stranger.Close)
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx := newBrowser(t)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	poll := func(what, predicate string) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(tctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string, v any) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		raw, err := chromedp.Run(tctx, chromedp.Evaluate[[]byte](expr))
		if err != nil {
			t.Fatalf("evaluate %.60s: %v", expr, err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("evaluate %.60s: %v (%s)", expr, err, raw)
		}
	}
	screenshot := func(name string) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(artifacts, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(path)
		t.Logf("screenshot: %s", abs)
	}
	noScriptRan := func(where string) {
		t.Helper()
		var ran []string
		eval(`Object.keys(window).filter(k => k.startsWith('__xss'))`, &ran)
		if len(ran) > 0 {
			t.Errorf("%s: article script ran: window.%v set", where, ran)
		}
	}

	// The allowed portal.
	run("open the portal", chromedp.Navigate(portal.URL))
	waitWidgets := `['dotnet', 'ja', 'xss'].every(id => { const s = document.getElementById(id).dataset.errdexState; return s && s !== 'loading'; })`
	poll("wait for the widgets", waitWidgets)

	want := bundledArticle(t, "en/dotnet-update-0x80070643.md")
	var dotnet widgetState
	eval(fmt.Sprintf(readWidget, "dotnet"), &dotnet)
	if dotnet.State != "ready" {
		t.Fatalf("dotnet widget state %q, want ready; text %q", dotnet.State, dotnet.Text)
	}
	if dotnet.Title != want.Title || dotnet.Lang != "en" {
		t.Errorf("dotnet widget: title %q lang %q, want %q en", dotnet.Title, dotnet.Lang, want.Title)
	}
	var wantCauses []string
	for _, c := range want.Causes {
		wantCauses = append(wantCauses, c.Text)
	}
	if diff := cmp.Diff(wantCauses, dotnet.Causes); diff != "" {
		t.Errorf("widget causes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(commandsOf(want), dotnet.Commands); diff != "" {
		t.Errorf("widget commands (-want +got):\n%s", diff)
	}
	if dotnet.Rollbacks == 0 || dotnet.Buttons != len(dotnet.Commands) {
		t.Errorf("widget: %d rollback blocks, %d copy buttons for %d commands", dotnet.Rollbacks, dotnet.Buttons, len(dotnet.Commands))
	}
	// The portal's "* { color: #c00 !important }" and "pre { display: none }"
	// stop at the shadow root.
	if dotnet.CauseColor == "rgb(204, 0, 0)" || dotnet.PreDisplay != "block" {
		t.Errorf("portal CSS leaked into the widget: cause color %s, pre display %s", dotnet.CauseColor, dotnet.PreDisplay)
	}

	var ja widgetState
	eval(fmt.Sprintf(readWidget, "ja"), &ja)
	wantJA := bundledArticle(t, "ja/dotnet-update-0x80070643.md")
	if ja.State != "ready" || ja.Lang != "ja" || ja.Title != wantJA.Title || !strings.Contains(ja.Text, "よくある原因") {
		t.Errorf("ja widget: state %q lang %q title %q, want ready ja %q with Japanese labels", ja.State, ja.Lang, ja.Title, wantJA.Title)
	}

	var xssWidget widgetState
	eval(fmt.Sprintf(readWidget, "xss"), &xssWidget)
	if xssWidget.State != "ready" || !strings.Contains(xssWidget.Title, `<script>window.__xss=1</script>`) ||
		!strings.Contains(xssWidget.Text, `<img src=x onerror="window.__xss=8">`) {
		t.Errorf("xss widget: state %q, title %q: want the payloads shown as text", xssWidget.State, xssWidget.Title)
	}
	if xssWidget.Dangerous != 0 {
		t.Errorf("xss widget: %d script/img/svg/iframe/style elements in the shadow root, want 0", xssWidget.Dangerous)
	}

	// The iframe: /embed allows any ancestor by default, so it renders.
	// It is same-site (127.0.0.1), so it runs in the page's process and
	// FromNode reaches into it.
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	iframes, err := chromedp.Run(tctx, chromedp.Nodes(chromedp.CSS("#embed")))
	var framed string
	if err == nil {
		framed, err = chromedp.Run(tctx, chromedp.TextContent(chromedp.CSS("h2"), chromedp.FromNode(iframes[0])))
	}
	cancel()
	if err != nil {
		t.Errorf("embed iframe: %v", err)
	} else if framed != want.Title {
		t.Errorf("embed iframe shows %q, want %q", framed, want.Title)
	}
	time.Sleep(300 * time.Millisecond) // time for any injected onerror to fire
	noScriptRan("portal")
	screenshot("portal-widget.png")

	// A portal errdex does not list: the browser withholds the answer.
	run("open the other portal", chromedp.Navigate(stranger.URL))
	poll("wait for its widgets", waitWidgets)
	var refused widgetState
	eval(fmt.Sprintf(readWidget, "dotnet"), &refused)
	if refused.State != "error" || len(refused.Causes) != 0 {
		t.Errorf("widget on a portal not in CORSOrigins: state %q, %d causes; want error and none", refused.State, len(refused.Causes))
	}

	// errdex's own page for the XSS article, as a browser link opens it.
	run("open the lookup page", chromedp.Navigate(srv.URL+"/errors/0x8007007e"))
	// copy.js unhides the copy buttons: it ran under the CSP, with SRI.
	poll("wait for the copy script", `document.querySelector('button.copy:not([hidden])') !== null`)
	var lookupPage struct {
		Lang    string `json:"lang"`
		Title   string `json:"title"`
		Badge   string `json:"badge"`
		Scripts int    `json:"scripts"`
	}
	eval(`({lang: document.documentElement.lang, title: document.querySelector('h2').textContent,
	        badge: getComputedStyle(document.querySelector('.badge')).backgroundColor,
	        scripts: document.scripts.length})`, &lookupPage)
	if lookupPage.Lang != "en" || !strings.HasPrefix(lookupPage.Title, `<script>window.__xss=1</script>`) || lookupPage.Scripts != 1 {
		t.Errorf("lookup page: lang %q, h2 %q, %d scripts; want en, the payload as text, 1 script", lookupPage.Lang, lookupPage.Title, lookupPage.Scripts)
	}
	if lookupPage.Badge == "" || lookupPage.Badge == "rgba(0, 0, 0, 0)" {
		t.Errorf("lookup page: urgency badge has no background (%q): stylesheet not applied", lookupPage.Badge)
	}
	time.Sleep(300 * time.Millisecond)
	noScriptRan("lookup page")
	screenshot("lookup-xss.png")

	// The embed page on its own (the full-page screenshot above leaves the
	// iframe, below the viewport, unpainted).
	run("open the embed page", chromedp.Navigate(srv.URL+"/embed/errors/0x80070643?lang=en"))
	poll("wait for the embed's copy script", `document.querySelector('button.copy:not([hidden])') !== null`)
	screenshot("embed.png")

	run("open the Japanese page", chromedp.Navigate(srv.URL+"/errors/0x80070643?lang=ja"))
	var htmlLang string
	eval(`document.documentElement.lang`, &htmlLang)
	if htmlLang != "ja" {
		t.Errorf("<html lang> = %q, want ja", htmlLang)
	}
	screenshot("lookup-ja.png")

	// /docs: Redoc draws openapi.yaml under its CSP.
	run("open the docs", chromedp.Navigate(srv.URL+"/docs"))
	poll("wait for Redoc", `Array.from(document.querySelectorAll('h1')).some(h => h.textContent.includes('errdex'))`)
	screenshot("docs.png")

	for _, m := range consoleMessages(ctx) {
		// Redoc's footer fetches its vendor's logo from cdn.redoc.ly; the
		// policy keeps that request in, and the logo hides itself.
		if strings.Contains(m, "Content Security Policy") && !strings.Contains(m, "https://cdn.redoc.ly/") {
			t.Errorf("console: %s", m)
		}
	}
}

// newBrowser starts headless Chromium for t and returns its tab's context.
// Console messages are collected for consoleMessages.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 1400),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		cancel()
		cancelAlloc()
		t.Fatalf("start %s: %v", chromium, err)
	}
	c := &console{}
	messages := chromedp.Console(ctx)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for m, err := range messages {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.lines = append(c.lines, m.URL+": "+m.String())
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		c.wg.Wait()
	})
	return context.WithValue(ctx, consoleKey{}, c)
}

type consoleKey struct{}

type console struct {
	mu    sync.Mutex
	lines []string
	wg    sync.WaitGroup
}

func consoleMessages(ctx context.Context) []string {
	c := ctx.Value(consoleKey{}).(*console)
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

func bundledArticle(t *testing.T, name string) *article.Article {
	t.Helper()
	data, err := articles.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := markdown.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// commandsOf lists the commands the widget shows: checks, fix, detailed steps.
func commandsOf(a *article.Article) []string {
	var out []string
	var walk func([]article.Step)
	walk = func(steps []article.Step) {
		for _, s := range steps {
			for _, c := range s.Commands {
				out = append(out, strings.TrimRight(c.Code, "\n"))
			}
			walk(s.Substeps)
		}
	}
	walk(a.Checks)
	walk(a.Fix)
	walk(a.DetailedSteps)
	return out
}
