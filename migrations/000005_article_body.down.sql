-- Back to child tables (000001's definitions), filled from the body.
ALTER TABLE revisions ALTER COLUMN content SET COMPRESSION default;
ALTER TABLE articles
    ALTER COLUMN source_markdown SET COMPRESSION default,
    ALTER COLUMN sections SET COMPRESSION default;

CREATE TABLE causes (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    rank       integer NOT NULL CHECK (rank >= 1),
    text       text    NOT NULL,
    PRIMARY KEY (article_id, rank)
);

CREATE TABLE steps (
    article_id bigint    NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    section    text      NOT NULL CHECK (section IN ('checks', 'fix', 'detailedSteps')),
    path       integer[] NOT NULL CHECK (cardinality(path) >= 1 AND 0 < ALL (path)),
    text       text      NOT NULL,
    warnings   text[]    NOT NULL DEFAULT '{}',
    PRIMARY KEY (article_id, section, path)
);

CREATE TABLE commands (
    article_id bigint    NOT NULL,
    section    text      NOT NULL,
    step_path  integer[] NOT NULL,
    position   integer   NOT NULL CHECK (position >= 1),
    shell      text      NOT NULL,
    code       text      NOT NULL,
    label      text      NOT NULL DEFAULT '',
    rollback   boolean   NOT NULL DEFAULT false,
    PRIMARY KEY (article_id, section, step_path, position),
    FOREIGN KEY (article_id, section, step_path)
        REFERENCES steps (article_id, section, path) ON DELETE CASCADE
);

CREATE TABLE list_items (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind       text    NOT NULL CHECK (kind IN ('permanentFixes', 'pitfalls', 'checklist')),
    position   integer NOT NULL CHECK (position >= 1),
    text       text    NOT NULL,
    PRIMARY KEY (article_id, kind, position)
);

CREATE TABLE article_references (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 1),
    url        text    NOT NULL CHECK (url ~ '^https?://'),
    title      text    NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, position)
);

CREATE TABLE extra_sections (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 1),
    heading    text    NOT NULL,
    body       text    NOT NULL,
    PRIMARY KEY (article_id, position)
);

INSERT INTO causes (article_id, rank, text)
SELECT a.id, (c->>'rank')::integer, c->>'text'
  FROM articles a, json_array_elements(a.body->'causes') c;

-- Every step with its path, depth first, walked once for steps and commands.
CREATE TEMP TABLE step_walk ON COMMIT DROP AS
WITH RECURSIVE s (article_id, section, path, step) AS (
    SELECT a.id, sec.name, ARRAY[o.n]::integer[], o.step
      FROM articles a
     CROSS JOIN (VALUES ('checks'), ('fix'), ('detailedSteps')) AS sec (name)
     CROSS JOIN LATERAL json_array_elements(coalesce(a.body->sec.name, '[]')) WITH ORDINALITY AS o (step, n)
    UNION ALL
    SELECT s.article_id, s.section, s.path || o.n::integer, o.step
      FROM s
     CROSS JOIN LATERAL json_array_elements(coalesce(s.step->'substeps', '[]')) WITH ORDINALITY AS o (step, n)
)
SELECT * FROM s;

INSERT INTO steps (article_id, section, path, text, warnings)
SELECT article_id, section, path, step->>'text',
       ARRAY(SELECT json_array_elements_text(coalesce(step->'warnings', '[]')))
  FROM step_walk;

INSERT INTO commands (article_id, section, step_path, position, shell, code, label, rollback)
SELECT s.article_id, s.section, s.path, o.n::integer, o.cmd->>'shell', o.cmd->>'code',
       coalesce(o.cmd->>'label', ''), coalesce((o.cmd->>'rollback')::boolean, false)
  FROM step_walk s
 CROSS JOIN LATERAL json_array_elements(coalesce(s.step->'commands', '[]')) WITH ORDINALITY AS o (cmd, n);

INSERT INTO list_items (article_id, kind, position, text)
SELECT a.id, k.kind, o.n::integer, o.item
  FROM articles a
 CROSS JOIN (VALUES ('permanentFixes'), ('pitfalls'), ('checklist')) AS k (kind)
 CROSS JOIN LATERAL json_array_elements_text(coalesce(a.body->k.kind, '[]')) WITH ORDINALITY AS o (item, n);

INSERT INTO article_references (article_id, position, url, title)
SELECT a.id, o.n::integer, o.r->>'url', coalesce(o.r->>'title', '')
  FROM articles a
 CROSS JOIN LATERAL json_array_elements(coalesce(a.body->'references', '[]')) WITH ORDINALITY AS o (r, n);

INSERT INTO extra_sections (article_id, position, heading, body)
SELECT a.id, o.n::integer, o.e->>'heading', o.e->>'body'
  FROM articles a
 CROSS JOIN LATERAL json_array_elements(coalesce(a.body->'extraSections', '[]')) WITH ORDINALITY AS o (e, n);

ALTER TABLE articles DROP COLUMN body;
