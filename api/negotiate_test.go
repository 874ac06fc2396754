package api

import (
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/errdex/errdex/internal/lookup"
)

// TestNegotiationAnswersAsParsing holds the memoized answers to what
// parsing the headers on every request gives, the first time a value is
// seen and every time after.
func TestNegotiationAnswersAsParsing(t *testing.T) {
	t.Parallel()
	n := newNegotiation()
	accepts := []string{"", "application/json", "text/html", "application/json, text/plain, */*",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html;q=0.5, application/json", "*/*"}
	langs := [][2]string{{"", ""}, {"", "en-US,en;q=0.9,ja;q=0.8"}, {"ja", "en"}, {"", "ja"}, {"EN-gb", ""}, {"", "not a language"}}
	for range 3 {
		for _, accept := range accepts {
			r := httptest.NewRequest("GET", "/errors/0x80070643", nil)
			if accept != "" {
				r.Header.Set("Accept", accept)
			}
			if got, want := n.wantsHTML(r), accept != "" && prefersHTML([]string{accept}); got != want {
				t.Errorf("Accept %q: wantsHTML = %v, want %v", accept, got, want)
			}
		}
		for _, l := range langs {
			r := httptest.NewRequest("GET", "/errors/0x80070643", nil)
			r.Header.Set("Accept-Language", l[1])
			got := n.preferences(l[0], r)
			if want := lookup.Preferences(l[0], l[1]); !slices.Equal(got.list, want) || got.key != strings.Join(want, ",") {
				t.Errorf("lang %q, Accept-Language %q: got %q (key %q), want %q", l[0], l[1], got.list, got.key, want)
			}
		}
	}
	// Two Accept lines are read together, as one list.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Accept", "application/json;q=0.5")
	r.Header.Add("Accept", "text/html")
	if !n.wantsHTML(r) {
		t.Error("Accept over two lines: text/html on the second line is not seen")
	}
}

// TestHeaderMemoIsBounded: values past memoEntries, or longer than
// memoValueLen, are parsed every time instead of kept.
func TestHeaderMemoIsBounded(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	parsed := map[string]int{}
	h := &headerMemo[string, int]{parse: func(s string) int {
		mu.Lock()
		defer mu.Unlock()
		parsed[s]++
		return len(s)
	}}
	long := strings.Repeat("x", memoValueLen+1)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range memoEntries + 100 {
				v := strconv.Itoa(i)
				if got := h.get(v, len(v)); got != len(v) {
					t.Errorf("get(%q) = %d, want %d", v, got, len(v))
				}
			}
			if got := h.get(long, len(long)); got != len(long) {
				t.Errorf("goroutine %d: long value parsed to %d", g, got)
			}
		})
	}
	wg.Wait()
	if got := len(*h.m.Load()); got != memoEntries {
		t.Errorf("memo holds %d values, want %d", got, memoEntries)
	}
	if parsed[long] != 4 {
		t.Errorf("a value over %d bytes was parsed %d times in 4 gets, want 4 (never kept)", memoValueLen, parsed[long])
	}
	for i := range memoEntries + 100 {
		v := strconv.Itoa(i)
		before := parsed[v]
		h.get(v, len(v))
		kept := parsed[v] == before
		if _, ok := (*h.m.Load())[v]; ok != kept {
			t.Fatalf("value %q: in the memo = %v, but parsed again = %v", v, ok, !kept)
		}
	}
}
