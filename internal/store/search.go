package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/search"
)

// searchVectors are an article's search vectors: for its title (and
// codes), the rest of its head (error text) and its body (summary, causes,
// checks, fix), the Japanese bigrams made by Go and the other text for
// PostgreSQL's english parser; then, once stemmed, the finished vectors of
// its search row.
type searchVectors struct {
	titleCJK, errorCJK, bodyCJK       search.Vector
	titleLatin, errorLatin, bodyLatin string

	stemmed          bool
	title, head, doc search.Vector
}

// documents are reused: a new Document's tables grew afresh with every
// article, a tenth of what an import allocated.
var documents = sync.Pool{New: func() any { return search.NewDocument() }}

func vectorsOf(a *article.Article) searchVectors {
	title, errText, body := documents.Get().(*search.Document), documents.Get().(*search.Document), documents.Get().(*search.Document)
	defer func() {
		for _, d := range []*search.Document{title, errText, body} {
			d.Reset()
			documents.Put(d)
		}
	}()
	title.Add(search.WeightA, a.Title)
	title.Add(search.WeightA, strings.Join(a.Codes, " "))
	errText.Add(search.WeightB, a.ErrorText)
	body.Add(search.WeightC, a.Summary.Condition.Text)
	body.Add(search.WeightC, a.Summary.Impact.Text)
	for _, c := range a.Causes {
		body.Add(search.WeightC, c.Text)
	}
	for _, steps := range [][]article.Step{a.Checks, a.Fix} {
		eachStep(steps, func(s *article.Step) { body.Add(search.WeightC, s.Text) })
	}
	return searchVectors{
		titleCJK: title.Lexemes(), titleLatin: title.Latin(search.WeightA),
		errorCJK: errText.Lexemes(), errorLatin: errText.Latin(search.WeightB),
		bodyCJK: body.Lexemes(), bodyLatin: body.Latin(search.WeightC),
	}
}

// latin is the English text of the title, error text and body, in the
// order finish takes their vectors.
func (v *searchVectors) latin() [3]string {
	return [3]string{v.titleLatin, v.errorLatin, v.bodyLatin}
}

// finish joins the halves as the search row holds them: title, head
// (title || error text) and doc (head || body), each half of the English
// text weighted as its field.
func (v *searchVectors) finish(english [3]search.Vector) {
	title := search.Concat(v.titleCJK, english[0].Setweight(search.WeightA))
	errText := search.Concat(v.errorCJK, english[1].Setweight(search.WeightB))
	body := search.Concat(v.bodyCJK, english[2].Setweight(search.WeightC))
	v.title = title
	v.head = search.Concat(title, errText)
	v.doc = search.Concat(v.head, body)
	v.stemmed = true
}

// Stem runs the English text of ps through PostgreSQL's english parser
// on a connection of its own, outside any transaction: the importer stems
// a batch while its transaction writes the one before, on another
// backend. SavePrepared stems whatever has not been.
func (s *Store) Stem(ctx context.Context, ps []*Prepared) error {
	return stem(ctx, s.pool, ps)
}

// stem finishes the search vectors of ps not yet stemmed, with one query.
func stem(ctx context.Context, q queryer, ps []*Prepared) error {
	// Blank text is not sent (to_tsvector makes it an empty vector), so
	// the results are handed out again in the order the texts were taken.
	var texts []string
	for _, p := range ps {
		if v := &p.search; !v.stemmed {
			for _, text := range v.latin() {
				if strings.TrimSpace(text) != "" {
					texts = append(texts, text)
				}
			}
		}
	}
	stems, err := english(ctx, q, texts)
	if err != nil {
		return err
	}
	for _, p := range ps {
		v := &p.search
		if v.stemmed {
			continue
		}
		var e [3]search.Vector
		for field, text := range v.latin() {
			if strings.TrimSpace(text) != "" {
				e[field], stems = stems[0], stems[1:]
			}
		}
		v.finish(e)
	}
	return nil
}

