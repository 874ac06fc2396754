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
	"slices"
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
	// Touched is what the run's writes touched, for caches of lookups.
	Touched store.Touched `json:"-"`
}

// Extensions of the files an import reads.
var Extensions = []string{".md", ".markdown", ".txt"}

// batchSize bounds how many articles go to the database per statement
// batch. With lookahead, it sets how much of a run is in memory: 500
// articles a batch keep about 60 MB live, so that GCPercent costs
// little memory.
const batchSize = 500

// GCPercent is the GOGC errdex import runs with (unless GOGC is set).
// An import allocates about 250 kB per article, nearly all of it garbage
// within the batch; at the default 100 the collector spends about a
// second of CPU per 10,000 articles, at 200 about half of that, for a
// peak RSS still below what batches of 1000 at 100 took.
const GCPercent = 200

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
	// An all-or-nothing run writes each batch as soon as it is parsed, so
	// the database works while the other files are parsed: a failure found
	// later rolls everything back. Otherwise which files are written
	// depends on all of them (a duplicate fails both files), so parsing
	// ends first.
	stream := !opts.KeepGoing && !opts.DryRun
	p := startParsing(jobs, stream, opts.Progress)
	defer p.wg.Wait()
	var touched store.Touched
	err := st.InTx(ctx, func(tx pgx.Tx) error {
		if stream {
			if err := p.writeAsParsed(ctx, st, tx, &touched, opts.Progress); err != nil {
				return err
			}
		}
		p.wg.Wait()
		markDuplicates(p.files)
		failed := slices.ContainsFunc(p.files, func(f parsed) bool { return f.res.Status == StatusFailed })
		if failed && !opts.KeepGoing {
			for _, f := range p.files {
				if f.res.Status != StatusFailed {
					f.res.Status = StatusSkipped
				}
			}
			return errNothingWritten
		}
		if !stream {
			var good []parsed
			for _, f := range p.files {
				if f.res.Status != StatusFailed {
					good = append(good, f)
				}
			}
			if opts.Progress != nil {
				opts.Progress("writing", len(good), len(jobs))
			}
			for start := 0; start < len(good); start += batchSize {
				if err := writeBatch(ctx, tx, good[start:min(start+batchSize, len(good))], opts.DryRun, &touched); err != nil {
					return err
				}
			}
		}
		if opts.Prune && !failed { // a partial run cannot tell a missing file from a broken one
			if err := prune(ctx, tx, sources, p.files, opts.DryRun, rep, &touched); err != nil {
				return err
			}
		}
		written := 0
		for _, f := range p.files {
			if f.res.Status == StatusCreated || f.res.Status == StatusUpdated {
				written++
			}
		}
		if opts.DryRun || written < analyzeAfter {
			return nil
		}
		// Planner statistics from before a bulk load misjudge the lookup's
		// joins badly: on 10,000 freshly imported articles an uncached
		// lookup took about a second until autovacuum's ANALYZE, 3 ms
		// after. In the transaction, ANALYZE counts its rows, and the
		// statistics commit (or roll back) with them.
		return store.Analyze(ctx, tx)
	})
	if err != nil && !errors.Is(err, errNothingWritten) {
		return nil, err
	}
	if err == nil {
		rep.Touched = touched
	}
	for _, f := range p.files {
		rep.add(*f.res)
	}
	return rep, nil
}

// analyzeAfter is how many articles a run must write to refresh the
// planner's statistics itself rather than leave it to autovacuum.
const analyzeAfter = 1000

// errNothingWritten rolls back a run that found a failed file.
var errNothingWritten = errors.New("a file failed: nothing written")

type job struct {
	src  Source
	name string
}

// lookahead is how many batches parsing may run ahead of writing in a
// streamed run: enough to keep the database busy, few enough that a large
// import holds a few batches in memory rather than all of them.
const lookahead = 2

// parsing is a run's files being parsed and encoded on every core (the
// work is CPU-bound and files are independent), in file order so that
// batches complete roughly one after another.
type parsing struct {
	files    []parsed
	start    []chan struct{} // start[b] is closed once batch b may be parsed
	released int             // how many of start are closed
	batch    []chan struct{} // batch[b] is closed once files of batch b are all parsed
	left     []atomic.Int32  // files of each batch still being parsed
	failed   atomic.Bool     // some file failed to parse
	wg       sync.WaitGroup
}

