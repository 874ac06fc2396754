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

// TestMemoIsBounded: keys past memoEntries are worked out every time
// instead of kept.
func TestMemoIsBounded(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	worked := map[string]int{}
	c := &memo[string, int]{work: func(s string) int {
		mu.Lock()
		defer mu.Unlock()
		worked[s]++
		return len(s)
	}}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range memoEntries + 100 {
				v := strconv.Itoa(i)
				if got := c.get(v); got != len(v) {
					t.Errorf("get(%q) = %d, want %d", v, got, len(v))
				}
			}
		})
	}
	wg.Wait()
	if got := len(*c.m.Load()); got != memoEntries {
		t.Errorf("memo holds %d values, want %d", got, memoEntries)
	}
	for i := range memoEntries + 100 {
		v := strconv.Itoa(i)
		before := worked[v]
		c.get(v)
		kept := worked[v] == before
		if _, ok := (*c.m.Load())[v]; ok != kept {
			t.Fatalf("value %q: in the memo = %v, but worked out again = %v", v, ok, !kept)
		}
	}
}

// TestNegotiationKeepsNoLongValues: header values longer than
// memoValueLen are answered as parsing gives, and never kept.
func TestNegotiationKeepsNoLongValues(t *testing.T) {
	t.Parallel()
	n := newNegotiation()
	longAccept := "text/html;q=0.9, application/json;q=0.1, " + strings.Repeat("application/x-filler;q=0.5, ", memoValueLen/20)
	longLang := "en;q=0.1, ja, " + strings.Repeat("de;q=0.5, ", memoValueLen/8)
	for range 4 {
		r := httptest.NewRequest("GET", "/errors/0x80070643", nil)
		r.Header.Set("Accept", longAccept)
		r.Header.Set("Accept-Language", longLang)
		if !n.wantsHTML(r) {
			t.Errorf("long Accept %.40q...: wantsHTML = false, want true", longAccept)
		}
		if got, want := n.preferences("", r).list, lookup.Preferences("", longLang); !slices.Equal(got, want) {
			t.Errorf("long Accept-Language: got %q, want %q", got, want)
		}
	}
	if m := n.html.m.Load(); m != nil {
		if _, ok := (*m)[longAccept]; ok {
			t.Errorf("an Accept of %d bytes was kept (at most %d are)", len(longAccept), memoValueLen)
		}
	}
	if m := n.langs.m.Load(); m != nil {
		if _, ok := (*m)[langHeaders{acceptLanguage: longLang}]; ok {
			t.Errorf("an Accept-Language of %d bytes was kept (at most %d are)", len(longLang), memoValueLen)
		}
	}
}