// english runs texts through to_tsvector('english', ...) in one query.
func english(ctx context.Context, q queryer, texts []string) ([]search.Vector, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `
		SELECT to_tsvector('english', u.text)
		FROM unnest($1::text[]) WITH ORDINALITY AS u(text, n)
		ORDER BY u.n`, texts)
	if err != nil {
		return nil, translate(err, "stem search text")
	}
	out := make([]search.Vector, 0, len(texts))
	for rows.Next() {
		var tv pgtype.TSVector
		if err := rows.Scan(&tv); err != nil {
			rows.Close()
			return nil, translate(err, "stem search text")
		}
		out = append(out, fromTSVector(tv))
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "stem search text")
	}
	if len(out) != len(texts) {
		return nil, fmt.Errorf("stem search text: %d vectors for %d texts", len(out), len(texts))
	}
	return out, nil
}

// fromTSVector and toTSVector convert between pgx's tsvector and errdex's,
// each with one allocation for all of a vector's positions.
func fromTSVector(tv pgtype.TSVector) search.Vector {
	n := 0
	for _, l := range tv.Lexemes {
		n += len(l.Positions)
	}
	slab := make([]uint16, n)
	out := make(search.Vector, len(tv.Lexemes))
	for i, l := range tv.Lexemes {
		pos := slab[:len(l.Positions):len(l.Positions)]
		slab = slab[len(l.Positions):]
		for j, p := range l.Positions {
			pos[j] = p.Position&0x3fff | weightBits[p.Weight]<<14
		}
		if len(pos) == 0 {
			pos = nil
		}
		out[i] = search.Lexeme{Word: l.Word, Positions: pos}
	}
	return out
}

func toTSVector(v search.Vector) pgtype.TSVector {
	n := 0
	for _, l := range v {
		n += len(l.Positions)
	}
	slab := make([]pgtype.TSVectorPosition, n)
	out := pgtype.TSVector{Lexemes: make([]pgtype.TSVectorLexeme, len(v)), Valid: true}
	for i, l := range v {
		pos := slab[:len(l.Positions):len(l.Positions)]
		slab = slab[len(l.Positions):]
		for j, p := range l.Positions {
			pos[j] = pgtype.TSVectorPosition{Position: p & 0x3fff, Weight: pgtype.TSVectorWeight("DCBA"[p>>14])}
		}
		out.Lexemes[i] = pgtype.TSVectorLexeme{Word: l.Word, Positions: pos}
	}
	return out
}

var weightBits = [256]uint16{'A': 3, 'B': 2, 'C': 1}

// saveSearch copies the search rows of ps (saved, so with ids, and
// stemmed) in. SavePrepared calls it after removing the rows it replaces,
// so every write path keeps search current in the article's own
// transaction.
func saveSearch(ctx context.Context, tx pgx.Tx, ps []*Prepared) error {
	rows := make([][]any, len(ps))
	for i, p := range ps {
		v := &p.search
		rows[i] = []any{p.Article.ID, p.Article.Lang, p.status, nonNil(p.Article.Tags),
			toTSVector(v.title), toTSVector(v.head), toTSVector(v.doc)}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"article_search"},
		[]string{"article_id", "lang", "status", "tags", "title_vec", "head_vec", "doc_vec"}, pgx.CopyFromRows(rows))
	return translate(err, "write search index")
}

// Search tiers: where a hit matched, best first.
const (
	TierTitle = 3 // every term is in the title or codes
	TierHead  = 2 // every term is in the title, codes or error text
	TierSome  = 1 // some term is there, the others in the body
	TierBody  = 0 // the terms are in the summary, causes, checks or fix only
)

// Hits rank by tier, and within a tier by relevance (ts_rank, which counts
// occurrences and weighs title over body) when the query matches at most
// rankAll articles. Past that, ranking every match would cost more than a
// request may (ts_rank reads each match's whole vector), so within a tier
// the newest come first: a page is then found by walking the primary key in
// order, and its cost does not grow with the number of matches.
const rankAll = 300

// searchWindow is how many of the newest ids a tier walks before it asks
// the GIN index for the rest: past it a tier's hits are rare (fewer than a
// page in the window), so the index returns few rows. Walking stops as soon
// as a page is full, so a dense tier reads far less.
const searchWindow = 4000

// SnippetWidth is the length of a snippet, in characters.
const SnippetWidth = 120

