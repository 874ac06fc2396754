package store_test

import (
	"context"
	"testing"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/search"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

func TestSearchFollowsEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testdb.URL(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	find := func(q string) int {
		t.Helper()
		hits, _, err := st.Search(ctx, search.ParseQuery(q), store.SearchOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits)
	}

	a := sample()
	if _, _, err := st.Edit(ctx, store.Key{Slug: a.Slug, Lang: a.Lang}, store.Change{Author: "t", Origin: "api"},
		func(*article.Article) (*article.Article, error) { return a, nil }); err != nil {
		t.Fatal(err)
	}
	if n := find("installing"); n != 1 {
		t.Fatalf("after create: %d hits, want 1", n)
	}
	// An edit replaces the document; archiving hides it.
	_, _, err = st.Edit(ctx, store.Key{Slug: a.Slug, Lang: a.Lang}, store.Change{Author: "t", Origin: "api"},
		func(cur *article.Article) (*article.Article, error) {
			next := *cur
			next.Summary.Condition.Text, next.Summary.Impact.Text = "アップデート中", "何も入らない"
			return &next, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if n, m := find("installing"), find("アップデート"); n != 0 || m != 1 {
		t.Errorf("after edit: %d hits for the old word, %d for the new, want 0 and 1", n, m)
	}
	_, _, err = st.Edit(ctx, store.Key{Slug: a.Slug, Lang: a.Lang}, store.Change{Author: "t", Origin: "api"},
		func(cur *article.Article) (*article.Article, error) {
			next := *cur
			next.Status = article.StatusArchived
			return &next, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if n := find("アップデート"); n != 0 {
		t.Errorf("after archive: %d hits, want 0", n)
	}

	// Articles saved before search existed get their rows when migrating.
	if _, err := st.Pool().Exec(ctx, `DELETE FROM article_search`); err != nil {
		t.Fatal(err)
	}
	m, err := store.NewMigrator(url)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM article_search WHERE status = 'archived'`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("after migrate: %d search rows (%v), want the archived article's", rows, err)
	}
}
