package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/internal/article"
)

// Saved is what SaveArticles did to one article.
type Saved struct {
	ID      int64
	Version int
	Created bool
}

// ContentHash fingerprints an article's content, not its bytes: two files
// that parse to the same article (the original and its export) hash alike,
// so re-importing either writes nothing. Identity and bookkeeping fields
// are left out.
func ContentHash(a *article.Article) []byte {
	c := *a
	c.ID, c.Version, c.Status, c.Source, c.SourcePath = 0, 0, "", "", ""
	c.RelatedLinks, c.ReferencedBy = nil, nil
	b, err := json.Marshal(&c)
	if err != nil {
		// An Article holds only plain data; Marshal cannot fail on it.
		panic(fmt.Sprintf("encode article for hashing: %v", err))
	}
	h := sha256.Sum256(b)
	return h[:]
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
	"source_markdown", "source_path", "content_hash"}

// SaveArticles upserts articles by (slug, lang) inside tx, replaces all of
// their parts and records a revision of each. Whatever the number of
// articles, it costs a fixed number of round trips: the articles are
// copied into a staging table and upserted by one statement, then their
// parts are cleared by one batch and written with one COPY a table.
// The articles must have distinct (slug, lang).
func SaveArticles(ctx context.Context, tx pgx.Tx, arts []*article.Article, by Change) ([]Saved, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	rows := make([][]any, len(arts))
	for i, a := range arts {
		a.RelatedLinks, a.ReferencedBy = nil, nil // derived on read, never stored
		extra, err := json.Marshal(nonNil(a.FrontMatterExtra))
		if err != nil {
			return nil, fmt.Errorf("encode front matter of %s/%s: %w", a.Slug, a.Lang, err)
		}
		sections, err := json.Marshal(nonNil(a.Sections))
		if err != nil {
			return nil, fmt.Errorf("encode sections of %s/%s: %w", a.Slug, a.Lang, err)
		}
		status := a.Status
		if status == "" {
			status = article.StatusPublished
		}
		rows[i] = []any{i, a.Slug, a.Lang, status, a.Title, a.ErrorText, nonNil(a.Tags), a.UpdatedAt, a.Preamble,
			extra, a.Summary.Condition.Text, a.Summary.Condition.Qualifier, a.Summary.Impact.Text,
			a.Summary.Impact.Qualifier, a.Summary.Urgency.Level, a.Summary.Urgency.Reason,
			a.Summary.Urgency.Qualifier, nonNil(a.Summary.Notes), nonNil(a.Warnings), sections,
			a.Source, a.SourcePath, ContentHash(a)}
	}
	_, err := tx.Exec(ctx, `
		CREATE TEMP TABLE IF NOT EXISTS article_stage (
		    ord integer, slug text, lang text, status text, title text, error_text text, tags text[],
		    updated_at timestamptz, preamble text, front_matter_extra jsonb, condition_text text,
		    condition_qualifier text, impact_text text, impact_qualifier text, urgency_level text,
		    urgency_reason text, urgency_qualifier text, summary_notes text[], warnings text[],
		    sections jsonb, source_markdown text, source_path text, content_hash bytea
		) ON COMMIT DROP;
		TRUNCATE article_stage`)
	if err != nil {
		return nil, translate(err, "stage articles")
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"article_stage"}, articleColumns, pgx.CopyFromRows(rows)); err != nil {
		return nil, translate(err, "stage articles")
	}
	res, err := tx.Query(ctx, `
		INSERT INTO articles (slug, lang, status, title, error_text, tags, updated_at, preamble,
		    front_matter_extra, condition_text, condition_qualifier, impact_text, impact_qualifier,
		    urgency_level, urgency_reason, urgency_qualifier, summary_notes, warnings, sections,
		    source_markdown, source_path, content_hash)
		SELECT slug, lang, status, title, error_text, tags, updated_at, preamble,
		    front_matter_extra, condition_text, condition_qualifier, impact_text, impact_qualifier,
		    urgency_level, urgency_reason, urgency_qualifier, summary_notes, warnings, sections,
		    source_markdown, source_path, content_hash
		FROM article_stage ORDER BY ord
		ON CONFLICT (slug, lang) DO UPDATE SET
		    status = EXCLUDED.status, title = EXCLUDED.title, error_text = EXCLUDED.error_text,
		    tags = EXCLUDED.tags, updated_at = EXCLUDED.updated_at, preamble = EXCLUDED.preamble,
		    front_matter_extra = EXCLUDED.front_matter_extra,
		    condition_text = EXCLUDED.condition_text, condition_qualifier = EXCLUDED.condition_qualifier,
		    impact_text = EXCLUDED.impact_text, impact_qualifier = EXCLUDED.impact_qualifier,
		    urgency_level = EXCLUDED.urgency_level, urgency_reason = EXCLUDED.urgency_reason,
		    urgency_qualifier = EXCLUDED.urgency_qualifier, summary_notes = EXCLUDED.summary_notes,
		    warnings = EXCLUDED.warnings, sections = EXCLUDED.sections,
		    source_markdown = EXCLUDED.source_markdown, source_path = EXCLUDED.source_path,
		    content_hash = EXCLUDED.content_hash,
		    version = articles.version + 1, modified_at = now()
		RETURNING slug, lang, id, version, xmax = 0`)
	if err != nil {
		return nil, translate(err, "save articles")
	}
	byKey := make(map[Key]Saved, len(arts))
	for res.Next() {
		var k Key
		var sv Saved
		if err := res.Scan(&k.Slug, &k.Lang, &sv.ID, &sv.Version, &sv.Created); err != nil {
			res.Close()
			return nil, translate(err, "save articles")
		}
		byKey[k] = sv
	}
	if err := res.Err(); err != nil {
		return nil, translate(err, "save articles")
	}
	saved := make([]Saved, len(arts))
	for i, a := range arts {
		sv, ok := byKey[Key{a.Slug, a.Lang}]
		if !ok {
			return nil, fmt.Errorf("save articles: %s/%s was not written", a.Slug, a.Lang)
		}
		saved[i] = sv
		a.ID, a.Version = sv.ID, sv.Version
	}

	ids := make([]int64, len(arts))
	for i, s := range saved {
		ids[i] = s.ID
	}
	del := &pgx.Batch{}
	for _, table := range []string{"article_codes", "causes", "steps", "list_items", "related_items", "article_references", "extra_sections"} {
		// Table names come from the fixed list above, never from input.
		del.Queue(`DELETE FROM `+table+` WHERE article_id = ANY($1)`, ids)
	}
	if err := tx.SendBatch(ctx, del).Close(); err != nil {
		return nil, translate(err, "clear article parts")
	}
	if err := copyParts(ctx, tx, arts); err != nil {
		return nil, err
	}
	if err := saveSearch(ctx, tx, arts); err != nil {
		return nil, err
	}
	revs := make([][]any, len(arts))
	for i, a := range arts {
		content, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode revision of %s/%s: %w", a.Slug, a.Lang, err)
		}
		revs[i] = []any{a.ID, a.Version, by.Author, by.Origin, content}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"revisions"}, []string{"article_id", "number", "author", "origin", "content"}, pgx.CopyFromRows(revs))
	if err != nil {
		return nil, translate(err, "write revisions")
	}
	if err := notifyChanged(ctx, tx); err != nil {
		return nil, err
	}
	return saved, nil
}

