-- Back to json, the status inside each revision's content again (jsonb
-- reorders the keys of the revisions it touches; readers do not care).
ALTER TABLE revisions
    DROP CONSTRAINT revisions_content_check,
    ALTER COLUMN content TYPE json USING content::json,
    ALTER COLUMN content SET COMPRESSION lz4;
UPDATE revisions SET content = (content::jsonb || jsonb_build_object('status', status))::json
WHERE NOT content::jsonb ? 'status';
ALTER TABLE revisions DROP COLUMN status;

ALTER TABLE articles
    DROP CONSTRAINT articles_body_check,
    ALTER COLUMN body DROP DEFAULT,
    ALTER COLUMN body TYPE json USING body::json,
    ALTER COLUMN body SET DEFAULT '{}',
    ALTER COLUMN body SET COMPRESSION lz4,
    ADD CONSTRAINT articles_body_check CHECK (json_typeof(body) = 'object');
