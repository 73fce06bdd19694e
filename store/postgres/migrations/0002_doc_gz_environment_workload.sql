-- Documents are stored gzip-compressed by statebench, in doc_gz (doc is
-- NULL then): storing a one-hour run spent most of its time sending its
-- 5 MB document and having the server compress it. Runs stored before
-- keep their doc.
ALTER TABLE runs ALTER COLUMN doc DROP NOT NULL;
ALTER TABLE runs ADD COLUMN doc_gz BYTEA;
-- Already compressed: not worth trying again.
ALTER TABLE runs ALTER COLUMN doc_gz SET STORAGE EXTERNAL;

-- The document's environment and workload, small enough to stay in the
-- row: --where environment.x=... and workload.x=... read them instead of
-- decompressing head row by row.
ALTER TABLE runs ADD COLUMN environment JSONB;
ALTER TABLE runs ADD COLUMN workload JSONB;
UPDATE runs SET environment = head->'environment', workload = head->'workload';
ALTER TABLE runs ALTER COLUMN environment SET NOT NULL;
ALTER TABLE runs ALTER COLUMN workload SET NOT NULL;
