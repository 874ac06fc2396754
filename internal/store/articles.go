package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/errdex/errdex/internal/article"
)

// Saved is what SaveArticles did to one article.
type Saved struct {
	ID      int64
	Version int
	Created bool
}

// Change says who made a write and through what, for the revision log.
type Change struct {
	Author string
	Origin string // "api", "import" or "restore"
}

// articleColumns are the columns SaveArticles writes, in stage order.
var articleColumns = []string{"ord", "slug", "lang", "status", "title", "error_text", "tags", "updated_at",
	"preamble", "front_matter_extra", "condition_text", "condition_qualifier", "impact_text", "impact_qualifier",
	"urgency_level", "urgency_reason", "urgency_qualifier", "summary_notes", "warnings", "sections",
	"source_markdown", "source_path", "content_hash", "body"}

// articleBody is the part of an article stored as one JSON document
// (articles.body, migration 000005): read and written whole, never queried.
type articleBody struct {
	Causes         []article.Cause     `json:"causes"`
	Checks         []article.Step      `json:"checks"`
	Fix            []article.Step      `json:"fix"`
	PermanentFixes []string            `json:"permanentFixes"`
	DetailedSteps  []article.Step      `json:"detailedSteps"`
	Pitfalls       []string            `json:"pitfalls"`
	Checklist      []string            `json:"checklist"`
	References     []article.Reference `json:"references"`
	ExtraSections  []article.Extra     `json:"extraSections"`
}

func bodyOf(a *article.Article) articleBody {
	return articleBody{
		Causes: a.Causes, Checks: a.Checks, Fix: a.Fix, PermanentFixes: a.PermanentFixes,
		DetailedSteps: a.DetailedSteps, Pitfalls: a.Pitfalls, Checklist: a.Checklist,
		References: a.References, ExtraSections: a.ExtraSections,
	}
}

// Scan decodes the body from its column (JSON in a text column, migration
// 000006).
func (b *articleBody) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case string:
		err = json.Unmarshal([]byte(v), b)
	case []byte:
		err = json.Unmarshal(v, b)
	default:
		err = fmt.Errorf("unexpected %T", src)
	}
	if err != nil {
		return fmt.Errorf("decode article body: %w", err)
	}
	return nil
}

func (b *articleBody) fill(a *article.Article) {
	a.Causes, a.Checks, a.Fix, a.PermanentFixes = b.Causes, canonicalSteps(b.Checks), canonicalSteps(b.Fix), b.PermanentFixes
	a.DetailedSteps, a.Pitfalls, a.Checklist = canonicalSteps(b.DetailedSteps), b.Pitfalls, b.Checklist
	a.References, a.ExtraSections = b.References, b.ExtraSections
}

// canonicalSteps gives steps as the parser makes them: commands always a
// list, no empty sub-step or warning lists.
func canonicalSteps(steps []article.Step) []article.Step {
	for i := range steps {
		s := &steps[i]
		if s.Commands == nil {
			s.Commands = []article.Command{}
		}
		if len(s.Warnings) == 0 {
			s.Warnings = nil
		}
		if len(s.Substeps) == 0 {
			s.Substeps = nil
		}
		canonicalSteps(s.Substeps)
	}
	return steps
}

// Prepared is an article encoded for writing: the CPU-bound part of a
// save, done before the transaction so that a caller with many articles
// (the import) can spread it over every core while the database works.
type Prepared struct {
	Article *article.Article
	// Hash fingerprints the article's content, not its bytes: two files
	// that parse to the same article (the original and its export) hash
	// alike, so re-importing either writes nothing. Identity, status and
	// source are left out.
	Hash []byte

	status                          string
	extra, sections, body, revision []byte
	search                          searchVectors
}

