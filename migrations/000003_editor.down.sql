DROP TABLE revisions;
DROP TABLE tokens;
