// Package importer loads article files into the store: it walks sources,
// parses every file, and writes what changed in one transaction, reporting
// per file what it did.
package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/markdown"
	"github.com/errdex/errdex/internal/store"
)

// File outcomes in a report.
const (
	StatusCreated   = "created"
	StatusUpdated   = "updated"
	StatusUnchanged = "unchanged"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped" // parsed fine, but not written because another file failed
)

// Options change how a run behaves.
type Options struct {
	DryRun    bool // parse, validate and report; write nothing
	KeepGoing bool // write the good files even when some fail
	Prune     bool // archive articles imported from these sources whose files are gone
	// Progress, when set, is called as files are parsed (from several
	// goroutines, with a growing count) and once more before writing.
	Progress func(stage string, done, total int)
}

// Source is a tree of article files; Name prefixes its paths in reports.
type Source struct {
	Name string
	FS   fs.FS
}

// FileResult is what happened to one file.
type FileResult struct {
	Path     string   `json:"path"`
	Slug     string   `json:"slug,omitempty"`
	Lang     string   `json:"lang,omitempty"`
	Status   string   `json:"status"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Report is the outcome of a run.
type Report struct {
	DryRun    bool         `json:"dryRun"`
	Files     []FileResult `json:"files"`
	Created   int          `json:"created"`
	Updated   int          `json:"updated"`
	Unchanged int          `json:"unchanged"`
	Failed    int          `json:"failed"`
	Skipped   int          `json:"skipped"`
	Warnings  int          `json:"warnings"`
	// Archived lists "slug/lang" of articles pruned because their files are gone.
	Archived []string `json:"archived"`
}

// Extensions of the files an import reads.
var Extensions = []string{".md", ".markdown", ".txt"}

// batchSize bounds how many articles go to the database per statement batch.
const batchSize = 1000

type parsed struct {
	res  *FileResult
	art  *article.Article
	prep *store.Prepared // art encoded for writing, in the parallel phase
}

// Run imports every article file of sources. Without KeepGoing, one failed
// file means nothing is written. The error is non-nil only when the run
// itself failed (database, I/O); file failures are in the report.
func Run(ctx context.Context, st *store.Store, sources []Source, opts Options) (*Report, error) {
	rep := &Report{DryRun: opts.DryRun, Files: []FileResult{}, Archived: []string{}}
	type job struct {
		src  Source
		name string
	}
	var jobs []job
	for _, src := range sources {
		names, err := articleFiles(src.FS)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", src.Name, err)
		}
		for _, name := range names {
			jobs = append(jobs, job{src, name})
		}
	}
	// Parsing and encoding are CPU-bound and files are independent: use
	// every core, keep the file order for the report.
	files := make([]parsed, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(jobs); i = int(next.Add(1) - 1) {
				files[i] = parseFile(jobs[i].src, jobs[i].name)
				if opts.Progress != nil && (i+1)%500 == 0 {
					opts.Progress("parsed", i+1, len(jobs))
				}
			}
		})
	}
	wg.Wait()
	markDuplicates(files)

	failed := false
	for _, f := range files {
		if f.res.Status == StatusFailed {
			failed = true
		}
	}
	var good []parsed
	for _, f := range files {
		if f.res.Status == StatusFailed {
			continue
		}
		if failed && !opts.KeepGoing {
			f.res.Status = StatusSkipped
			continue
		}
		good = append(good, f)
	}
	if opts.Progress != nil {
		opts.Progress("writing", len(good), len(jobs))
	}
	if len(good) > 0 || (opts.Prune && !failed) {
		err := st.InTx(ctx, func(tx pgx.Tx) error {
			if err := write(ctx, tx, good, opts.DryRun); err != nil {
				return err
			}
			if !opts.Prune || failed {
				return nil // a partial run cannot tell a missing file from a broken one
			}
			return prune(ctx, tx, sources, files, opts.DryRun, rep)
		})
		if err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		rep.add(*f.res)
	}
	return rep, nil
}

func (r *Report) add(f FileResult) {
	r.Files = append(r.Files, f)
	r.Warnings += len(f.Warnings)
	switch f.Status {
	case StatusCreated:
		r.Created++
	case StatusUpdated:
		r.Updated++
	case StatusUnchanged:
		r.Unchanged++
	case StatusFailed:
		r.Failed++
	case StatusSkipped:
		r.Skipped++
	}
}

// write compares content hashes and saves only what changed. In a dry run it
// still reads the hashes so the report says what would happen.
func write(ctx context.Context, tx pgx.Tx, files []parsed, dryRun bool) error {
	for start := 0; start < len(files); start += batchSize {
		chunk := files[start:min(start+batchSize, len(files))]
		keys := make([]store.Key, len(chunk))
		for i, f := range chunk {
			keys[i] = store.Key{Slug: f.art.Slug, Lang: f.art.Lang}
		}
		hashes, err := store.ContentHashes(ctx, tx, keys)
		if err != nil {
			return err
		}
		var changed []parsed
		for _, f := range chunk {
			old, exists := hashes[store.Key{Slug: f.art.Slug, Lang: f.art.Lang}]
			switch {
			case !exists:
				f.res.Status = StatusCreated
			case bytes.Equal(old, f.prep.Hash):
				f.res.Status = StatusUnchanged
				continue
			default:
				f.res.Status = StatusUpdated
			}
			changed = append(changed, f)
		}
		if dryRun || len(changed) == 0 {
			continue
		}
		ps := make([]*store.Prepared, len(changed))
		for i, f := range changed {
			ps[i] = f.prep
		}
		if _, err := store.SavePrepared(ctx, tx, ps, store.Change{Author: "import", Origin: "import"}); err != nil {
			var de *article.Error
			if errors.As(err, &de) && de.Kind == article.KindInvalid {
				return fmt.Errorf("%w (rejected by the database; the parser should have caught this)", err)
			}
			return err
		}
	}
	return nil
}

// prune archives (never deletes) the articles imported from sources whose
// (slug, lang) no file of this run has any more.
func prune(ctx context.Context, tx pgx.Tx, sources []Source, files []parsed, dryRun bool, rep *Report) error {
	present := map[store.Key]bool{}
	for _, f := range files {
		if f.art != nil {
			present[store.Key{Slug: f.art.Slug, Lang: f.art.Lang}] = true
		}
	}
	var gone []*article.Article
	for _, src := range sources {
		arts, err := store.ArticlesFromSource(ctx, tx, src.Name)
		if err != nil {
			return err
		}
		for _, a := range arts {
			if !present[store.Key{Slug: a.Slug, Lang: a.Lang}] {
				a.Status = article.StatusArchived
				gone = append(gone, a)
				rep.Archived = append(rep.Archived, a.Slug+"/"+a.Lang)
			}
		}
	}
	if dryRun || len(gone) == 0 {
		return nil
	}
	_, err := store.SaveArticles(ctx, tx, gone, store.Change{Author: "import", Origin: "import"})
	return err
}

func parseFile(src Source, name string) parsed {
	display := path.Join(src.Name, name)
	res := &FileResult{Path: display}
	data, err := fs.ReadFile(src.FS, name)
	if err != nil {
		res.Status, res.Error = StatusFailed, fmt.Sprintf("%s: %v", display, err)
		return parsed{res: res}
	}
	art, warnings, err := markdown.Parse(name, data)
	for _, w := range warnings {
		w.Path = display
		res.Warnings = append(res.Warnings, w.String())
	}
	if err != nil {
		var pe *markdown.ParseError
		if errors.As(err, &pe) {
			pe.Path = display
		}
		res.Status, res.Error = StatusFailed, err.Error()
		return parsed{res: res}
	}
	art.Source = string(data)
	art.SourcePath = display
	art.Status = article.StatusPublished
	res.Slug, res.Lang = art.Slug, art.Lang
	prep, err := store.Prepare(art)
	if err != nil {
		res.Status, res.Error = StatusFailed, fmt.Sprintf("%s: %v", display, err)
		return parsed{res: res}
	}
	return parsed{res: res, art: art, prep: prep}
}

// markDuplicates fails every file whose (slug, lang) another file also has.
func markDuplicates(files []parsed) {
	first := map[store.Key]*FileResult{}
	for _, f := range files {
		if f.art == nil {
			continue
		}
		k := store.Key{Slug: f.art.Slug, Lang: f.art.Lang}
		if prev, ok := first[k]; ok {
			f.res.Status = StatusFailed
			f.res.Error = fmt.Sprintf("%s: duplicate article %s/%s, also in %s", f.res.Path, k.Slug, k.Lang, prev.Path)
			if prev.Status != StatusFailed {
				prev.Status = StatusFailed
				prev.Error = fmt.Sprintf("%s: duplicate article %s/%s, also in %s", prev.Path, k.Slug, k.Lang, f.res.Path)
			}
			continue
		}
		first[k] = f.res
	}
}

// articleFiles lists the article files of fsys in lexical order.
func articleFiles(fsys fs.FS) ([]string, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(path.Ext(p))
		for _, e := range Extensions {
			if ext == e {
				names = append(names, p)
				break
			}
		}
		return nil
	})
	sort.Strings(names)
	return names, err
}
