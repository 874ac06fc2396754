package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/errdex/errdex"
	"github.com/errdex/errdex/internal/article"
)

// Static assets: widget.js, /docs with its Redoc bundle, /openapi.yaml, and
// the lookup pages' stylesheet and copy script. All are embedded and hashed
// once at start, so each has a strong ETag; page subresources are served
// under content-hashed names and cached for good.

// Cache-Control of the assets. Stable URLs are revalidated hourly (cheap:
// a 304 on the ETag); content-hashed URLs never change.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheStableURL = "public, max-age=3600, stale-while-revalidate=86400"
)

// docsCSP is /docs' policy. Redoc styles itself with inline styles and
// runs its search in a blob: worker; it may fetch only our openapi.yaml
// (its footer's logo from cdn.redoc.ly is refused and hides itself).
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; " +
	"object-src 'none'; frame-ancestors 'none'"

type asset struct {
	contentType string
	body        []byte
	gzipped     []byte // nil when compression does not pay
	etag        string
	ref         assetRef
}

// assetRef is how a page links a subresource: its content-hashed URL and
// Subresource Integrity value.
type assetRef struct {
	URL       string
	Integrity string
}

type assetSet struct {
	byName   map[string]*asset // web/static file name: widget.js
	byHashed map[string]*asset // name under /assets/: copy.0123456789ab.js
	openapi  *asset
	docs     *asset
}

var assets = loadAssets()

func loadAssets() *assetSet {
	set := &assetSet{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	files, err := fs.Glob(webFS, "web/static/*")
	if err != nil {
		panic(err)
	}
	for _, file := range files {
		name := path.Base(file)
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			continue // licenses and the like ship in the repository, not over HTTP
		}
		body, err := fs.ReadFile(webFS, file)
		if err != nil {
			panic(err)
		}
		a := newAsset(ct, body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + strings.Trim(a.etag, `"`)[:12] + ext
		a.ref = assetRef{URL: "/assets/" + hashed, Integrity: a.ref.Integrity}
		set.byName[name], set.byHashed[hashed] = a, a
	}
	set.openapi = newAsset("application/yaml", errdex.OpenAPI)
	docs := template.Must(template.ParseFS(webFS, "web/templates/docs.html"))
	var buf bytes.Buffer
	if err := docs.Execute(&buf, struct{ Redoc assetRef }{set.ref("redoc.standalone.js")}); err != nil {
		panic(err)
	}
	set.docs = newAsset("text/html; charset=utf-8", buf.Bytes())
	return set
}

var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

func newAsset(contentType string, body []byte) *asset {
	sum := sha256.Sum256(body)
	a := &asset{contentType: contentType, body: body, etag: `"` + hex.EncodeToString(sum[:]) + `"`,
		ref: assetRef{Integrity: "sha256-" + base64.StdEncoding.EncodeToString(sum[:])}}
	if len(body) >= 1024 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body) //nolint:errcheck // writes to memory
		zw.Close()
		if buf.Len() < len(body)*9/10 {
			a.gzipped = buf.Bytes()
		}
	}
	return a
}

// ref is how pages link the static file name; it panics on a name that is
// not embedded, which the first test of any page catches.
func (s *assetSet) ref(name string) assetRef {
	a, ok := s.byName[name]
	if !ok {
		panic("api: no static asset " + name)
	}
	return a.ref
}

// serve writes a with its validators: 304 on a matching If-None-Match,
// gzip when the client takes it (under its own ETag, as a different
// representation), byte ranges as http.ServeContent does them.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", cacheControl)
	body, etag := a.body, a.etag
	if a.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = a.gzipped, strings.TrimSuffix(a.etag, `"`)+`-gzip"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// handleWidget serves GET /widget.js. Portals load it from their own
// pages, so it may be embedded cross-origin even under their COEP.
func (s *Server) handleWidget(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	assets.byName["widget.js"].serve(w, r, cacheStableURL)
}

// handleAsset serves GET /assets/{name}: a page subresource under its
// content-hashed name.
func (s *Server) handleAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets.byHashed[chi.URLParam(r, "name")]
	if !ok {
		t := problemTypes[article.KindNotFound]
		writeProblem(w, r, Problem{Type: t.typ, Title: t.title, Status: t.status, Detail: "no such asset"})
		return
	}
	a.serve(w, r, cacheImmutable)
}

// handleOpenAPI serves GET /openapi.yaml, the contract.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	assets.openapi.serve(w, r, cacheStableURL)
}

// handleDocs serves GET /docs: openapi.yaml drawn by Redoc.
func (s *Server) handleDocs(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("X-Frame-Options", "DENY")
	assets.docs.serve(w, r, cacheStableURL)
}