// SearchOptions filter and page a search.
type SearchOptions struct {
	Lang  string // only articles in this language, if set
	Tag   string // only articles with this tag, if set
	Limit int
	After *SearchCursor // where the previous page ended; nil for the first
}

// SearchCursor is the position of a hit in a ranking: by Score, then ID
// (both descending) when Ranked, else by Tier, then ID.
type SearchCursor struct {
	Ranked bool
	Tier   int
	Score  float32
	ID     int64
}

// SearchHit is a published article matching a search.
type SearchHit struct {
	ID        int64          `json:"-"`
	Slug      string         `json:"slug"`
	Lang      string         `json:"lang"`
	Title     string         `json:"title"`
	ErrorText string         `json:"errorText"`
	Codes     []string       `json:"codes"`
	Tags      []string       `json:"tags"`
	UpdatedAt time.Time      `json:"updatedAt"`
	Rank      int            `json:"rank"`
	Snippet   search.Snippet `json:"snippet"`
}

// Search finds the published articles matching q, ranked, and returns a
// page of them with snippets and the cursor of the next page (nil on the
// last). It returns KindUnavailable errors when the database is down.
func (s *Store) Search(ctx context.Context, q search.Query, opts SearchOptions) ([]SearchHit, *SearchCursor, error) {
	var stems []string
	var top int64
	err := s.pool.QueryRow(ctx, `
		SELECT tsvector_to_array(to_tsvector('english', $1)),
		       (SELECT coalesce(max(article_id), 0) + 1 FROM article_search)`, q.Latin).Scan(&stems, &top)
	if err != nil {
		return nil, nil, translate(err, "search")
	}
	parts := slices.Clone(q.CJK)
	for _, st := range stems {
		parts = append(parts, quoteLexeme(st))
	}
	if len(parts) == 0 {
		return []SearchHit{}, nil, nil // only stop words
	}
	t := termQueries{all: strings.Join(parts, " & "), any: strings.Join(parts, " | "), multi: len(parts) > 1}

	var ranked []SearchCursor
	complete := false
	if opts.After != nil && opts.After.Ranked || opts.After == nil && s.searchStats.mayBeFew(ctx, s.pool, q.Terms, stems) {
		ranked, complete, err = s.searchRanked(ctx, t, opts)
		if err != nil {
			return nil, nil, err
		}
	}
	if !complete {
		after := opts.After
		if after != nil && after.Ranked {
			// The matches outgrew rankAll between two pages: go on newest
			// first from the same tier.
			after = &SearchCursor{Tier: after.Tier, ID: after.ID}
		}
		if ranked, err = s.searchTiers(ctx, t, opts, after, top); err != nil {
			return nil, nil, err
		}
	}
	var next *SearchCursor
	if len(ranked) > opts.Limit {
		ranked = ranked[:opts.Limit]
		next = &ranked[len(ranked)-1]
	}
	hits, err := s.searchHits(ctx, ranked, search.NewMatcher(q, stems))
	if err != nil {
		return nil, nil, err
	}
	return hits, next, nil
}

// searchStats estimate from the lexeme frequencies PostgreSQL's ANALYZE
// keeps for doc_vec whether a query may match at most rankAll articles, so
// that a common query does not fetch rankAll of them only to learn that it
// has more. The zero value is ready; it refreshes every few minutes.
type searchStats struct {
	mu    sync.Mutex
	next  time.Time          // when to refresh
	rows  float64            // articles in article_search
	freq  map[string]float64 // fraction of articles holding a lexeme
	rare  float64            // fraction assumed for a lexeme not in freq
	known bool               // ANALYZE has run
}

const searchStatsMaxAge = 5 * time.Minute

