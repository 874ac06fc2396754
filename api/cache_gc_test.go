package api

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// BenchmarkCollectFullCache measures one garbage collection of a heap that
// holds a full 64 MiB cache of answers shaped like make bench's (10,000
// answers of about 9.4 kB with their gzip, each depending on a few
// codes): under load the collector runs several times a second, and what
// the cache gives it to mark is paid at every cycle. Run it with -cpu 1:
// a second CPU marks alongside and blurs the figure.
func BenchmarkCollectFullCache(b *testing.B) {
	c := newResponseCache(64<<20, func() {})
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the update could not be installed because a file it replaces was in use or its download " +
		"was damaged; restart the computer, clear the cache folder and run the installer again as administrator")
	code := func() string { return fmt.Sprintf("0x%08x", rng.Uint32()) }
	modified := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i := range 10000 {
		var body strings.Builder
		fmt.Fprintf(&body, `{"query":"%d","result":{"causes":[`, i)
		for body.Len() < 9400 {
			fmt.Fprintf(&body, `{"text":"%s %s %s %s"},`, words[rng.IntN(len(words))], words[rng.IntN(len(words))],
				words[rng.IntN(len(words))], words[rng.IntN(len(words))])
		}
		body.WriteString(`{}]}}`)
		r := newCachedResponse([]byte(body.String()), "en", modified,
			[]string{code(), code()}, []string{code(), code(), code(), code()}, true)
		c.put(cacheKey{view: "full", prefs: "en", code: code()}, r, c.generation.Load())
	}
	for b.Loop() {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapObjects), "heap-objects")
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(m.HeapInuse-m.HeapAlloc)/(1<<20), "free-in-spans-MiB")
	runtime.KeepAlive(c)
}
