DROP INDEX IF EXISTS articles_tags_idx;
DROP INDEX IF EXISTS articles_status_updated_idx;
DROP TABLE IF EXISTS article_search;
