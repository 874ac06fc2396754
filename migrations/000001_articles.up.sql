-- Articles and their parts, relationally (shared/FORMAT.md). Child rows are
-- keyed by (article_id, position) so a whole run can be written with COPY.
CREATE TABLE articles (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                text        NOT NULL CHECK (slug <> '' AND length(slug) <= 200 AND slug !~ '\s'),
    lang                text        NOT NULL CHECK (lang ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    status              text        NOT NULL DEFAULT 'published'
                                    CHECK (status IN ('draft', 'published', 'archived')),
    title               text        NOT NULL CHECK (title <> ''),
    error_text          text        NOT NULL CHECK (error_text <> ''),
    tags                text[]      NOT NULL DEFAULT '{}',
    updated_at          timestamptz NOT NULL,
    preamble            text        NOT NULL DEFAULT '',
    front_matter_extra  jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(front_matter_extra) = 'array'),
    condition_text      text        NOT NULL DEFAULT '',
    condition_qualifier text        NOT NULL DEFAULT '',
    impact_text         text        NOT NULL DEFAULT '',
    impact_qualifier    text        NOT NULL DEFAULT '',
    urgency_level       text        NOT NULL DEFAULT ''
                                    CHECK (urgency_level IN ('', 'critical', 'high', 'medium', 'low')),
    urgency_reason      text        NOT NULL DEFAULT '',
    urgency_qualifier   text        NOT NULL DEFAULT '',
    summary_notes       text[]      NOT NULL DEFAULT '{}',
    warnings            text[]      NOT NULL DEFAULT '{}',
    -- The layout as written (headings, qualifiers, notes), so export gives the file back.
    sections            jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(sections) = 'array'),
    source_markdown     text        NOT NULL DEFAULT '',
    source_path         text        NOT NULL DEFAULT '',
    content_hash        bytea,
    version             integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          timestamptz NOT NULL DEFAULT now(),
    modified_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (slug, lang)
);

CREATE TABLE article_codes (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 1),
    code       text    NOT NULL CHECK (code ~ '^0x[0-9a-f]{8}$'),
    PRIMARY KEY (article_id, code),
    UNIQUE (article_id, position)
);
CREATE INDEX article_codes_code_idx ON article_codes (code);

CREATE TABLE causes (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    rank       integer NOT NULL CHECK (rank >= 1),
    text       text    NOT NULL,
    PRIMARY KEY (article_id, rank)
);

-- Checks, fix steps and detailed steps. path locates a step in its tree:
-- {2} is the second step, {2,1} its first sub-step.
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

-- Plain lists: permanent fixes, pitfalls and the prevention checklist.
CREATE TABLE list_items (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind       text    NOT NULL CHECK (kind IN ('permanentFixes', 'pitfalls', 'checklist')),
    position   integer NOT NULL CHECK (position >= 1),
    text       text    NOT NULL,
    PRIMARY KEY (article_id, kind, position)
);

CREATE TABLE related_items (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 1),
    text       text    NOT NULL,
    codes      text[]  NOT NULL DEFAULT '{}',
    PRIMARY KEY (article_id, position)
);
CREATE INDEX related_items_codes_idx ON related_items USING gin (codes);

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
