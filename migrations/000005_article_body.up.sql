-- An article's causes, steps (with their commands), plain lists, references
-- and extra sections are always read and written whole and never queried
-- into, so they live in one json document on the article instead of six
-- child tables: an import wrote about 50 child rows per article, each with
-- its foreign-key check, and a lookup aggregated them back. The layout is
-- store.articleBody's JSON encoding. Codes and related items stay
-- relational: lookups, related links and "referenced by" query them.
--
-- json, not jsonb: errdex never looks inside, and json skips jsonb's
-- decomposition on write. Large values are compressed with lz4, several
-- times cheaper than the default pglz for a few kilobytes of text.
ALTER TABLE articles ADD COLUMN body json NOT NULL DEFAULT '{}' CHECK (json_typeof(body) = 'object');

-- Steps form a tree by path ({2} then {2,1}); rebuild it level by level.
CREATE FUNCTION errdex_steps_json(aid bigint, sec text, parent integer[]) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'text', s.text,
               'commands', (SELECT coalesce(json_agg(json_build_object('shell', m.shell, 'code', m.code,
                                    'label', m.label, 'rollback', m.rollback) ORDER BY m.position), '[]')
                              FROM commands m
                             WHERE m.article_id = s.article_id AND m.section = s.section AND m.step_path = s.path),
               'substeps', errdex_steps_json(aid, sec, s.path),
               'warnings', s.warnings) ORDER BY s.path), '[]')
      FROM steps s
     WHERE s.article_id = aid AND s.section = sec
       AND cardinality(s.path) = cardinality(parent) + 1
       AND s.path[1:cardinality(parent)] = parent
$$;

UPDATE articles a SET body = json_build_object(
    'causes', (SELECT coalesce(json_agg(json_build_object('rank', c.rank, 'text', c.text) ORDER BY c.rank), '[]')
                 FROM causes c WHERE c.article_id = a.id),
    'checks', errdex_steps_json(a.id, 'checks', '{}'),
    'fix', errdex_steps_json(a.id, 'fix', '{}'),
    'permanentFixes', (SELECT coalesce(json_agg(l.text ORDER BY l.position), '[]')
                         FROM list_items l WHERE l.article_id = a.id AND l.kind = 'permanentFixes'),
    'detailedSteps', errdex_steps_json(a.id, 'detailedSteps', '{}'),
    'pitfalls', (SELECT coalesce(json_agg(l.text ORDER BY l.position), '[]')
                   FROM list_items l WHERE l.article_id = a.id AND l.kind = 'pitfalls'),
    'checklist', (SELECT coalesce(json_agg(l.text ORDER BY l.position), '[]')
                    FROM list_items l WHERE l.article_id = a.id AND l.kind = 'checklist'),
    'references', (SELECT coalesce(json_agg(json_build_object('url', r.url, 'title', r.title) ORDER BY r.position), '[]')
                     FROM article_references r WHERE r.article_id = a.id),
    'extraSections', (SELECT coalesce(json_agg(json_build_object('heading', e.heading, 'body', e.body) ORDER BY e.position), '[]')
                        FROM extra_sections e WHERE e.article_id = a.id));

DROP FUNCTION errdex_steps_json(bigint, text, integer[]);
DROP TABLE commands;
DROP TABLE steps;
DROP TABLE causes;
DROP TABLE list_items;
DROP TABLE article_references;
DROP TABLE extra_sections;

ALTER TABLE articles
    ALTER COLUMN body SET COMPRESSION lz4,
    ALTER COLUMN source_markdown SET COMPRESSION lz4,
    ALTER COLUMN sections SET COMPRESSION lz4;
ALTER TABLE revisions ALTER COLUMN content SET COMPRESSION lz4;