// Prepare encodes a for SavePrepared. Derived fields (RelatedLinks,
// ReferencedBy) are dropped: they are computed on read, never stored.
func Prepare(a *article.Article) (*Prepared, error) {
	a.RelatedLinks, a.ReferencedBy = nil, nil
	p := &Prepared{Article: a, status: a.Status, search: vectorsOf(a)}
	if p.status == "" {
		p.status = article.StatusPublished
	}
	var err error
	if p.extra, err = json.Marshal(nonNil(a.FrontMatterExtra)); err != nil {
		return nil, fmt.Errorf("encode front matter of %s/%s: %w", a.Slug, a.Lang, err)
	}
	if p.sections, err = json.Marshal(nonNil(a.Sections)); err != nil {
		return nil, fmt.Errorf("encode sections of %s/%s: %w", a.Slug, a.Lang, err)
	}
	if p.body, err = json.Marshal(bodyOf(a)); err != nil {
		return nil, fmt.Errorf("encode body of %s/%s: %w", a.Slug, a.Lang, err)
	}
	// A revision's id, number and status are columns of its row (Revision
	// fills them in), so its content is what the hash is taken over: one
	// encoding serves both, before the row is known.
	r := *a
	r.ID, r.Version, r.Status = 0, 0, ""
	if p.revision, err = json.Marshal(&r); err != nil {
		return nil, fmt.Errorf("encode revision of %s/%s: %w", a.Slug, a.Lang, err)
	}
	h := sha256.Sum256(p.revision)
	p.Hash = h[:]
	return p, nil
}

// row is p's values in articleColumns order, ord first.
func (p *Prepared) row(ord int) []any {
	a := p.Article
	return []any{ord, a.Slug, a.Lang, p.status, a.Title, a.ErrorText, nonNil(a.Tags), a.UpdatedAt, a.Preamble,
		p.extra, a.Summary.Condition.Text, a.Summary.Condition.Qualifier, a.Summary.Impact.Text,
		a.Summary.Impact.Qualifier, a.Summary.Urgency.Level, a.Summary.Urgency.Reason,
		a.Summary.Urgency.Qualifier, nonNil(a.Summary.Notes), nonNil(a.Warnings), p.sections,
		a.Source, a.SourcePath, p.Hash, p.body}
}

// SaveArticles prepares arts and saves them with SavePrepared.
func SaveArticles(ctx context.Context, tx pgx.Tx, arts []*article.Article, by Change) ([]Saved, Touched, error) {
	ps := make([]*Prepared, len(arts))
	for i, a := range arts {
		p, err := Prepare(a)
		if err != nil {
			return nil, Touched{}, err
		}
		ps[i] = p
	}
	return SavePrepared(ctx, tx, ps, by)
}

