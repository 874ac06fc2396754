package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/errdex/errdex/internal/httpserver"
	"github.com/errdex/errdex/internal/store"
)

// cachedResponse is an encoded lookup answer, ready to write: chatbots and
// portals ask for the same few thousand codes all day, so a hit costs a
// map read and a write of bytes.
//
// It is made of four heap objects: itself, its two bodies and one string.
// The collector marks every object the cache holds at each cycle, several
// times a second under load, and with a full cache they are most of its
// work (BenchmarkCollectFullCache).
type cachedResponse struct {
	body         []byte
	gzipped      []byte    // nil when compression would not pay
	lastModified time.Time // zero when no article answers
	unresolved   string    // the canonical code, when the answer has no article
	// What the answer depends on (lookup.Result.DependsOn): codes, which
	// have no spaces, separated by spaces.
	filed, mentioned string

	// Header values, indexed by the h* constants ("" for a header the
	// answer has not), built once and all in one string. A hit sets each
	// as values[i:i+1:i+1], without allocating: len == cap, so a later Add
	// copies instead of writing into the struct.
	values [5]string
}

// Indexes of cachedResponse.values.
const (
	hETag = iota
	hContentLanguage
	hLastModified
	hContentLength
	hGzipLength
)

// header is the value of header i (an h* constant), ready for a Header map.
func (c *cachedResponse) header(i int) []string { return c.values[i : i+1 : i+1] }

// Header values shared by every cached answer.
var (
	jsonTypeH = []string{"application/json"}
	gzipH     = []string{"gzip"}
	varyH     = []string{"Accept, Accept-Language, Accept-Encoding"}
)

// minGzip is the smallest body worth compressing.
const minGzip = 1024

// gzipWriters recycles compressors: each holds about a megabyte of state,
// too much to make again for every cache miss.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return zw
}}

// newCachedResponse keeps copies of body (and its gzip, when gzipToo) of
// exactly their length: an encoder's buffer may be twice as large, and the
// cache holds them for long. Two arrays, not one: together the two would
// fall into the coarser size classes of larger objects and take more
// memory. filed and mentioned are the codes the answer depends on
// (lookup.Result.DependsOn).
func newCachedResponse(body []byte, contentLang string, lastModified time.Time, filed, mentioned []string, gzipToo bool) *cachedResponse {
	sum := sha256.Sum256(body)
	c := &cachedResponse{body: bytes.Clone(body), lastModified: lastModified}
	if gzipToo && len(body) >= minGzip {
		var buf bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(body) //nolint:errcheck // writes to memory
		zw.Close()
		gzipWriters.Put(zw)
		c.gzipped = bytes.Clone(buf.Bytes())
	}
	var lastMod, gzipLength string
	if !lastModified.IsZero() {
		lastMod = lastModified.UTC().Format(http.TimeFormat)
	}
	if c.gzipped != nil {
		gzipLength = strconv.Itoa(len(c.gzipped))
	}
	// The header values, then the filed and the mentioned codes, in one
	// string: one object for the collector to mark.
	const filedAt, mentionedAt = len(c.values), len(c.values) + 1
	var parts [len(c.values) + 2]string
	parts[hETag] = `"` + hex.EncodeToString(sum[:12]) + `"`
	parts[hContentLanguage], parts[hLastModified] = contentLang, lastMod
	parts[hContentLength], parts[hGzipLength] = strconv.Itoa(len(body)), gzipLength
	parts[filedAt], parts[mentionedAt] = strings.Join(filed, " "), strings.Join(mentioned, " ")
	all := strings.Join(parts[:], "")
	for i, part := range parts {
		part, all = all[:len(part)], all[len(part):]
		switch i {
		case filedAt:
			c.filed = part
		case mentionedAt:
			c.mentioned = part
		default:
			c.values[i] = part
		}
	}
	return c
}

// weight is about what the entry holds in memory: its bodies, and its
// key, struct, codes and header values.
func (c *cachedResponse) weight(key cacheKey) uint32 {
	n := len(c.body) + len(c.gzipped) + len(key.view) + len(key.prefs) + len(key.code) + len(c.filed) + len(c.mentioned) + 512
	return uint32(n)
}

// touchedBy reports whether a write that touched codes (as filed codes)
// and mentions (as related items' codes) may have changed c.
func (c *cachedResponse) touchedBy(codes, mentions map[string]bool) bool {
	for code := range strings.SplitSeq(c.filed, " ") {
		if codes[code] {
			return true
		}
	}
	for code := range strings.SplitSeq(c.mentioned, " ") {
		if mentions[code] {
			return true
		}
	}
	return false
}