// startParsing parses jobs in the background: everything at once, or,
// when stream is set, batches as release allows.
func startParsing(jobs []job, stream bool, progress func(stage string, done, total int)) *parsing {
	n := (len(jobs) + batchSize - 1) / batchSize
	p := &parsing{files: make([]parsed, len(jobs)), start: make([]chan struct{}, n),
		batch: make([]chan struct{}, n), left: make([]atomic.Int32, n)}
	for b := range n {
		p.start[b] = make(chan struct{})
		p.batch[b] = make(chan struct{})
		p.left[b].Store(int32(min(batchSize, len(jobs)-b*batchSize)))
	}
	if stream {
		p.release(lookahead)
	} else {
		p.release(n)
	}
	var next atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		p.wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(jobs); i = int(next.Add(1) - 1) {
				<-p.start[i/batchSize]
				p.files[i] = parseFile(jobs[i].src, jobs[i].name)
				if p.files[i].res.Status == StatusFailed {
					p.failed.Store(true)
				}
				// A worker never blocks while it has files, so it would
				// keep its P for a whole time slice (10 ms) while the
				// writer, woken by each reply from PostgreSQL, waits to
				// run: the transaction is the import's critical path.
				runtime.Gosched()
				if p.left[i/batchSize].Add(-1) == 0 {
					close(p.batch[i/batchSize])
				}
				if progress != nil && (i+1)%500 == 0 {
					progress("parsed", i+1, len(jobs))
				}
			}
		})
	}
	return p
}