// SavePrepared upserts articles by (slug, lang) inside tx, replaces all of
// their parts, keeps their search rows current and records a revision of
// each. Whatever the number of articles, it costs a fixed number of round
// trips: new articles are copied straight into their table, existing ones
// through a staging table and one UPDATE; then codes, related items,
// search rows and revisions go in with one statement each. It sets each
// article's ID and Version, and returns what the write touched, which it
// also notifies at commit. The articles must have distinct (slug, lang).
func SavePrepared(ctx context.Context, tx pgx.Tx, ps []*Prepared, by Change) ([]Saved, Touched, error) {
	if len(ps) == 0 {
		return nil, Touched{}, nil
	}
	keys := make([]Key, len(ps))
	for i, p := range ps {
		keys[i] = Key{p.Article.Slug, p.Article.Lang}
	}
	existing, err := storedArticles(ctx, tx, keys)
	if err != nil {
		return nil, Touched{}, err
	}
	old := make([]int64, 0, len(existing))
	for _, st := range existing {
		old = append(old, st.ID)
	}
	// What the write touches: the articles as they were, then as they are.
	touched := Touched{All: len(ps) > maxTouchedArticles}
	if len(old) > 0 && !touched.All {
		// Locked first, so that "as they were" is what this write replaces:
		// read unlocked, a write committed meanwhile could slip between,
		// and what it touched would go unnamed here.
		if _, err := tx.Exec(ctx, `SELECT FROM articles WHERE id = ANY($1) ORDER BY id FOR UPDATE`, old); err != nil {
			return nil, Touched{}, translate(err, "lock articles")
		}
		if touched, err = storedTouched(ctx, tx, old); err != nil {
			return nil, Touched{}, err
		}
	}
	var fresh, known [][]any
	for i, p := range ps {
		if _, ok := existing[keys[i]]; ok {
			known = append(known, p.row(i))
		} else {
			fresh = append(fresh, p.row(i)[1:])
		}
	}
	if len(fresh) > 0 {
		// A concurrent writer creating the same article makes this fail on
		// UNIQUE (slug, lang): a conflict, never a lost write.
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"articles"}, articleColumns[1:], pgx.CopyFromRows(fresh)); err != nil {
			return nil, Touched{}, translate(err, "save articles")
		}
	}
	if len(known) > 0 {
		if err := updateArticles(ctx, tx, known); err != nil {
			return nil, Touched{}, err
		}
	}
	written, err := storedArticles(ctx, tx, keys)
	if err != nil {
		return nil, Touched{}, err
	}
	saved := make([]Saved, len(ps))
	arts := make([]*article.Article, len(ps))
	for i, p := range ps {
		st, ok := written[keys[i]]
		if !ok {
			return nil, Touched{}, fmt.Errorf("save articles: %s/%s was not written", keys[i].Slug, keys[i].Lang)
		}
		sv := st.Saved
		_, had := existing[keys[i]]
		sv.Created = !had
		saved[i] = sv
		arts[i] = p.Article
		p.Article.ID, p.Article.Version = sv.ID, sv.Version
	}

	if len(old) > 0 {
		del := &pgx.Batch{}
		for _, table := range []string{"article_codes", "related_items", "article_search"} {
			// Table names come from the fixed list above, never from input.
			del.Queue(`DELETE FROM `+table+` WHERE article_id = ANY($1)`, old)
		}
		if err := tx.SendBatch(ctx, del).Close(); err != nil {
			return nil, Touched{}, translate(err, "clear article parts")
		}
	}
	if err := copyParts(ctx, tx, arts); err != nil {
		return nil, Touched{}, err
	}
	if err := stem(ctx, tx, ps); err != nil {
		return nil, Touched{}, err
	}
	if err := saveSearch(ctx, tx, ps); err != nil {
		return nil, Touched{}, err
	}
	revs := make([][]any, len(ps))
	for i, p := range ps {
		revs[i] = []any{p.Article.ID, p.Article.Version, by.Author, by.Origin, p.status, p.revision}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"revisions"}, []string{"article_id", "number", "author", "origin", "status", "content"},
		pgx.CopyFromRows(revs))
	if err != nil {
		return nil, Touched{}, translate(err, "write revisions")
	}
	touched.Merge(touchedBy(arts))
	if touched, err = notifyChanged(ctx, tx, touched); err != nil {
		return nil, Touched{}, err
	}
	return saved, touched, nil
}

// stored is what a write needs to know of an existing article.
type stored struct {
	Saved
	hash   []byte
	status string
}

// storedArticles returns those of keys that exist, with one query.
func storedArticles(ctx context.Context, q queryer, keys []Key) (map[Key]stored, error) {
	slugs, langs := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		slugs[i], langs[i] = k.Slug, k.Lang
	}
	rows, err := q.Query(ctx, `
		SELECT a.slug, a.lang, a.id, a.version, a.content_hash, a.status
		FROM articles a
		JOIN unnest($1::text[], $2::text[]) AS k(slug, lang) ON a.slug = k.slug AND a.lang = k.lang`, slugs, langs)
	if err != nil {
		return nil, translate(err, "find articles")
	}
	out := make(map[Key]stored, len(keys))
	for rows.Next() {
		var k Key
		var st stored
		if err := rows.Scan(&k.Slug, &k.Lang, &st.ID, &st.Version, &st.hash, &st.status); err != nil {
			rows.Close()
			return nil, translate(err, "find articles")
		}
		out[k] = st
	}
	return out, translate(rows.Err(), "find articles")
}