// cacheKey names a lookup answer: the view, the reader's language
// preferences and the code as asked (answers quote it). A struct, not
// one string, so that a hit builds no key.
type cacheKey struct {
	view, prefs, code string
}

// responseCache holds encoded answers up to a byte budget. Every write to
// the store (here or in another replica, through LISTEN/NOTIFY) drops the
// answers it touched, so an editor at work leaves the rest of the cache
// serving. The generation guards against a race: an answer computed from
// data read before an invalidation is not stored after it.
//
// While unlinked (the notification link is down, so another replica's
// write would go unseen) the cache is passed by: answers come from the
// database until the link is back and the cache emptied.
type responseCache struct {
	entries    *otter.Cache[cacheKey, *cachedResponse]
	generation atomic.Uint64
	unlinked   atomic.Bool
}

func newResponseCache(maxBytes uint64, onEvict func()) *responseCache {
	c := &responseCache{}
	c.entries = otter.Must(&otter.Options[cacheKey, *cachedResponse]{
		MaximumWeight: maxBytes,
		Weigher:       func(k cacheKey, v *cachedResponse) uint32 { return v.weight(k) },
		OnDeletion: func(e otter.DeletionEvent[cacheKey, *cachedResponse]) {
			if e.WasEvicted() {
				onEvict()
			}
		},
	})
	return c
}

func (c *responseCache) get(key cacheKey) (*cachedResponse, bool) { return c.entries.GetIfPresent(key) }

// put stores v unless the cache was invalidated since gen was read.
func (c *responseCache) put(key cacheKey, v *cachedResponse, gen uint64) {
	if c.generation.Load() == gen {
		c.entries.Set(key, v)
		if c.generation.Load() != gen { // invalidated meanwhile: drop what may be stale
			c.entries.Invalidate(key)
		}
	}
}

// invalidate drops the entries t touched, or all of them, and returns
// about how many it dropped; answers being computed now will not be
// stored, whatever their codes.
func (c *responseCache) invalidate(t store.Touched) int {
	c.generation.Add(1)
	if t.All {
		n := c.entries.EstimatedSize()
		c.entries.InvalidateAll()
		return n
	}
	if len(t.Codes)+len(t.Mentions) == 0 {
		return 0
	}
	codes, mentions := make(map[string]bool, len(t.Codes)), make(map[string]bool, len(t.Mentions))
	for _, code := range t.Codes {
		codes[code] = true
	}
	for _, code := range t.Mentions {
		mentions[code] = true
	}
	// A walk over every entry, a millisecond for 10,000 of them, is cheaper
	// per write than an index from codes to entries would be per miss and
	// eviction.
	n := 0
	for key, v := range c.entries.All() {
		if v.touchedBy(codes, mentions) {
			if _, ok := c.entries.Invalidate(key); ok {
				n++
			}
		}
	}
	return n
}

// writeCached writes a cached answer with its validators, answering 304
// when the client has it already (If-None-Match, else If-Modified-Since)
// and gzip when the client takes it. Its
// Vary lists Accept too, for handleLookup.
func (s *Server) writeCached(w http.ResponseWriter, r *http.Request, c *cachedResponse) {
	h := w.Header() // keys in canonical form, as Header.Set would store them
	h["Etag"] = c.header(hETag)
	h["Cache-Control"] = s.cacheControlH
	if v := h["Vary"]; v != nil {
		h["Vary"] = append(v, varyH[0])
	} else {
		h["Vary"] = varyH
	}
	if c.values[hContentLanguage] != "" {
		h["Content-Language"] = c.header(hContentLanguage)
	}
	if c.values[hLastModified] != "" {
		h["Last-Modified"] = c.header(hLastModified)
	}
	if notModified(r, c.values[hETag], c.lastModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = jsonTypeH
	body := c.body
	h["Content-Length"] = c.header(hContentLength)
	if c.gzipped != nil && acceptsGzip(r) {
		h["Content-Encoding"] = gzipH
		h["Content-Length"] = c.header(hGzipLength)
		body = c.gzipped
	}
	w.WriteHeader(http.StatusOK)
	httpserver.WriteBody(w, r, body) //nolint:errcheck // the client went away
}

// weakMatch is If-None-Match's weak comparison (RFC 9110 13.1.2).
func weakMatch(header, etag string) bool {
	for rest := header; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == "*" || part == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding takes gzip with a q above 0.
func acceptsGzip(r *http.Request) bool {
	for rest := headerValue(r.Header, "Accept-Encoding"); rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			v, err := strconv.ParseFloat(q, 64)
			return err == nil && v > 0
		}
		return true
	}
	return false
}
