-- Full-text search (internal/search), one row per article. store.SaveArticles
-- writes it in the same statement batch as the article, so search never lags
-- behind a write. Vectors are built by Go and SQL together: Japanese runs
-- become overlapping bigrams (a tsvector literal made in Go), everything else
-- goes through to_tsvector('english', ...). Weights: A title and codes,
-- B error text, C summary (condition, impact), causes, checks and fix steps.
--
-- Search ranks hits in tiers (title, head, some, body; see store.Search), so
-- each tier has its vector. lang, status and tags repeat the article's so a
-- search filters without touching the wide articles table.
CREATE TABLE article_search (
    article_id bigint   PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    lang       text     NOT NULL,
    status     text     NOT NULL,
    tags       text[]   NOT NULL,
    title_vec  tsvector NOT NULL, -- title and codes
    head_vec   tsvector NOT NULL, -- title, codes and error text
    doc_vec    tsvector NOT NULL  -- head plus summary, causes, checks and fix
);
-- doc_vec (kilobytes of bigrams for a Japanese article) lives out of the
-- row, uncompressed: the rows stay narrow for the scans that only test the
-- title and head, and reading doc_vec costs no decompression.
ALTER TABLE article_search ALTER COLUMN doc_vec SET STORAGE EXTERNAL;
CREATE INDEX article_search_title_idx ON article_search USING gin (title_vec);
CREATE INDEX article_search_head_idx ON article_search USING gin (head_vec);
CREATE INDEX article_search_doc_idx ON article_search USING gin (doc_vec);

-- GET /cases: newest first within a status; GET /tags and ?tag=.
CREATE INDEX articles_status_updated_idx ON articles (status, updated_at DESC, id DESC);
CREATE INDEX articles_tags_idx ON articles USING gin (tags);