// updateArticles overwrites existing articles with rows (articleColumns
// order), bumping their version, through a staging table: one COPY and
// one UPDATE whatever their number.
func updateArticles(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	_, err := tx.Exec(ctx, `
		CREATE TEMP TABLE IF NOT EXISTS article_stage (
		    ord integer, slug text, lang text, status text, title text, error_text text, tags text[],
		    updated_at timestamptz, preamble text, front_matter_extra jsonb, condition_text text,
		    condition_qualifier text, impact_text text, impact_qualifier text, urgency_level text,
		    urgency_reason text, urgency_qualifier text, summary_notes text[], warnings text[],
		    sections jsonb, source_markdown text COMPRESSION lz4, source_path text, content_hash bytea,
		    body text COMPRESSION lz4
		) ON COMMIT DROP;
		TRUNCATE article_stage`)
	if err != nil {
		return translate(err, "stage articles")
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"article_stage"}, articleColumns, pgx.CopyFromRows(rows)); err != nil {
		return translate(err, "stage articles")
	}
	_, err = tx.Exec(ctx, `
		UPDATE articles a SET
		    status = s.status, title = s.title, error_text = s.error_text,
		    tags = s.tags, updated_at = s.updated_at, preamble = s.preamble,
		    front_matter_extra = s.front_matter_extra,
		    condition_text = s.condition_text, condition_qualifier = s.condition_qualifier,
		    impact_text = s.impact_text, impact_qualifier = s.impact_qualifier,
		    urgency_level = s.urgency_level, urgency_reason = s.urgency_reason,
		    urgency_qualifier = s.urgency_qualifier, summary_notes = s.summary_notes,
		    warnings = s.warnings, sections = s.sections,
		    source_markdown = s.source_markdown, source_path = s.source_path,
		    content_hash = s.content_hash, body = s.body,
		    version = a.version + 1, modified_at = now()
		FROM article_stage s
		WHERE a.slug = s.slug AND a.lang = s.lang`)
	return translate(err, "save articles")
}

// copyParts writes the codes and related items of arts, the parts that
// are queried, with one COPY per table.
func copyParts(ctx context.Context, tx pgx.Tx, arts []*article.Article) error {
	var codes, related [][]any
	for _, a := range arts {
		for i, c := range a.Codes {
			codes = append(codes, []any{a.ID, i + 1, c})
		}
		for i, r := range a.Related {
			related = append(related, []any{a.ID, i + 1, r.Text, nonNil(r.Codes)})
		}
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"article_codes", []string{"article_id", "position", "code"}, codes},
		{"related_items", []string{"article_id", "position", "text", "codes"}, related},
	} {
		if len(c.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return translate(err, "write "+c.table)
		}
	}
	return nil
}

// eachStep calls fn for every step and sub-step, depth first.
func eachStep(steps []article.Step, fn func(s *article.Step)) {
	for i := range steps {
		fn(&steps[i])
		eachStep(steps[i].Substeps, fn)
	}
}

// selectArticles reads whole articles in one statement: the parts come back
// as JSON aggregates, so a lookup costs one round trip whatever its size.
const selectArticles = `
SELECT a.id, a.slug, a.lang, a.status, a.title, a.error_text, a.tags, a.updated_at, a.version,
    a.preamble, a.front_matter_extra, a.condition_text, a.condition_qualifier, a.impact_text,
    a.impact_qualifier, a.urgency_level, a.urgency_reason, a.urgency_qualifier, a.summary_notes,
    a.warnings, a.sections, a.source_markdown, a.source_path,
    ARRAY(SELECT c.code FROM article_codes c WHERE c.article_id = a.id ORDER BY c.position) AS codes,
    a.body,
    (SELECT coalesce(json_agg(json_build_object('text', r.text, 'codes', r.codes) ORDER BY r.position), '[]')
       FROM related_items r WHERE r.article_id = a.id) AS related,
    -- Links, one per case, in this article's language when the case has it;
    -- NULL when none, so the fields stay out of the JSON.
    (SELECT json_agg(json_build_object('item', l.item, 'code', l.code, 'slug', l.slug,
            'lang', l.lang, 'title', l.title) ORDER BY l.item, l.slug)
       FROM (SELECT DISTINCT ON (r.position, b.slug) r.position AS item, bc.code, b.slug, b.lang, b.title
               FROM related_items r
               JOIN article_codes bc ON bc.code = ANY (r.codes)
               JOIN articles b ON b.id = bc.article_id
              WHERE r.article_id = a.id AND b.status = 'published' AND b.slug <> a.slug
              ORDER BY r.position, b.slug, b.lang <> a.lang, b.lang
              LIMIT 50) l) AS related_links,
    (SELECT json_agg(json_build_object('code', l.code, 'slug', l.slug, 'lang', l.lang,
            'title', l.title) ORDER BY l.slug)
       FROM (SELECT DISTINCT ON (b.slug) ac.code, b.slug, b.lang, b.title
               FROM article_codes ac
               JOIN related_items r ON r.codes @> ARRAY[ac.code]
               JOIN articles b ON b.id = r.article_id
              WHERE ac.article_id = a.id AND b.status = 'published' AND b.slug <> a.slug
              ORDER BY b.slug, b.lang <> a.lang, b.lang, ac.position
              LIMIT 50) l) AS referenced_by
FROM articles a`

