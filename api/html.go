package api

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/errcode"
	"github.com/errdex/errdex/internal/lookup"
)

// The HTML face of a lookup: GET /errors/{code} for clients that prefer
// text/html (a browser following a link) and GET /embed/errors/{code} for
// portals' iframes. Everything from an article is either escaped by
// html/template (titles, commands) or markdown rendered without raw HTML and
// then sanitized (prose), and the pages run no inline script under a strict
// Content-Security-Policy.

//go:embed web/templates/*.html web/static
var webFS embed.FS

// prefersHTML reports whether the Accept header lines prefer text/html to
// application/json (negotiation.wantsHTML).
func prefersHTML(accept []string) bool {
	return acceptQuality(accept, "text", "html") > acceptQuality(accept, "application", "json")
}

// acceptQuality is the q an Accept header gives typ/sub: that of the most
// specific range matching it (RFC 9110 §12.5.1), 0 when none does.
func acceptQuality(accept []string, typ, sub string) float64 {
	best, bestSpecificity := 0.0, -1
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			t, s, _ := strings.Cut(mt, "/")
			specificity := 0
			switch {
			case t == typ && s == sub:
				specificity = 2
			case t == typ && s == "*":
				specificity = 1
			case t == "*" && s == "*":
			default:
				continue
			}
			if specificity <= bestSpecificity {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
					q = 0
				}
			}
			best, bestSpecificity = q, specificity
		}
	}
	return best
}

// writeLookupHTML answers a lookup as a standalone page. handleLookup calls
// it before its response cache, which holds JSON only.
func (s *Server) writeLookupHTML(w http.ResponseWriter, r *http.Request, req lookupRequest) {
	s.writeLookupPage(w, r, req, false)
}

// handleEmbedLookup answers GET /embed/errors/{code}: the lookup page made
// for an iframe. Its errors are pages too, since nobody reads JSON there.
func (s *Server) handleEmbedLookup(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseLookup(r)
	if err != nil {
		s.writeHTMLError(w, r, err)
		return
	}
	s.writeLookupPage(w, r, req, true)
}

func (s *Server) writeLookupPage(w http.ResponseWriter, r *http.Request, req lookupRequest, embed bool) {
	res, err := s.lookup.Lookup(r.Context(), req.code, req.prefs.list)
	if err != nil {
		if embed {
			s.writeHTMLError(w, r, err)
		} else {
			s.writeError(w, r, err)
		}
		return
	}
	s.writeHTML(w, r, http.StatusOK, embed, newLookupPage(res, r.URL.Query().Get("lang"), embed))
}

