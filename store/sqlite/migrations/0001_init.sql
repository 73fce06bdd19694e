-- The first schema: runs with their indexed columns and raw document,
-- their labels, and one row per window and operation.
CREATE TABLE runs (
	id               TEXT PRIMARY KEY,
	benchmark        TEXT NOT NULL,
	status           TEXT NOT NULL,
	error            TEXT NOT NULL,
	run_trigger      TEXT NOT NULL,
	started_ns       INTEGER NOT NULL,
	ended_ns         INTEGER,
	driver           TEXT NOT NULL,
	host             TEXT NOT NULL,
	measure_s        REAL NOT NULL,
	main_op          TEXT NOT NULL,
	throughput_ops_s REAL NOT NULL,
	p99_us           REAL NOT NULL,
	ops              TEXT NOT NULL, -- JSON: the document's ops
	labels           TEXT NOT NULL, -- JSON: the document's labels
	owner_host       TEXT NOT NULL, -- the process writing a running run
	owner_pid        INTEGER NOT NULL,
	owner_start      TEXT NOT NULL,
	heartbeat_ns     INTEGER NOT NULL,
	schema_version   INTEGER NOT NULL,
	head             TEXT NOT NULL, -- JSON: the document without windows and histograms
	doc              TEXT NOT NULL, -- the document exactly as stored
	stored_ns        INTEGER NOT NULL
);
CREATE INDEX runs_started ON runs (started_ns DESC, id DESC);
CREATE INDEX runs_benchmark_started ON runs (benchmark, started_ns DESC, id DESC);
CREATE INDEX runs_status ON runs (status);

CREATE TABLE labels (
	run_id TEXT NOT NULL,
	key    TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX labels_key_value ON labels (key, value);

CREATE TABLE windows (
	run_id          TEXT NOT NULL,
	idx             INTEGER NOT NULL,
	op              TEXT NOT NULL, -- '' for a window without operations
	start_s         REAL NOT NULL,
	duration_s      REAL NOT NULL,
	phase           TEXT NOT NULL,
	state           TEXT NOT NULL,
	skipped         INTEGER NOT NULL,
	count           INTEGER,
	errors          INTEGER,
	not_found       INTEGER,
	errors_by_class TEXT,
	p50_us REAL, p90_us REAL, p99_us REAL, p999_us REAL, max_us REAL, mean_us REAL,
	ip50_us REAL, ip90_us REAL, ip99_us REAL, ip999_us REAL, imax_us REAL, imean_us REAL,
	PRIMARY KEY (run_id, idx, op)
) WITHOUT ROWID;
