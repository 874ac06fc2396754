-- Valid codes looked up with no article: what editors should write next.
CREATE TABLE unresolved_lookups (
    code       text        PRIMARY KEY CHECK (code ~ '^0x[0-9a-f]{8}$'),
    count      bigint      NOT NULL CHECK (count >= 1),
    first_seen timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL CHECK (last_seen >= first_seen)
);
CREATE INDEX unresolved_lookups_count_idx ON unresolved_lookups (count DESC, code);
