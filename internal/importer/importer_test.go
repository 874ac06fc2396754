package importer_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/errdex/errdex/internal/importer"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

// doc is a small valid English article.
func doc(slug, code, extra string) string {
	return fmt.Sprintf(`---
title: "Install fails with %[2]s"
errorText: "Error %[2]s"
tags: ["Windows"]
updatedAt: "2026-01-02T03:04:05Z"
lang: "en"
slug: "%[1]s"
---

## Summary
- Condition  
  The installer stops.
- Impact  
  Nothing installs.
- Urgency (High)  
  Security fixes wait.

## Common causes
1. Permissions.
2. Antivirus.

## 60-second checks
- Check the ACL:
  `+"```cmd\n  icacls \"C:\\\\Temp\"\n  ```"+`

## 5-minute fix
1) Grant access.

## Related cases
- See 0x80070005.

## References
- https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/icacls
%[3]s`, slug, code, extra)
}

func run(t *testing.T, st *store.Store, files fstest.MapFS, opts importer.Options) *importer.Report {
	t.Helper()
	rep, err := importer.Run(context.Background(), st, []importer.Source{{Name: "kb", FS: files}}, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func count(t *testing.T, st *store.Store) int {
	t.Helper()
	n, err := st.CountArticles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func files(kv ...string) fstest.MapFS {
	m := fstest.MapFS{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return m
}

func TestBrokenFileChangesNothing(t *testing.T) {
	t.Parallel()
	st := testdb.Store(t)
	broken := "---\ntitle: \"no end\"\nerrorText: x\n" // unterminated front matter
	tree := files("a.md", doc("a", "0x80070005", ""), "sub/b.md", doc("b", "0x80070002", ""), "sub/c.md", broken, "notes.json", "{}")

	rep := run(t, st, tree, importer.Options{})
	if rep.Failed != 1 || rep.Skipped != 2 || rep.Created != 0 {
		t.Errorf("report = %d failed, %d skipped, %d created; want 1, 2, 0", rep.Failed, rep.Skipped, rep.Created)
	}
	if n := count(t, st); n != 0 {
		t.Errorf("articles after a failed run = %d, want 0", n)
	}
	var failure string
	for _, f := range rep.Files {
		if f.Status == importer.StatusFailed {
			failure = f.Error
		}
	}
	if !strings.HasPrefix(failure, "kb/sub/c.md:") {
		t.Errorf("failure %q, want it to start with kb/sub/c.md:LINE", failure)
	}

	rep = run(t, st, tree, importer.Options{KeepGoing: true})
	if rep.Failed != 1 || rep.Created != 2 {
		t.Errorf("keep-going report = %d failed, %d created; want 1, 2", rep.Failed, rep.Created)
	}
	if n := count(t, st); n != 2 {
		t.Errorf("articles after keep-going = %d, want 2", n)
	}
}

func TestReimportIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testdb.Store(t)
	tree := files("a.md", doc("a", "0x80070005", ""), "b.md", doc("b", "0x80070002", ""))
	if rep := run(t, st, tree, importer.Options{}); rep.Created != 2 {
		t.Fatalf("first import created %d, want 2", rep.Created)
	}
	snapshot := func() string {
		var s string
		err := st.Pool().QueryRow(ctx, `SELECT string_agg(xmin::text || ':' || version, ',' ORDER BY id) FROM articles`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot()
	rep := run(t, st, tree, importer.Options{})
	if rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
		t.Errorf("re-import: %d unchanged, %d created, %d updated; want 2, 0, 0", rep.Unchanged, rep.Created, rep.Updated)
	}
	if after := snapshot(); after != before {
		t.Errorf("re-import of unchanged files wrote rows: xmin:version %s → %s", before, after)
	}

	tree["b.md"] = &fstest.MapFile{Data: []byte(doc("b", "0x80070002", "\n## Notes\nnew text\n"))}
	rep = run(t, st, tree, importer.Options{})
	if rep.Updated != 1 || rep.Unchanged != 1 {
		t.Errorf("after editing b.md: %d updated, %d unchanged; want 1, 1", rep.Updated, rep.Unchanged)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	st := testdb.Store(t)
	rep := run(t, st, files("a.md", doc("a", "0x80070005", "")), importer.Options{DryRun: true})
	if rep.Created != 1 || !rep.DryRun {
		t.Errorf("dry run report: %d created, dryRun %v; want 1, true", rep.Created, rep.DryRun)
	}
	if n := count(t, st); n != 0 {
		t.Errorf("articles after dry run = %d, want 0", n)
	}
}

func TestDuplicateSlugNamesBothFiles(t *testing.T) {
	t.Parallel()
	st := testdb.Store(t)
	rep := run(t, st, files("one.md", doc("same", "0x80070005", ""), "two.md", doc("same", "0x80070002", "")), importer.Options{})
	if rep.Failed != 2 {
		t.Fatalf("duplicate slugs: %d failed, want 2", rep.Failed)
	}
	for _, f := range rep.Files {
		if !strings.Contains(f.Error, "kb/one.md") || !strings.Contains(f.Error, "kb/two.md") {
			t.Errorf("error %q should name both files", f.Error)
		}
	}
}

// TestLateFailureUndoesWrittenBatches: an all-or-nothing run writes each
// batch as soon as it is parsed, so a broken or duplicate file found after
// whole batches went in must still leave the store untouched.
func TestLateFailureUndoesWrittenBatches(t *testing.T) {
	t.Parallel()
	many := func() fstest.MapFS {
		tree := fstest.MapFS{}
		for i := range 2500 {
			tree[fmt.Sprintf("a/%04d.md", i)] = &fstest.MapFile{Data: []byte(doc(fmt.Sprintf("bulk-%04d", i), "0x80070005", ""))}
		}
		return tree
	}
	broken, dup := many(), many()
	broken["z.md"] = &fstest.MapFile{Data: []byte("---\ntitle: x\n")}
	dup["z.md"] = &fstest.MapFile{Data: []byte(doc("bulk-0000", "0x80070005", ""))}
	for name, tc := range map[string]struct {
		tree   fstest.MapFS
		failed int
	}{"broken": {broken, 1}, "duplicate": {dup, 2}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := testdb.Store(t)
			rep := run(t, st, tc.tree, importer.Options{})
			if rep.Failed != tc.failed || rep.Created != 0 || rep.Skipped != 2501-tc.failed {
				t.Errorf("report: %d failed, %d created, %d skipped; want %d, 0, %d", rep.Failed, rep.Created, rep.Skipped, tc.failed, 2501-tc.failed)
			}
			if n := count(t, st); n != 0 {
				t.Errorf("articles after a failed run = %d, want 0", n)
			}
		})
	}
}

// TestImportWithFewConnections: the importer stems and merges index
// entries on other connections while its transaction holds one; a pool of
// one must not deadlock, nor a pool of two, where stemming and merging
// take turns on the second.
func TestImportWithFewConnections(t *testing.T) {
	t.Parallel()
	for _, conns := range []string{"1", "2"} {
		t.Run(conns, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			u, err := url.Parse(testdb.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("pool_max_conns", conns)
			u.RawQuery = q.Encode()
			st, err := store.Open(ctx, u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			tree := fstest.MapFS{}
			for i := range 1500 {
				tree[fmt.Sprintf("%04d.md", i)] = &fstest.MapFile{Data: []byte(doc(fmt.Sprintf("few-%04d", i), "0x80070005", ""))}
			}
			rep, err := importer.Run(ctx, st, []importer.Source{{Name: "kb", FS: tree}}, importer.Options{})
			if err != nil || rep.Created != 1500 {
				t.Fatalf("import with %s connections: %v, %d created", conns, err, rep.Created)
			}
		})
	}
}

// TestBulkImportLeavesDatabaseReady: a streamed import defers GIN inserts
// to the indexes' pending lists and merges them on another connection; by
// the commit every entry is merged (gin_clean_pending_list then has no
// page to remove), so searches do not scan long pending lists. And a run
// this large refreshes the planner's statistics.
func TestBulkImportLeavesDatabaseReady(t *testing.T) {
	t.Parallel()
	st := testdb.Store(t)
	tree := fstest.MapFS{}
	for i := range 1200 { // three batches
		tree[fmt.Sprintf("%04d.md", i)] = &fstest.MapFile{Data: []byte(doc(fmt.Sprintf("gin-%04d", i), "0x80070005", ""))}
	}
	if rep := run(t, st, tree, importer.Options{}); rep.Created != 1200 {
		t.Fatalf("%d created, want 1200", rep.Created)
	}
	var pages int64
	err := st.Pool().QueryRow(context.Background(), `
		SELECT coalesce(sum(gin_clean_pending_list(c.oid)), 0)
		FROM pg_class c JOIN pg_am am ON am.oid = c.relam
		WHERE am.amname = 'gin' AND c.relnamespace = current_schema()::regnamespace`).Scan(&pages)
	if err != nil || pages != 0 {
		t.Errorf("pending pages after the import: %d (%v), want 0", pages, err)
	}
	var analyzed []string
	err = st.Pool().QueryRow(context.Background(), `
		SELECT coalesce(array_agg(DISTINCT tablename ORDER BY tablename), '{}') FROM pg_stats
		WHERE schemaname = current_schema() AND tablename IN ('articles', 'article_codes', 'related_items')`).Scan(&analyzed)
	if want := []string{"article_codes", "articles", "related_items"}; err != nil || !slices.Equal(analyzed, want) {
		t.Errorf("tables with statistics after the import: %v (%v), want %v", analyzed, err, want)
	}
}