// scanArticles reads rows of selectArticles into articles.
func scanArticles(rows pgx.Rows) ([]*article.Article, error) {
	var out []*article.Article
	for rows.Next() {
		a := &article.Article{}
		var body articleBody
		err := rows.Scan(&a.ID, &a.Slug, &a.Lang, &a.Status, &a.Title, &a.ErrorText, &a.Tags, &a.UpdatedAt,
			&a.Version, &a.Preamble, &a.FrontMatterExtra, &a.Summary.Condition.Text, &a.Summary.Condition.Qualifier,
			&a.Summary.Impact.Text, &a.Summary.Impact.Qualifier, &a.Summary.Urgency.Level, &a.Summary.Urgency.Reason,
			&a.Summary.Urgency.Qualifier, &a.Summary.Notes, &a.Warnings, &a.Sections, &a.Source, &a.SourcePath,
			&a.Codes, &body, &a.Related, &a.RelatedLinks, &a.ReferencedBy)
		if err != nil {
			return nil, translate(err, "read article")
		}
		a.UpdatedAt = a.UpdatedAt.UTC()
		body.fill(a)
		normalize(a)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read articles")
	}
	return out, nil
}

// normalize turns nil slices into empty ones so JSON shows [] not null.
func normalize(a *article.Article) {
	a.Tags = nonNil(a.Tags)
	a.Codes = nonNil(a.Codes)
	a.Causes = nonNil(a.Causes)
	a.Checks = nonNil(a.Checks)
	a.Fix = nonNil(a.Fix)
	a.PermanentFixes = nonNil(a.PermanentFixes)
	a.DetailedSteps = nonNil(a.DetailedSteps)
	a.Warnings = nonNil(a.Warnings)
	a.Pitfalls = nonNil(a.Pitfalls)
	a.Checklist = nonNil(a.Checklist)
	a.Related = nonNil(a.Related)
	a.References = nonNil(a.References)
	a.ExtraSections = nonNil(a.ExtraSections)
	a.Sections = nonNil(a.Sections)
	if len(a.FrontMatterExtra) == 0 {
		a.FrontMatterExtra = nil
	}
	if len(a.Summary.Notes) == 0 {
		a.Summary.Notes = nil
	}
	for i := range a.Related {
		a.Related[i].Codes = nonNil(a.Related[i].Codes)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ArticlesByCodes returns the published articles filed under any of codes
// (canonical form), each with the codes it is filed under.
func (s *Store) ArticlesByCodes(ctx context.Context, codes []string) ([]*article.Article, error) {
	rows, err := s.pool.Query(ctx, selectArticles+`
WHERE a.status = 'published'
  AND a.id IN (SELECT c.article_id FROM article_codes c WHERE c.code = ANY($1))
ORDER BY a.updated_at DESC, a.id`, codes)
	if err != nil {
		return nil, translate(err, "look up articles")
	}
	return scanArticles(rows)
}

// queryer is what reads need: the pool, or a transaction.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Article returns one article by slug and language, whatever its status;
// KindNotFound when there is none.
func (s *Store) Article(ctx context.Context, slug, lang string) (*article.Article, error) {
	return readArticle(ctx, s.pool, slug, lang)
}

func readArticle(ctx context.Context, q queryer, slug, lang string) (*article.Article, error) {
	rows, err := q.Query(ctx, selectArticles+`
WHERE a.slug = $1 AND a.lang = $2`, slug, lang)
	if err != nil {
		return nil, translate(err, "look up article")
	}
	arts, err := scanArticles(rows)
	if err != nil {
		return nil, err
	}
	if len(arts) == 0 {
		return nil, article.Errorf(article.KindNotFound, "article %s/%s not found", slug, lang)
	}
	return arts[0], nil
}

// PublishedArticles returns every published article, by slug and lang.
func (s *Store) PublishedArticles(ctx context.Context) ([]*article.Article, error) {
	rows, err := s.pool.Query(ctx, selectArticles+`
WHERE a.status = 'published'
ORDER BY a.slug, a.lang`)
	if err != nil {
		return nil, translate(err, "list articles")
	}
	return scanArticles(rows)
}

// ArticlesFromSource returns the live articles imported from files under
// the source named name, for pruning those whose files are gone.
func ArticlesFromSource(ctx context.Context, tx pgx.Tx, name string) ([]*article.Article, error) {
	rows, err := tx.Query(ctx, selectArticles+`
WHERE a.status <> 'archived' AND starts_with(a.source_path, $1)
ORDER BY a.id`, name+"/")
	if err != nil {
		return nil, translate(err, "list articles of source")
	}
	return scanArticles(rows)
}

// CountArticles returns how many articles exist, whatever their status.
func (s *Store) CountArticles(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM articles`).Scan(&n); err != nil {
		return 0, translate(err, "count articles")
	}
	return n, nil
}

// InTx runs fn in a transaction committed only when fn returns nil, so a
// failed write leaves nothing behind. When the COMMIT is cut off (the
// request's deadline, a lost connection) PostgreSQL may have committed
// all the same; InTx then finds out which (commitOutcome) and returns nil
// if it did, so the caller answers what really happened.
func (s *Store) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return translate(err, "begin")
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit
	if err := fn(tx); err != nil {
		return err
	}
	var xid string
	if err := tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&xid); err != nil {
		return translate(err, "commit")
	}
	if err := tx.Commit(ctx); err != nil {
		return s.commitOutcome(ctx, xid, err)
	}
	return nil
}

// commitCheckTimeout bounds how long commitOutcome waits to learn whether
// a cut-off COMMIT took effect: the answer is usually there at once, and
// a client that waited out the request's deadline should not wait much
// longer for its answer (README: up to 0.5 s past the deadline).
const commitCheckTimeout = 500 * time.Millisecond

// commitOutcome decides a COMMIT of transaction xid that failed with
// commitErr. An error from the server is final: nothing was saved. A cut
// connection or context leaves it open, and pg_xact_status, asked on
// another connection, settles it, as PostgreSQL documents for this case:
// nil when the transaction committed, the commit's error when it did not,
// and when no answer comes within commitCheckTimeout an unavailable error
// saying the write may have been saved.
func (s *Store) commitOutcome(ctx context.Context, xid string, commitErr error) error {
	var pgErr *pgconn.PgError
	if errors.As(commitErr, &pgErr) {
		return translate(commitErr, "commit")
	}
	// The request's deadline may be what cut the COMMIT: this needs its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitCheckTimeout)
	defer cancel()
	for {
		var status *string // NULL only for transactions too old to tell
		err := s.pool.QueryRow(ctx, `SELECT pg_xact_status($1::xid8)`, xid).Scan(&status)
		if err == nil && status != nil {
			switch *status {
			case "committed":
				return nil
			case "aborted":
				return translate(commitErr, "commit")
			}
		}
		// "in progress": the server is still committing (a deferred
		// trigger, a slow disk) and will finish on its own; or no answer.
		select {
		case <-ctx.Done():
			return &article.Error{Kind: article.KindUnavailable,
				Message: "database unavailable while committing: the write may or may not have been saved; read it back before sending it again",
				Err:     fmt.Errorf("commit: %w", commitErr)}
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Key identifies an article.
type Key struct{ Slug, Lang string }

// ContentHashes returns the stored source hash of each existing article
// among keys, for skipping unchanged re-imports. q is a transaction, or
// the pool for a guess ahead of one.
func ContentHashes(ctx context.Context, q queryer, keys []Key) (map[Key][]byte, error) {
	found, err := storedArticles(ctx, q, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[Key][]byte, len(found))
	for k, st := range found {
		if st.status == article.StatusArchived {
			st.hash = nil // re-importing an archived article brings it back
		}
		out[k] = st.hash
	}
	return out, nil
}