// copyParts writes every child row of arts with one COPY per table.
func copyParts(ctx context.Context, tx pgx.Tx, arts []*article.Article) error {
	var codes, causes, steps, commands, items, related, refs, extras [][]any
	for _, a := range arts {
		for i, c := range a.Codes {
			codes = append(codes, []any{a.ID, i + 1, c})
		}
		for _, c := range a.Causes {
			causes = append(causes, []any{a.ID, c.Rank, c.Text})
		}
		for _, sec := range []struct {
			name  string
			steps []article.Step
		}{{article.SectionChecks, a.Checks}, {article.SectionFix, a.Fix}, {article.SectionDetailedSteps, a.DetailedSteps}} {
			walkSteps(sec.steps, nil, func(path []int32, s *article.Step) {
				steps = append(steps, []any{a.ID, sec.name, path, s.Text, nonNil(s.Warnings)})
				for i, c := range s.Commands {
					commands = append(commands, []any{a.ID, sec.name, path, i + 1, c.Shell, c.Code, c.Label, c.Rollback})
				}
			})
		}
		for _, l := range []struct {
			kind  string
			items []string
		}{{article.SectionPermanentFixes, a.PermanentFixes}, {article.SectionPitfalls, a.Pitfalls}, {article.SectionChecklist, a.Checklist}} {
			for i, t := range l.items {
				items = append(items, []any{a.ID, l.kind, i + 1, t})
			}
		}
		for i, r := range a.Related {
			related = append(related, []any{a.ID, i + 1, r.Text, nonNil(r.Codes)})
		}
		for i, r := range a.References {
			refs = append(refs, []any{a.ID, i + 1, r.URL, r.Title})
		}
		for i, e := range a.ExtraSections {
			extras = append(extras, []any{a.ID, i + 1, e.Heading, e.Body})
		}
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"article_codes", []string{"article_id", "position", "code"}, codes},
		{"causes", []string{"article_id", "rank", "text"}, causes},
		{"steps", []string{"article_id", "section", "path", "text", "warnings"}, steps},
		{"commands", []string{"article_id", "section", "step_path", "position", "shell", "code", "label", "rollback"}, commands},
		{"list_items", []string{"article_id", "kind", "position", "text"}, items},
		{"related_items", []string{"article_id", "position", "text", "codes"}, related},
		{"article_references", []string{"article_id", "position", "url", "title"}, refs},
		{"extra_sections", []string{"article_id", "position", "heading", "body"}, extras},
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

// walkSteps calls fn for every step in depth-first order with its 1-based path.
func walkSteps(steps []article.Step, parent []int32, fn func(path []int32, s *article.Step)) {
	for i := range steps {
		path := append(slices.Clone(parent), int32(i+1))
		fn(path, &steps[i])
		walkSteps(steps[i].Substeps, path, fn)
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
    (SELECT coalesce(json_agg(json_build_object('rank', c.rank, 'text', c.text) ORDER BY c.rank), '[]')
       FROM causes c WHERE c.article_id = a.id) AS causes,
    (SELECT coalesce(json_agg(json_build_object(
            'section', s.section, 'path', s.path, 'text', s.text, 'warnings', s.warnings,
            'commands', (SELECT coalesce(json_agg(json_build_object('shell', m.shell, 'code', m.code,
                                 'label', m.label, 'rollback', m.rollback) ORDER BY m.position), '[]')
                           FROM commands m
                          WHERE m.article_id = s.article_id AND m.section = s.section AND m.step_path = s.path))
            ORDER BY s.section, s.path), '[]')
       FROM steps s WHERE s.article_id = a.id) AS steps,
    (SELECT coalesce(json_agg(json_build_object('kind', l.kind, 'text', l.text) ORDER BY l.kind, l.position), '[]')
       FROM list_items l WHERE l.article_id = a.id) AS list_items,
    (SELECT coalesce(json_agg(json_build_object('text', r.text, 'codes', r.codes) ORDER BY r.position), '[]')
       FROM related_items r WHERE r.article_id = a.id) AS related,
    (SELECT coalesce(json_agg(json_build_object('url', r.url, 'title', r.title) ORDER BY r.position), '[]')
       FROM article_references r WHERE r.article_id = a.id) AS refs,
    (SELECT coalesce(json_agg(json_build_object('heading', e.heading, 'body', e.body) ORDER BY e.position), '[]')
       FROM extra_sections e WHERE e.article_id = a.id) AS extras,
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

type stepRow struct {
	Section  string            `json:"section"`
	Path     []int             `json:"path"`
	Text     string            `json:"text"`
	Warnings []string          `json:"warnings"`
	Commands []article.Command `json:"commands"`
}

type listRow struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// scanArticles reads rows of selectArticles into articles.
func scanArticles(rows pgx.Rows) ([]*article.Article, error) {
	var out []*article.Article
	for rows.Next() {
		a := &article.Article{}
		var steps []stepRow
		var lists []listRow
		err := rows.Scan(&a.ID, &a.Slug, &a.Lang, &a.Status, &a.Title, &a.ErrorText, &a.Tags, &a.UpdatedAt,
			&a.Version, &a.Preamble, &a.FrontMatterExtra, &a.Summary.Condition.Text, &a.Summary.Condition.Qualifier,
			&a.Summary.Impact.Text, &a.Summary.Impact.Qualifier, &a.Summary.Urgency.Level, &a.Summary.Urgency.Reason,
			&a.Summary.Urgency.Qualifier, &a.Summary.Notes, &a.Warnings, &a.Sections, &a.Source, &a.SourcePath,
			&a.Codes, &a.Causes, &steps, &lists, &a.Related, &a.References, &a.ExtraSections,
			&a.RelatedLinks, &a.ReferencedBy)
		if err != nil {
			return nil, translate(err, "read article")
		}
		a.UpdatedAt = a.UpdatedAt.UTC()
		a.Checks = buildSteps(steps, article.SectionChecks)
		a.Fix = buildSteps(steps, article.SectionFix)
		a.DetailedSteps = buildSteps(steps, article.SectionDetailedSteps)
		for _, l := range lists {
			switch l.Kind {
			case article.SectionPermanentFixes:
				a.PermanentFixes = append(a.PermanentFixes, l.Text)
			case article.SectionPitfalls:
				a.Pitfalls = append(a.Pitfalls, l.Text)
			case article.SectionChecklist:
				a.Checklist = append(a.Checklist, l.Text)
			}
		}
		normalize(a)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read articles")
	}
	return out, nil
}

// buildSteps rebuilds one section's step tree from rows sorted by path.
func buildSteps(rows []stepRow, section string) []article.Step {
	var flat []stepRow
	for _, r := range rows {
		if r.Section == section {
			flat = append(flat, r)
		}
	}
	steps, _ := stepsAt(flat, 0, 1)
	return steps
}

// stepsAt consumes rows at depth (path length) and below, returning the
// steps and how many rows it used.
func stepsAt(rows []stepRow, from, depth int) ([]article.Step, int) {
	var out []article.Step
	i := from
	for i < len(rows) && len(rows[i].Path) == depth {
		r := rows[i]
		s := article.Step{Text: r.Text, Commands: r.Commands, Warnings: r.Warnings}
		if len(s.Warnings) == 0 {
			s.Warnings = nil
		}
		if s.Commands == nil {
			s.Commands = []article.Command{}
		}
		i++
		if i < len(rows) && len(rows[i].Path) > depth {
			var n int
			s.Substeps, n = stepsAt(rows, i, depth+1)
			i = n
		}
		out = append(out, s)
	}
	return out, i
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
// failed write leaves nothing behind.
func (s *Store) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return translate(err, "begin")
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return translate(err, "commit")
	}
	return nil
}

// Key identifies an article.
type Key struct{ Slug, Lang string }

// ContentHashes returns the stored source hash of each existing article
// among keys, for skipping unchanged re-imports.
func ContentHashes(ctx context.Context, tx pgx.Tx, keys []Key) (map[Key][]byte, error) {
	slugs, langs := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		slugs[i], langs[i] = k.Slug, k.Lang
	}
	rows, err := tx.Query(ctx, `
		SELECT a.slug, a.lang, a.content_hash, a.status
		FROM articles a
		JOIN unnest($1::text[], $2::text[]) AS k(slug, lang) ON a.slug = k.slug AND a.lang = k.lang`, slugs, langs)
	if err != nil {
		return nil, translate(err, "read content hashes")
	}
	out := map[Key][]byte{}
	for rows.Next() {
		var k Key
		var h []byte
		var status string
		if err := rows.Scan(&k.Slug, &k.Lang, &h, &status); err != nil {
			return nil, translate(err, "read content hashes")
		}
		if status == article.StatusArchived {
			h = nil // re-importing an archived article brings it back
		}
		out[k] = h
	}
	return out, translate(rows.Err(), "read content hashes")
}