// mayBeFew reports whether a query of these Japanese terms and English
// stems may match at most rankAll articles. It errs towards yes: the
// ranked search checks, and costs little when it is wrong that way.
func (st *searchStats) mayBeFew(ctx context.Context, pool *pgxpool.Pool, terms, stems []string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if now := time.Now(); now.After(st.next) {
		st.next = now.Add(searchStatsMaxAge)
		if err := st.load(ctx, pool); err != nil {
			st.known = false // search on without estimates
		}
	}
	if !st.known {
		return true
	}
	f := func(lex string) float64 {
		if v, ok := st.freq[lex]; ok {
			return v
		}
		return st.rare
	}
	est := st.rows
	for _, t := range terms {
		runes := []rune(t)
		if len(runes) == 1 {
			continue // a prefix: anything from rare to every article
		}
		// A word's bigrams come together: it is as rare as its rarest.
		least := 1.0
		for i := 0; i+1 < len(runes); i++ {
			least = min(least, f(string(runes[i:i+2])))
		}
		est *= least
	}
	for _, s := range stems {
		est *= f(s) // distinct words: as if independent
	}
	return est <= rankAll
}

func (st *searchStats) load(ctx context.Context, pool *pgxpool.Pool) error {
	var elems []string
	var freqs []float64
	err := pool.QueryRow(ctx, `
		SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples
		FROM pg_stats s, pg_class c
		WHERE c.oid = 'article_search'::regclass AND s.schemaname = current_schema()
		  AND s.tablename = 'article_search' AND s.attname = 'doc_vec'`).Scan(&elems, &freqs, &st.rows)
	if err != nil || len(elems) == 0 || len(freqs) < len(elems) {
		return fmt.Errorf("read search statistics: %w", err)
	}
	st.freq = make(map[string]float64, len(elems))
	st.rare = 1.0
	for i, e := range elems {
		st.freq[e] = freqs[i]
		// A lexeme not listed is rarer than every listed one; guess low:
		// a ranked search that finds more costs only its LIMIT.
		st.rare = min(st.rare, freqs[i]/10)
	}
	st.known = true
	return nil
}

// termQueries are a search's tsqueries: every term, and any term.
type termQueries struct {
	all, any string
	multi    bool // more than one term
}

// searchRanked fetches every match with its tier and score when there are
// at most rankAll, and returns the page after opts.After (one hit more than
// the limit, to tell whether a next page exists). complete is false when
// there are more matches; nothing is returned then.
func (s *Store) searchRanked(ctx context.Context, t termQueries, opts SearchOptions) ([]SearchCursor, bool, error) {
	// The tier is worth more than any ts_rank (at most about 1.6).
	rows, err := s.pool.Query(ctx, `
		SELECT s.article_id, m.tier, (10 * m.tier + ts_rank(s.doc_vec, $1::tsquery))::real
		FROM article_search s
		CROSS JOIN LATERAL (SELECT CASE WHEN s.title_vec @@ $1::tsquery THEN 3
		                                WHEN s.head_vec @@ $1::tsquery THEN 2
		                                WHEN s.head_vec @@ $2::tsquery THEN 1
		                                ELSE 0 END AS tier) m
		WHERE s.doc_vec @@ $1::tsquery AND s.status = 'published'
		  AND ($3 = '' OR lower(s.lang) = lower($3)) AND ($4 = '' OR s.tags @> ARRAY[$4])
		LIMIT $5`, t.all, t.any, opts.Lang, opts.Tag, rankAll+1)
	if err != nil {
		return nil, false, translate(err, "search")
	}
	var all []SearchCursor
	for rows.Next() {
		c := SearchCursor{Ranked: true}
		if err := rows.Scan(&c.ID, &c.Tier, &c.Score); err != nil {
			rows.Close()
			return nil, false, translate(err, "search")
		}
		all = append(all, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, translate(err, "search")
	}
	if len(all) > rankAll {
		return nil, false, nil
	}
	slices.SortFunc(all, func(a, b SearchCursor) int {
		if a.Score != b.Score {
			return cmpDesc(a.Score, b.Score)
		}
		return cmpDesc(a.ID, b.ID)
	})
	if after := opts.After; after != nil {
		i := 0
		for i < len(all) && (all[i].Score > after.Score || all[i].Score == after.Score && all[i].ID >= after.ID) {
			i++
		}
		all = all[i:]
	}
	return all[:min(len(all), opts.Limit+1)], true, nil
}

func cmpDesc[T int64 | float32](a, b T) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// searchTiers returns the page after after (one hit more than the limit)
// ranked by tier, newest first within a tier. top is above every id.
func (s *Store) searchTiers(ctx context.Context, t termQueries, opts SearchOptions, after *SearchCursor, top int64) ([]SearchCursor, error) {
	need := opts.Limit + 1
	tier, below := TierTitle, top
	if after != nil {
		tier, below = after.Tier, after.ID
	}
	var ranked []SearchCursor
	for ; tier >= TierBody && len(ranked) < need; tier, below = tier-1, top {
		if tier == TierSome && !t.multi {
			continue // one term is either in the head or not
		}
		ids, err := s.searchTier(ctx, tier, t, opts, below, need-len(ranked))
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			ranked = append(ranked, SearchCursor{Tier: tier, ID: id})
		}
	}
	return ranked, nil
}

