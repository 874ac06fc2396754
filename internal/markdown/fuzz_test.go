package markdown

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that Parse survives any input and that, for inputs it
// accepts, Parse(Render(a)) gives a back. The corpus under
// testdata/fuzz/FuzzParse holds the seed article and edge cases.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/seed_ja.md", "testdata/article_en.md"} {
		f.Add(readFile(f, file))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// Parse must not hang: fail with the input rather than stall.
		timer := time.AfterFunc(10*time.Second, func() {
			panic(fmt.Sprintf("Parse did not return within 10s on %q", src))
		})
		defer timer.Stop()
		a, _, err := Parse("fuzz/case.md", src)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error is %T, want *ParseError: %v", err, err)
			}
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Parse panicked: %v", err)
			}
			return
		}
		out := Render(a)
		if !utf8.Valid(out) {
			t.Fatalf("Render wrote invalid UTF-8:\n%q", out)
		}
		b, _, err := Parse("fuzz/case.md", out)
		if err != nil {
			t.Fatalf("Parse(Render(a)): %v\nsource:\n%q\nrendered:\n%q", err, src, out)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Fatalf("Parse(Render(a)) != a (-a +b):\n%s\nsource:\n%q\nrendered:\n%q", d, src, out)
		}
	})
}

// TestBundledArticles parses every article shipped in the repository and
// checks the round trip on each.
func TestBundledArticles(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../articles/*/*.md")
	if len(files) == 0 {
		t.Skip("no bundled articles")
	}
	for _, file := range files {
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, file, src)
		})
	}
}
