package articles_test

import (
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/errdex/errdex/articles"
	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/markdown"
)

// TestBundledArticles holds the knowledge base to its bar: every article
// parses without a warning, has every section and a command to run in its
// checks, round-trips through render, and exists in both ja and en.
func TestBundledArticles(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(articles.FS, "*/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 60 {
		t.Errorf("%d bundled articles, want at least 60 (30 cases in ja and en)", len(names))
	}
	langs := map[string][]string{}
	for _, name := range names {
		data, err := fs.ReadFile(articles.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		a, warnings, err := markdown.Parse(name, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, w := range warnings {
			t.Errorf("warning: %s", w)
		}
		dir := path.Dir(name)
		if a.Lang != dir {
			t.Errorf("%s: lang %q, want %q (its folder)", name, a.Lang, dir)
		}
		if want := strings.TrimSuffix(path.Base(name), ".md"); a.Slug != want {
			t.Errorf("%s: slug %q, want %q (its file name)", name, a.Slug, want)
		}
		langs[a.Slug] = append(langs[a.Slug], a.Lang)
		checkComplete(t, name, a)

		again, _, err := markdown.Parse(name, markdown.Render(a))
		if err != nil {
			t.Errorf("%s: rendered article does not parse: %v", name, err)
		} else if diff := cmp.Diff(a, again); diff != "" {
			t.Errorf("%s: parse → render → parse changed it (-before +after):\n%s", name, diff)
		}
	}
	for slug, ls := range langs {
		if len(ls) != 2 {
			t.Errorf("case %s exists in %v, want ja and en", slug, ls)
		}
	}
}

func checkComplete(t *testing.T, name string, a *article.Article) {
	t.Helper()
	missing := func(what string, n int) {
		if n == 0 {
			t.Errorf("%s: no %s", name, what)
		}
	}
	missing("codes", len(a.Codes))
	missing("summary condition", len(a.Summary.Condition.Text))
	missing("summary impact", len(a.Summary.Impact.Text))
	missing("urgency level", len(a.Summary.Urgency.Level))
	missing("urgency reason", len(a.Summary.Urgency.Reason))
	missing("causes", len(a.Causes))
	missing("checks", len(a.Checks))
	missing("fix steps", len(a.Fix))
	missing("permanent fixes", len(a.PermanentFixes))
	missing("detailed steps", len(a.DetailedSteps))
	missing("pitfalls", len(a.Pitfalls))
	missing("checklist", len(a.Checklist))
	missing("related cases", len(a.Related))
	missing("references", len(a.References))
	commands := 0
	for _, c := range a.Checks {
		commands += len(c.Commands)
	}
	missing("command in the checks", commands)
}