// tierConditions say which rows of article_search belong to a tier:
// {all} is the query with every term, {any} with any term. One test per
// tier is the operator @@, which an index can answer; the others call its
// function, ts_match_vq, so the planner does not scan a second index (a
// phrase of common bigrams costs milliseconds to look up, and PostgreSQL
// estimates phrases far rarer than they are). Small vectors are tested
// before doc_vec.
var tierConditions = map[int]string{
	TierTitle: `s.title_vec @@ {all}`,
	TierHead:  `s.head_vec @@ {all} AND NOT ts_match_vq(s.title_vec, {all})`,
	TierSome:  `s.head_vec @@ {any} AND NOT ts_match_vq(s.head_vec, {all}) AND ts_match_vq(s.doc_vec, {all})`,
	TierBody:  `NOT ts_match_vq(s.head_vec, {any}) AND s.doc_vec @@ {all}`,
}

// bindTier appends the queries a tier condition uses to args and returns
// the condition with their placeholders.
func bindTier(tier int, t termQueries, args []any) (string, []any) {
	cond := tierConditions[tier]
	for _, p := range []struct{ name, query string }{{"{all}", t.all}, {"{any}", t.any}} {
		if strings.Contains(cond, p.name) {
			args = append(args, p.query)
			cond = strings.ReplaceAll(cond, p.name, fmt.Sprintf("$%d::tsquery", len(args)))
		}
	}
	return cond, args
}

