package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/internal/article"
)

// Edit runs one editorial change of the article key: it locks the key,
// hands fn the current article (nil if none exists), and saves what fn
// returns with a revision, all in one transaction. Concurrent edits of one
// article run one after the other, so fn's version check is reliable. fn's
// errors are returned as they are; nothing is written then. It returns
// the article as saved and what the write touched.
func (s *Store) Edit(ctx context.Context, key Key, by Change, fn func(cur *article.Article) (*article.Article, error)) (*article.Article, Touched, error) {
	var saved *article.Article
	var touched Touched
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		// Row locks cannot guard a row that does not exist yet (a create), so
		// lock the key itself.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key.Slug+" "+key.Lang); err != nil { // slugs hold no spaces
			return translate(err, "lock article")
		}
		cur, err := readArticle(ctx, tx, key.Slug, key.Lang)
		if err != nil && article.KindOf(err) != article.KindNotFound {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if _, touched, err = SaveArticles(ctx, tx, []*article.Article{next}, by); err != nil {
			return err
		}
		saved, err = readArticle(ctx, tx, next.Slug, next.Lang)
		return err
	})
	if err != nil {
		return nil, Touched{}, err
	}
	return saved, touched, nil
}

// Revision is one stored version of an article.
type Revision struct {
	Number    int              `json:"number"`
	Author    string           `json:"author"`
	Origin    string           `json:"origin"`
	CreatedAt time.Time        `json:"createdAt"`
	Content   *article.Article `json:"content,omitempty"`
}

// Revisions lists an article's revisions, newest first, without content.
func (s *Store) Revisions(ctx context.Context, slug, lang string) ([]Revision, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT r.number, r.author, r.origin, r.created_at
		FROM revisions r JOIN articles a ON a.id = r.article_id
		WHERE a.slug = $1 AND a.lang = $2
		ORDER BY r.number DESC`, slug, lang)
	if err != nil {
		return nil, translate(err, "list revisions")
	}
	out := []Revision{}
	for rows.Next() {
		var r Revision
		if err := rows.Scan(&r.Number, &r.Author, &r.Origin, &r.CreatedAt); err != nil {
			return nil, translate(err, "list revisions")
		}
		r.CreatedAt = r.CreatedAt.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list revisions")
	}
	if len(out) == 0 {
		return nil, article.Errorf(article.KindNotFound, "article %s/%s not found", slug, lang)
	}
	return out, nil
}

// Revision returns revision n of an article with its full content.
func (s *Store) Revision(ctx context.Context, slug, lang string, n int) (*Revision, error) {
	var r Revision
	var id int64
	var status string
	var content []byte
	err := s.pool.QueryRow(ctx, `
		SELECT a.id, r.number, r.author, r.origin, r.created_at, r.status, r.content
		FROM revisions r JOIN articles a ON a.id = r.article_id
		WHERE a.slug = $1 AND a.lang = $2 AND r.number = $3`, slug, lang, n).
		Scan(&id, &r.Number, &r.Author, &r.Origin, &r.CreatedAt, &status, &content)
	if err != nil {
		return nil, translate(err, "revision")
	}
	r.CreatedAt = r.CreatedAt.UTC()
	r.Content = &article.Article{}
	if err := json.Unmarshal(content, r.Content); err != nil {
		return nil, fmt.Errorf("decode revision %d of %s/%s: %w", n, slug, lang, err)
	}
	r.Content.ID, r.Content.Version, r.Content.Status = id, r.Number, status // stored without them (Prepare)
	normalize(r.Content)
	return &r, nil
}

// ArticlesBySlug returns every language of a case; drafts and archived
// articles only when all is set.
func (s *Store) ArticlesBySlug(ctx context.Context, slug string, all bool) ([]*article.Article, error) {
	rows, err := s.pool.Query(ctx, selectArticles+`
WHERE a.slug = $1 AND ($2 OR a.status = 'published')
ORDER BY a.lang`, slug, all)
	if err != nil {
		return nil, translate(err, "look up case")
	}
	return scanArticles(rows)
}
