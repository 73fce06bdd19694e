-- doc_gz is where PostgreSQL keeps documents gzip-compressed; SQLite
-- keeps them as text in doc and doc_gz NULL, but has the column so that
-- both backends read alike.
ALTER TABLE runs ADD COLUMN doc_gz BLOB;

-- The document's environment and workload on their own, for --where
-- environment.x=... and workload.x=... without parsing head.
ALTER TABLE runs ADD COLUMN environment TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN workload TEXT NOT NULL DEFAULT '{}';
UPDATE runs SET environment = coalesce(json_extract(head, '$.environment'), '{}'), workload = coalesce(json_extract(head, '$.workload'), '{}');
