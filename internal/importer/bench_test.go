package importer_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/errdex/errdex/articles"
	"github.com/errdex/errdex/internal/importer"
	"github.com/errdex/errdex/internal/testdb"
)

var slugLine = regexp.MustCompile(`(?m)^slug: .*$`)

// generated writes n realistic article files to a folder, as an import
// reads them: the bundled ones, each copied under new slugs. (An in-memory
// fstest.MapFS would measure its own directory scans, not the import.)
func generated(b *testing.B, n int) fs.FS {
	b.Helper()
	dir := b.TempDir()
	names, err := fs.Glob(articles.FS, "*/*.md")
	if err != nil || len(names) == 0 {
		b.Fatalf("bundled articles: %v", err)
	}
	for i := 0; i < n; i++ {
		name := names[i%len(names)]
		src, err := fs.ReadFile(articles.FS, name)
		if err != nil {
			b.Fatal(err)
		}
		slug := fmt.Sprintf("gen-%06d", i)
		path := filepath.Join(dir, slug[:6], slug+"-"+strings.ReplaceAll(name, "/", "-"))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, slugLine.ReplaceAll(src, []byte(`slug: "`+slug+`"`)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return os.DirFS(dir)
}

// BenchmarkImport10k imports 10,000 articles into an empty database in one
// run, as `errdex import` does (with its GOGC), and reports articles per
// second.
func BenchmarkImport10k(b *testing.B) {
	const n = 10000
	tree := generated(b, n)
	ctx := context.Background()
	defer debug.SetGCPercent(debug.SetGCPercent(importer.GCPercent))
	st := testdb.Store(b)
	b.ResetTimer()
	for b.Loop() {
		// Emptied, not a new database each time: the last run's pages
		// would still be in shared buffers, and evicting them (writing
		// them out) would bill this run for the last one's writes.
		b.StopTimer()
		if _, err := st.Pool().Exec(ctx, `TRUNCATE articles RESTART IDENTITY CASCADE`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := importer.Run(ctx, st, []importer.Source{{Name: "gen", FS: tree}}, importer.Options{})
		if err != nil || rep.Created != n {
			b.Fatalf("import: %v, %d created", err, rep.Created)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "articles/s")
}
