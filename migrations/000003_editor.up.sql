-- Editors: bearer tokens (only their SHA-256 is stored) and a full revision
-- of every article change, whoever made it.
CREATE TABLE tokens (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL UNIQUE CHECK (name <> '' AND length(name) <= 100),
    role       text        NOT NULL CHECK (role IN ('editor', 'admin')),
    hash       bytea       NOT NULL UNIQUE CHECK (length(hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE TABLE revisions (
    article_id bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number     integer     NOT NULL CHECK (number >= 1),
    author     text        NOT NULL,
    origin     text        NOT NULL CHECK (origin IN ('api', 'import', 'restore')),
    created_at timestamptz NOT NULL DEFAULT now(),
    content    json        NOT NULL, -- read whole, never queried into: json skips jsonb's decomposition on write
    PRIMARY KEY (article_id, number)
);