// writeAsParsed writes batch after batch as each is parsed, and stops
// early, leaving the rest to the caller's check, at the first failed file
// or repeated (slug, lang). Two other connections keep PostgreSQL's work
// off the transaction's path meanwhile: one stems the English text of the
// next batch (stemAhead), one merges the index entries of the last
// (mergeBehind).
func (p *parsing) writeAsParsed(ctx context.Context, st *store.Store, tx pgx.Tx, touched *store.Touched, progress func(stage string, done, total int)) error {
	ctx, cancel := context.WithCancel(ctx)
	var helpers sync.WaitGroup
	defer func() { cancel(); helpers.Wait() }()
	defer p.release(len(p.start)) // stopping early, the rest is still parsed for the report
	// The transaction holds one connection and the helpers need another:
	// with none, waiting for one would wait for ever, so the transaction
	// then stems and merges as it writes.
	spare := st.Pool().Config().MaxConns >= 2
	stemmed := p.stemAhead(ctx, st, spare, &helpers)
	written, merged, err := p.mergeBehind(ctx, st, tx, spare, &helpers)
	if err != nil {
		return err
	}
	seen := make(map[store.Key]bool, len(p.files))
	for b := range p.batch {
		var err error
		select {
		case err = <-stemmed[b]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err != nil {
			return err
		}
		if p.failed.Load() {
			return nil
		}
		chunk := p.chunk(b)
		for _, f := range chunk {
			k := store.Key{Slug: f.art.Slug, Lang: f.art.Lang}
			if seen[k] {
				return nil
			}
			seen[k] = true
		}
		if err := writeBatch(ctx, tx, chunk, false, touched); err != nil {
			return err
		}
		for i := range chunk {
			chunk[i].art, chunk[i].prep = nil, nil // written: only the report is needed now
		}
		select {
		case written <- struct{}{}:
		default: // a merge is due already
		}
		p.release(b + 1 + lookahead)
		if progress != nil {
			progress("written", b*batchSize+len(chunk), len(p.files))
		}
	}
	close(written) // a last merge, begun after the last batch was written
	return <-merged
}

// release lets parsing start on the batches before n. Only the goroutine
// that started parsing calls it.
func (p *parsing) release(n int) {
	for ; p.released < min(n, len(p.start)); p.released++ {
		close(p.start[p.released])
	}
}

func (p *parsing) chunk(b int) []parsed {
	return p.files[b*batchSize : min((b+1)*batchSize, len(p.files))]
}

// stemAhead stems each batch once parsed, outside the transaction, so
// that PostgreSQL stems on one backend while it writes on another. Only
// articles whose stored hash differs are stemmed (an unchanged one is not
// written); the hashes are read again in the transaction, and what that
// finds changed but is not stemmed yet SavePrepared stems. The channel of
// batch b gets one value: nil, or the error that stopped stemming.
func (p *parsing) stemAhead(ctx context.Context, st *store.Store, spare bool, wg *sync.WaitGroup) []chan error {
	out := make([]chan error, len(p.batch))
	for b := range out {
		out[b] = make(chan error, 1)
	}
	wg.Go(func() {
		for b, done := range p.batch {
			select {
			case <-done:
			case <-ctx.Done():
				return
			}
			if p.failed.Load() || !spare {
				out[b] <- nil
				continue
			}
			out[b] <- stemChanged(ctx, st, p.chunk(b))
		}
	})
	return out
}

// mergeBehind merges the GIN indexes' pending lists on a connection of
// its own after each batch, told on written (without waiting: a batch
// written while a merge runs is merged by the next). Inserting a search
// row's entries into the GIN indexes one by one was about half of what
// writing it cost the transaction; with store.DeferIndexMerges the
// transaction only appends them to the pending lists, and the merging, in
// bulk, runs alongside on a core that would otherwise wait. Once written
// is closed, merged gets nil, or the first error, after a last merge.
func (p *parsing) mergeBehind(ctx context.Context, st *store.Store, tx pgx.Tx, spare bool, wg *sync.WaitGroup) (written chan<- struct{}, merged <-chan error, err error) {
	signal, done := make(chan struct{}, 1), make(chan error, 1)
	if !spare {
		done <- nil // the transaction merges as it inserts
		return signal, done, nil
	}
	if err := store.DeferIndexMerges(ctx, tx); err != nil {
		return nil, nil, err
	}
	wg.Go(func() {
		var err error
		for {
			select {
			case _, more := <-signal:
				if err == nil {
					err = st.MergePendingIndexEntries(ctx)
				}
				if !more {
					done <- err
					return
				}
			case <-ctx.Done():
				return
			}
		}
	})
	return signal, done, nil
}

func stemChanged(ctx context.Context, st *store.Store, files []parsed) error {
	keys := make([]store.Key, len(files))
	for i, f := range files {
		keys[i] = store.Key{Slug: f.art.Slug, Lang: f.art.Lang}
	}
	hashes, err := store.ContentHashes(ctx, st.Pool(), keys)
	if err != nil {
		return err
	}
	var changed []*store.Prepared
	for i, f := range files {
		if old, ok := hashes[keys[i]]; !ok || !bytes.Equal(old, f.prep.Hash) {
			changed = append(changed, f.prep)
		}
	}
	return st.Stem(ctx, changed)
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

// writeBatch compares the content hashes of files (at most batchSize of
// them) with the stored ones, saves what changed and adds what that
// touched to touched. In a dry run it still reads the hashes so the report
// says what would happen.
func writeBatch(ctx context.Context, tx pgx.Tx, files []parsed, dryRun bool, touched *store.Touched) error {
	keys := make([]store.Key, len(files))
	for i, f := range files {
		keys[i] = store.Key{Slug: f.art.Slug, Lang: f.art.Lang}
	}
	hashes, err := store.ContentHashes(ctx, tx, keys)
	if err != nil {
		return err
	}
	var changed []*store.Prepared
	for i, f := range files {
		old, exists := hashes[keys[i]]
		switch {
		case !exists:
			f.res.Status = StatusCreated
		case bytes.Equal(old, f.prep.Hash):
			f.res.Status = StatusUnchanged
			continue
		default:
			f.res.Status = StatusUpdated
		}
		changed = append(changed, f.prep)
	}
	if dryRun || len(changed) == 0 {
		return nil
	}
	_, t, err := store.SavePrepared(ctx, tx, changed, store.Change{Author: "import", Origin: "import"})
	if err != nil {
		var de *article.Error
		if errors.As(err, &de) && de.Kind == article.KindInvalid {
			return fmt.Errorf("%w (rejected by the database; the parser should have caught this)", err)
		}
		return err
	}
	touched.Merge(t)
	return nil
}

// prune archives (never deletes) the articles imported from sources whose
// (slug, lang) no file of this run has any more.
func prune(ctx context.Context, tx pgx.Tx, sources []Source, files []parsed, dryRun bool, rep *Report, touched *store.Touched) error {
	present := map[store.Key]bool{}
	for _, f := range files {
		if f.res.Slug != "" { // parsed: a prune follows only a run without failures
			present[store.Key{Slug: f.res.Slug, Lang: f.res.Lang}] = true
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
	_, t, err := store.SaveArticles(ctx, tx, gone, store.Change{Author: "import", Origin: "import"})
	touched.Merge(t)
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
		if f.res.Status == StatusFailed {
			continue
		}
		k := store.Key{Slug: f.res.Slug, Lang: f.res.Lang}
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