// searchTier returns up to n ids of a tier below the id below, newest first.
// It walks the newest searchWindow ids in order, which is cheap when the
// tier's hits are common; if that is not enough, hits are rare and the GIN
// index finds the rest.
func (s *Store) searchTier(ctx context.Context, tier int, t termQueries, opts SearchOptions, below int64, n int) ([]int64, error) {
	lo := below - searchWindow
	cond, args := bindTier(tier, t, []any{n, below, lo, opts.Lang, opts.Tag})
	// OFFSET 0 keeps the tier condition out of the subquery: the walk reads
	// the primary key in order and stops after n hits.
	rows, err := s.pool.Query(ctx, `
		SELECT s.article_id FROM (
		    SELECT s.article_id, s.title_vec, s.head_vec, s.doc_vec
		    FROM article_search s
		    WHERE s.article_id < $2 AND s.article_id >= $3 AND s.status = 'published'
		      AND ($4 = '' OR lower(s.lang) = lower($4)) AND ($5 = '' OR s.tags @> ARRAY[$5])
		    ORDER BY s.article_id DESC
		    OFFSET 0
		) s
		WHERE `+cond+`
		ORDER BY s.article_id DESC
		LIMIT $1`, args...)
	if err != nil {
		return nil, translate(err, "search")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == n || lo <= 0 {
		return ids, translate(err, "search")
	}
	// MATERIALIZED: collect every remaining hit through the GIN index, then
	// order them; past the window there are few.
	cond, args = bindTier(tier, t, []any{n - len(ids), lo, opts.Lang, opts.Tag})
	rows, err = s.pool.Query(ctx, `
		WITH hits AS MATERIALIZED (
		    SELECT s.article_id FROM article_search s
		    WHERE s.article_id < $2 AND s.status = 'published'
		      AND ($3 = '' OR lower(s.lang) = lower($3)) AND ($4 = '' OR s.tags @> ARRAY[$4])
		      AND `+cond+`
		)
		SELECT article_id FROM hits ORDER BY article_id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, translate(err, "search")
	}
	more, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return append(ids, more...), translate(err, "search")
}

// searchHits reads the articles of a page of hits, in order, with the text
// their snippets are cut from.
func (s *Store) searchHits(ctx context.Context, ranked []SearchCursor, m *search.Matcher) ([]SearchHit, error) {
	hits := make([]SearchHit, 0, len(ranked))
	if len(ranked) == 0 {
		return hits, nil
	}
	ids := make([]int64, len(ranked))
	for i, r := range ranked {
		ids[i] = r.ID
	}
	rows, err := s.pool.Query(ctx, `
		SELECT a.id, a.slug, a.lang, a.title, a.error_text, a.tags, a.updated_at,
		    ARRAY[a.condition_text, a.impact_text],
		    ARRAY(SELECT c.code FROM article_codes c WHERE c.article_id = a.id ORDER BY c.position),
		    a.body
		FROM articles a
		WHERE a.id = ANY($1)`, ids)
	if err != nil {
		return nil, translate(err, "read search hits")
	}
	byID := make(map[int64]SearchHit, len(ranked))
	for rows.Next() {
		var h SearchHit
		var summary []string
		var body articleBody
		if err := rows.Scan(&h.ID, &h.Slug, &h.Lang, &h.Title, &h.ErrorText, &h.Tags, &h.UpdatedAt,
			&summary, &h.Codes, &body); err != nil {
			rows.Close()
			return nil, translate(err, "read search hits")
		}
		causes := make([]string, len(body.Causes))
		for i, c := range body.Causes {
			causes[i] = c.Text
		}
		checks, fix := stepTexts(body.Checks), stepTexts(body.Fix)
		h.UpdatedAt = h.UpdatedAt.UTC()
		h.Snippet = m.BestSnippet([]search.Field{{Name: "title", Texts: []string{h.Title}},
			{Name: "errorText", Texts: []string{h.ErrorText}}, {Name: "summary", Texts: summary}, {Name: "causes", Texts: causes},
			{Name: "checks", Texts: checks}, {Name: "fix", Texts: fix}}, SnippetWidth)
		byID[h.ID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read search hits")
	}
	for _, r := range ranked {
		if h, ok := byID[r.ID]; ok { // gone if deleted meanwhile
			h.Rank = r.Tier
			hits = append(hits, h)
		}
	}
	return hits, nil
}

// stepTexts lists the text of steps and their sub-steps, depth first.
func stepTexts(steps []article.Step) []string {
	var out []string
	eachStep(steps, func(s *article.Step) { out = append(out, s.Text) })
	return out
}

// quoteLexeme writes a lexeme as a tsquery operand.
func quoteLexeme(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// ListOptions filter and page a list of articles.
type ListOptions struct {
	Lang         string
	Tag          string
	Statuses     []string  // any of these; at least one
	UpdatedSince time.Time // zero: any time
	Limit        int
	After        *ListCursor // where the previous page ended; nil for the first
}

// ListCursor is the position of an article in a list: newest first.
type ListCursor struct {
	UpdatedAt time.Time
	ID        int64
}

// ArticleSummary is an article as a list shows it.
type ArticleSummary struct {
	ID        int64     `json:"-"`
	Slug      string    `json:"slug"`
	Lang      string    `json:"lang"`
	Status    string    `json:"status"`
	Title     string    `json:"title"`
	Codes     []string  `json:"codes"`
	Tags      []string  `json:"tags"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ListArticles returns a page of articles, most recently updated first,
// and the cursor of the next page (nil on the last). It returns
// KindUnavailable errors when the database is down.
func (s *Store) ListArticles(ctx context.Context, opts ListOptions) ([]ArticleSummary, *ListCursor, error) {
	var since, afterAt *time.Time
	var afterID int64
	if !opts.UpdatedSince.IsZero() {
		since = &opts.UpdatedSince
	}
	if opts.After != nil {
		afterAt, afterID = &opts.After.UpdatedAt, opts.After.ID
	}
	rows, err := s.pool.Query(ctx, `
		SELECT a.id, a.slug, a.lang, a.status, a.title, a.tags, a.updated_at,
		    ARRAY(SELECT c.code FROM article_codes c WHERE c.article_id = a.id ORDER BY c.position)
		FROM articles a
		WHERE a.status = ANY($1) AND ($2 = '' OR lower(a.lang) = lower($2)) AND ($3 = '' OR a.tags @> ARRAY[$3])
		  AND ($4::timestamptz IS NULL OR a.updated_at >= $4)
		  AND ($5::timestamptz IS NULL OR (a.updated_at, a.id) < ($5, $6))
		ORDER BY a.updated_at DESC, a.id DESC
		LIMIT $7`, opts.Statuses, opts.Lang, opts.Tag, since, afterAt, afterID, opts.Limit+1)
	if err != nil {
		return nil, nil, translate(err, "list articles")
	}
	out := []ArticleSummary{}
	for rows.Next() {
		var a ArticleSummary
		if err := rows.Scan(&a.ID, &a.Slug, &a.Lang, &a.Status, &a.Title, &a.Tags, &a.UpdatedAt, &a.Codes); err != nil {
			rows.Close()
			return nil, nil, translate(err, "list articles")
		}
		a.UpdatedAt = a.UpdatedAt.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, translate(err, "list articles")
	}
	var next *ListCursor
	if len(out) > opts.Limit {
		out = out[:opts.Limit]
		last := out[len(out)-1]
		next = &ListCursor{UpdatedAt: last.UpdatedAt, ID: last.ID}
	}
	return out, next, nil
}

// TagCount is a tag and how many published articles carry it.
type TagCount struct {
	Tag   string `json:"tag"`
	Count int    `json:"count"`
}

// Tags counts the tags of published articles (in lang, if set), most used
// first. It returns KindUnavailable errors when the database is down.
func (s *Store) Tags(ctx context.Context, lang string) ([]TagCount, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.tag, count(*)
		FROM articles a CROSS JOIN LATERAL unnest(a.tags) AS t(tag)
		WHERE a.status = 'published' AND ($1 = '' OR lower(a.lang) = lower($1))
		GROUP BY t.tag
		ORDER BY count(*) DESC, t.tag`, lang)
	if err != nil {
		return nil, translate(err, "count tags")
	}
	tags, err := pgx.CollectRows(rows, pgx.RowToStructByPos[TagCount])
	if err != nil {
		return nil, translate(err, "count tags")
	}
	return nonNil(tags), nil
}

// backfillSearch writes the search rows of articles that have none: those
// saved before the search migration. Afterwards SaveArticles keeps them.
func backfillSearch(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return unavailable(err)
	}
	defer conn.Close(ctx)
	for {
		var n int
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, selectArticles+`
WHERE NOT EXISTS (SELECT 1 FROM article_search s WHERE s.article_id = a.id)
ORDER BY a.id LIMIT 500`)
			if err != nil {
				return translate(err, "read articles to index")
			}
			arts, err := scanArticles(rows)
			if err != nil || len(arts) == 0 {
				return err
			}
			n = len(arts)
			ps := make([]*Prepared, n)
			for i, a := range arts {
				ps[i] = &Prepared{Article: a, status: a.Status, search: vectorsOf(a)}
			}
			if err := stem(ctx, tx, ps); err != nil {
				return err
			}
			return saveSearch(ctx, tx, ps)
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

// DeferIndexMerges lets tx's inserts into GIN indexes gather in the
// indexes' pending lists, up to 64 MB, before the inserting backend merges
// them itself (the default is 4 MB): room for another connection to merge
// them meanwhile (MergePendingIndexEntries), as a bulk write does.
func DeferIndexMerges(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SET LOCAL gin_pending_list_limit = '64MB'`)
	return translate(err, "defer index merges")
}

// MergePendingIndexEntries moves the entries pending in every GIN index of
// the schema into the index proper, whichever transaction inserted them,
// committed or not (searches read the pending lists whole, and autovacuum
// would merge them only later).
func (s *Store) MergePendingIndexEntries(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `
		SELECT gin_clean_pending_list(c.oid)
		FROM pg_class c JOIN pg_am am ON am.oid = c.relam
		WHERE am.amname = 'gin' AND c.relnamespace = current_schema()::regnamespace`)
	return translate(err, "merge pending index entries")
}