// writeHTMLError is writeError as an embed page: the kind's status and
// safe message, a generic one for the unexpected, logged the same way.
func (s *Server) writeHTMLError(w http.ResponseWriter, r *http.Request, err error) {
	kind := article.KindOf(err)
	status := problemTypes[kind].status
	reqID := requestID(r.Context())
	p := &errorPage{Status: status, Title: http.StatusText(status), RequestID: reqID}
	var de *article.Error
	if errors.As(err, &de) && kind != article.KindInternal {
		p.Detail = de.Message
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	s.logger.LogAttrs(r.Context(), level, "request failed",
		slog.String("request_id", reqID), slog.Int("status", status), slog.Any("err", err))
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	s.writeHTML(w, r, status, true, &lookupPage{Lang: "en", Embed: true, Error: p})
}

// writeHTML renders page with the security headers every errdex page has;
// embed pages may be framed by cfg.FrameAncestors, the others by nobody.
func (s *Server) writeHTML(w http.ResponseWriter, r *http.Request, status int, embed bool, page *lookupPage) {
	page.CSS, page.Script = assets.ref("errdex.css"), assets.ref("copy.js")
	var buf bytes.Buffer
	if err := pageTemplates[uiLang(page.Lang)].ExecuteTemplate(&buf, "lookup.html", page); err != nil {
		s.writeError(w, r, fmt.Errorf("render lookup page: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	addVary(h, "Accept", "Accept-Language")
	ancestors := "'none'"
	if embed {
		ancestors = "*"
		if len(s.cfg.FrameAncestors) > 0 {
			ancestors = cspSourceList(s.cfg.FrameAncestors)
		}
	} else {
		h.Set("X-Frame-Options", "DENY")
	}
	h.Set("Content-Security-Policy", pageCSP+"; frame-ancestors "+ancestors)
	if page.Lang != "" {
		h.Set("Content-Language", page.Lang)
	}
	if status != http.StatusOK {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

// pageCSP allows the page's own stylesheet and copy script and nothing
// else: no inline script or style, no plugins, no forms, no base
// rewriting, and DOM sinks only through Trusted Types (the script uses none).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'none'; object-src 'none'; require-trusted-types-for 'script'"

// cspSourceList joins configured CSP sources, dropping any that could end
// the directive or smuggle in another (';', ',', quotes other than the
// keywords); nothing left means 'none'.
func cspSourceList(sources []string) string {
	var ok []string
	for _, src := range sources {
		src = strings.TrimSpace(src)
		switch {
		case src == "":
		case src == "'self'" || src == "'none'":
			ok = append(ok, src)
		case strings.ContainsAny(src, ";,'\" \t\r\n"):
		default:
			ok = append(ok, src)
		}
	}
	if len(ok) == 0 {
		return "'none'"
	}
	return strings.Join(ok, " ")
}

// lookupPage is what lookup.html renders.
type lookupPage struct {
	Lang     string
	Embed    bool
	Code     string
	Decoded  errcode.Decoded
	Articles []htmlArticle
	FullURL  string // the standalone page, linked from the embed
	Error    *errorPage
	CSS      assetRef
	Script   assetRef
}

type errorPage struct {
	Status    int
	Title     string
	Detail    string
	RequestID string
}

type htmlArticle struct {
	ID             string // element id prefix, unique in the page
	Lang           string
	Title          string
	ErrorText      string
	Match          string
	MatchedCode    string
	UpdatedAt      time.Time
	Condition      template.HTML
	Impact         template.HTML
	UrgencyLevel   string
	UrgencyReason  template.HTML
	SummaryNotes   []template.HTML
	Causes         []htmlCause
	Checks         []htmlStep
	Fix            []htmlStep
	PermanentFixes []template.HTML
	DetailedSteps  []htmlStep
	Warnings       []template.HTML
	Pitfalls       []template.HTML
	Checklist      []template.HTML
	Related        []template.HTML
	References     []htmlReference
}

type htmlCause struct {
	Rank int
	Text template.HTML
}

type htmlStep struct {
	Text     template.HTML
	Commands []htmlCommand
	Substeps []htmlStep
	Warnings []template.HTML
}

type htmlCommand struct {
	ID       string
	Shell    string
	Code     string // escaped by the template, never rendered as markdown
	Label    template.HTML
	Rollback bool
}

type htmlReference struct {
	URL   string
	Title string
}

func newLookupPage(res *lookup.Result, explicitLang string, embed bool) *lookupPage {
	p := &lookupPage{Lang: res.Lang, Embed: embed, Code: res.Code, Decoded: res.Decoded}
	if p.Lang == "" || !lookup.ValidLang(p.Lang) {
		p.Lang = "en"
	}
	q := url.Values{}
	if explicitLang != "" {
		q.Set("lang", explicitLang)
	}
	p.FullURL = "/errors/" + url.PathEscape(res.Code)
	if len(q) > 0 {
		p.FullURL += "?" + q.Encode()
	}
	ids := 0
	for i, m := range res.Articles {
		p.Articles = append(p.Articles, newHTMLArticle(m, fmt.Sprintf("a%d", i+1), &ids))
	}
	return p
}

func newHTMLArticle(m lookup.ArticleMatch, id string, ids *int) htmlArticle {
	a := m.Article
	out := htmlArticle{
		ID: id, Lang: a.Lang, Title: a.Title, ErrorText: a.ErrorText,
		Match: m.Match, MatchedCode: m.MatchedCode, UpdatedAt: a.UpdatedAt,
		Condition:     markdownHTML(a.Summary.Condition.Text),
		Impact:        markdownHTML(a.Summary.Impact.Text),
		UrgencyLevel:  a.Summary.Urgency.Level,
		UrgencyReason: markdownHTML(a.Summary.Urgency.Reason),
		SummaryNotes:  markdownList(a.Summary.Notes),
	}
	for _, c := range a.Causes {
		out.Causes = append(out.Causes, htmlCause{Rank: c.Rank, Text: markdownHTML(c.Text)})
	}
	steps := func(in []article.Step) []htmlStep { return htmlSteps(in, id, ids) }
	out.Checks, out.Fix, out.DetailedSteps = steps(a.Checks), steps(a.Fix), steps(a.DetailedSteps)
	out.PermanentFixes = markdownList(a.PermanentFixes)
	out.Warnings = markdownList(a.Warnings)
	out.Pitfalls = markdownList(a.Pitfalls)
	out.Checklist = markdownList(a.Checklist)
	for _, rel := range a.Related {
		out.Related = append(out.Related, markdownHTML(rel.Text))
	}
	for _, ref := range a.References {
		// Only web links: html/template would neutralize javascript:, but a
		// file: or custom-scheme link has no place in an answer either.
		if u, err := url.Parse(ref.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			out.References = append(out.References, htmlReference{URL: ref.URL, Title: ref.Title})
		}
	}
	return out
}

func htmlSteps(in []article.Step, prefix string, ids *int) []htmlStep {
	out := make([]htmlStep, 0, len(in))
	for _, st := range in {
		hs := htmlStep{Text: markdownHTML(st.Text), Warnings: markdownList(st.Warnings)}
		for _, c := range st.Commands {
			*ids++
			hs.Commands = append(hs.Commands, htmlCommand{
				ID: fmt.Sprintf("%s-cmd%d", prefix, *ids), Shell: c.Shell, Code: strings.TrimRight(c.Code, "\n"),
				Label: markdownHTML(c.Label), Rollback: c.Rollback,
			})
		}
		hs.Substeps = htmlSteps(st.Substeps, prefix, ids)
		out = append(out, hs)
	}
	return out
}

func markdownList(in []string) []template.HTML {
	out := make([]template.HTML, 0, len(in))
	for _, s := range in {
		out = append(out, markdownHTML(s))
	}
	return out
}

// Article prose is markdown. goldmark renders it in its safe mode, with raw
// HTML shown as text rather than dropped (a "<file name>" placeholder is
// content, not markup); bluemonday's user-content policy then strips
// whatever markup a renderer bug might ever let through.
var (
	proseRenderer = goldmark.New(goldmark.WithRendererOptions(
		renderer.WithNodeRenderers(util.Prioritized(rawHTMLAsText{}, 100)), // before goldmark's own (1000)
	))
	sanitizer = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
)

// markdownHTML renders one article field. A lone paragraph is unwrapped so
// the text sits in its list item or definition like plain prose.
func markdownHTML(src string) template.HTML {
	if src == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := proseRenderer.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	out := strings.TrimSpace(sanitizer.Sanitize(buf.String()))
	if strings.HasPrefix(out, "<p>") && strings.HasSuffix(out, "</p>") && strings.Count(out, "<p>") == 1 {
		out = out[len("<p>") : len(out)-len("</p>")]
	}
	return template.HTML(out) // sanitized above
}

// rawHTMLAsText renders raw HTML, inline or as a block, as escaped text.
type rawHTMLAsText struct{}

func (rawHTMLAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				template.HTMLEscape(w, seg.Value(source))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		b := n.(*ast.HTMLBlock)
		if !entering {
			return ast.WalkContinue, nil
		}
		w.WriteString("<p>") //nolint:errcheck // a bytes buffer
		lines := b.Lines()
		for i := 0; i < lines.Len(); i++ {
			line := lines.At(i)
			template.HTMLEscape(w, line.Value(source))
		}
		if b.HasClosure() {
			template.HTMLEscape(w, b.ClosureLine.Value(source))
		}
		w.WriteString("</p>\n") //nolint:errcheck // a bytes buffer
		return ast.WalkSkipChildren, nil
	})
}

// uiLang picks the page's interface language: Japanese for ja pages,
// English for everything else.
func uiLang(lang string) string {
	if base, _, _ := strings.Cut(strings.ToLower(lang), "-"); base == "ja" {
		return "ja"
	}
	return "en"
}

// listSection is an article's section of plain items (permanent fixes,
// pitfalls, checklist, related cases), as lookup.html's "list" shows it.
type listSection struct {
	ArticleID, Key string
	Items          any
}

// pageTemplates holds lookup.html parsed once per interface language, its
// "t" function bound to that language's labels.
var pageTemplates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for lang, labels := range uiLabels {
		funcs := template.FuncMap{
			"t": func(key string) string {
				if s, ok := labels[key]; ok {
					return s
				}
				panic("lookup.html: no label " + key)
			},
			"urgency": func(level string) string {
				if s, ok := labels["urgency."+level]; ok {
					return s
				}
				return labels["urgency.unknown"]
			},
			"date": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
			// list gives the "list" template a section of plain items.
			"list": func(articleID, key string, items any) listSection { return listSection{articleID, key, items} },
		}
		out[lang] = template.Must(template.New("").Funcs(funcs).ParseFS(webFS, "web/templates/lookup.html"))
	}
	return out
}()

// uiLabels are the pages' own words; article text comes as written.
var uiLabels = map[string]map[string]string{
	"en": {
		"summary": "Summary", "condition": "Condition", "impact": "Impact", "urgency": "Urgency", "urgencyReason": "Why this urgency",
		"urgency.critical": "Critical", "urgency.high": "High", "urgency.medium": "Medium", "urgency.low": "Low",
		"urgency.unknown": "Not rated",
		"causes":          "Likely causes (most likely first)", "checks": "60-second checks", "fix": "5-minute fix",
		"permanent": "Permanent fix", "detailed": "Detailed steps", "warning": "Warning",
		"pitfalls": "Common pitfalls", "checklist": "Prevention checklist", "related": "Related cases",
		"references": "References", "rollback": "Rollback", "command": "Command",
		"copy": "Copy", "copied": "Copied", "selected": "Selected: press Ctrl+C",
		"kind": "Kind", "name": "Name", "facility": "Facility", "win32": "Win32 error",
		"updated": "Updated", "equivalent": "Filed under the equivalent code",
		"none":     "No article covers this code yet. Here is what the code itself says.",
		"openFull": "Open the full answer", "answers": "Answers",
	},
	"ja": {
		"summary": "要約", "condition": "発生条件", "impact": "影響", "urgency": "緊急度", "urgencyReason": "緊急度の理由",
		"urgency.critical": "緊急", "urgency.high": "高", "urgency.medium": "中", "urgency.low": "低",
		"urgency.unknown": "未評価",
		"causes":          "よくある原因（可能性の高い順）", "checks": "60秒で確認", "fix": "5分で解決",
		"permanent": "根本対策", "detailed": "詳細手順", "warning": "注意",
		"pitfalls": "よくある落とし穴", "checklist": "再発防止チェックリスト", "related": "関連ケース",
		"references": "参考", "rollback": "ロールバック", "command": "コマンド",
		"copy": "コピー", "copied": "コピーしました", "selected": "選択しました（Ctrl+C でコピー）",
		"kind": "種類", "name": "名前", "facility": "ファシリティ", "win32": "Win32 エラー",
		"updated": "更新日", "equivalent": "同等のコードで登録",
		"none":     "このコードを扱う記事はまだありません。コード自体の解析結果を示します。",
		"openFull": "詳しい回答を開く", "answers": "回答",
	},
}
