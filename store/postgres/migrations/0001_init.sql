-- The first schema: runs with their indexed columns and raw document,
-- their labels, and one row per window and operation.
CREATE TABLE runs (
	id               TEXT PRIMARY KEY,
	benchmark        TEXT NOT NULL,
	status           TEXT NOT NULL,
	error            TEXT NOT NULL,
	run_trigger      TEXT NOT NULL,
	started_ns       BIGINT NOT NULL,
	ended_ns         BIGINT,
	driver           TEXT NOT NULL,
	host             TEXT NOT NULL,
	measure_s        DOUBLE PRECISION NOT NULL,
	main_op          TEXT NOT NULL,
	throughput_ops_s DOUBLE PRECISION NOT NULL,
	p99_us           DOUBLE PRECISION NOT NULL,
	ops              TEXT NOT NULL, -- JSON: the document's ops
	labels           TEXT NOT NULL, -- JSON: the document's labels
	owner_host       TEXT NOT NULL, -- the process writing a running run
	owner_pid        INTEGER NOT NULL,
	owner_start      TEXT NOT NULL,
	heartbeat_ns     BIGINT NOT NULL,
	schema_version   INTEGER NOT NULL,
	head             JSONB NOT NULL, -- JSON: the document without windows and histograms
	doc              TEXT NOT NULL, -- the document exactly as stored
	stored_ns        BIGINT NOT NULL
);
CREATE INDEX runs_started ON runs (started_ns DESC, id DESC);
CREATE INDEX runs_benchmark_started ON runs (benchmark, started_ns DESC, id DESC);
CREATE INDEX runs_status ON runs (status);

CREATE TABLE labels (
	run_id TEXT NOT NULL,
	key    TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (run_id, key)
);
CREATE INDEX labels_key_value ON labels (key, value);

CREATE TABLE windows (
	run_id          TEXT NOT NULL,
	idx             INTEGER NOT NULL,
	op              TEXT NOT NULL, -- '' for a window without operations
	start_s         DOUBLE PRECISION NOT NULL,
	duration_s      DOUBLE PRECISION NOT NULL,
	phase           TEXT NOT NULL,
	state           TEXT NOT NULL,
	skipped         BIGINT NOT NULL,
	count           BIGINT,
	errors          BIGINT,
	not_found       BIGINT,
	errors_by_class TEXT,
	p50_us DOUBLE PRECISION, p90_us DOUBLE PRECISION, p99_us DOUBLE PRECISION, p999_us DOUBLE PRECISION, max_us DOUBLE PRECISION, mean_us DOUBLE PRECISION,
	ip50_us DOUBLE PRECISION, ip90_us DOUBLE PRECISION, ip99_us DOUBLE PRECISION, ip999_us DOUBLE PRECISION, imax_us DOUBLE PRECISION, imean_us DOUBLE PRECISION,
	PRIMARY KEY (run_id, idx, op)
);
