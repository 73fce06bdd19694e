// Package postgres is the PostgreSQL driver: a key-value table (see
// driver/sqlkv) read and written through a pgx connection pool with prepared
// statements, upserts, primary-key range scans and COPY for the load phase.
//
// The target is a postgres:// URL as libpq and pgx accept it; the query
// parameters table, layout, fields and synchronous_commit are the driver's
// own options (docs/drivers-sql.md), the others go to pgx.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/sqlkv"
)

// OptSynchronousCommit sets synchronous_commit for every session of the run
// (on, off, local, remote_write, remote_apply); by default the server's.
const OptSynchronousCommit = "synchronous_commit"

// defaultTimeout bounds connecting and each operation when the engine gives
// no timeout.
const defaultTimeout = 10 * time.Second

var (
	_ driver.Driver          = (*pgDriver)(nil)
	_ driver.Cleaner         = (*pgDriver)(nil)
	_ driver.Classifier      = (*pgDriver)(nil)
	_ driver.TimeoutEnforcer = (*pgDriver)(nil)
)

// pgDriver is an open pool on one table.
type pgDriver struct {
	pool   *pgxpool.Pool
	model  sqlkv.Model
	stmts  statements
	log    *slog.Logger
	target string // the target without its password, for messages
	// timeout bounds each operation, as a deadline on the connection's
	// socket, and taking a connection from the pool.
	timeout time.Duration
	// fresh is true while the table is one this Open created and no bulk
	// load found a key in it already: COPY can then go straight into it.
	fresh atomic.Bool
}

// Open connects to the PostgreSQL server named by cfg.Target, creates the
// table if it is missing (marked as created by statebench), and returns a
// driver whose pool holds up to cfg.Concurrency+2 connections. A server that
// cannot be reached, or refuses the login, gives an error wrapping
// driver.ErrUnreachable.
func Open(ctx context.Context, cfg driver.Config) (driver.Driver, error) {
	u, err := url.Parse(cfg.Target)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("postgres target %q: want postgres://user@host:port/database", redact(cfg.Target))
	}
	opts := sqlkv.Options(u, cfg.Options, append(sqlkv.ModelOptions, OptSynchronousCommit)...)
	model, err := sqlkv.Parse(opts)
	if err != nil {
		return nil, fmt.Errorf("postgres %w", err)
	}
	pcfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("postgres target %q: %w", redact(cfg.Target), err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	if pcfg.ConnConfig.ConnectTimeout == 0 {
		pcfg.ConnConfig.ConnectTimeout = timeout
	}
	if sc, ok := opts[OptSynchronousCommit]; ok {
		switch sc {
		case "on", "off", "local", "remote_write", "remote_apply":
			pcfg.ConnConfig.RuntimeParams["synchronous_commit"] = sc
		default:
			return nil, fmt.Errorf("postgres option synchronous_commit=%q: want on, off, local, remote_write or remote_apply", sc)
		}
	}
	if !u.Query().Has("pool_max_conns") {
		// Each session holds a connection; Describe and Cleanup need one more.
		pcfg.MaxConns = int32(max(cfg.Concurrency, 1) + 2)
	}
	d := &pgDriver{model: model, stmts: newStatements(model), log: cfg.Logger, target: redact(cfg.Target), timeout: timeout}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}

	// A first connection of its own checks that the server is there and
	// creates the table, before the pool prepares statements against it.
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, pcfg.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w: %w", d.target, driver.ErrUnreachable, err)
	}
	created, err := d.ensureTable(cctx, conn.PgConn())
	conn.Close(cctx)
	if err != nil {
		return nil, err
	}
	d.fresh.Store(created)
	if created {
		d.log.Info("created table", "table", model.Table, "layout", model.Layout, "fields", model.Fields)
	}
	if d.pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
		return nil, fmt.Errorf("creating postgres pool: %w", err)
	}
	return d, nil
}

// ensureTable creates the table with its marker comment, atomically, unless
// it exists; then checks that it has the model's columns. It reports whether
// it created the table.
func (d *pgDriver) ensureTable(ctx context.Context, c *pgconn.PgConn) (bool, error) {
	m := d.model
	var cols strings.Builder
	for _, c := range m.Columns() {
		fmt.Fprintf(&cols, ", %s bytea NOT NULL", c)
	}
	// One simple query runs as one implicit transaction: the table never
	// exists without its marker.
	create := fmt.Sprintf("CREATE TABLE %s (%s bytea PRIMARY KEY%s); COMMENT ON TABLE %s IS '%s'",
		m.Table, sqlkv.KeyColumn, cols.String(), m.Table, sqlkv.Marker)
	_, err := c.Exec(ctx, create).ReadAll()
	created := err == nil
	var pe *pgconn.PgError
	// 42P07: it exists. 23505: another statebench created it at the same time.
	if err != nil && !(errors.As(err, &pe) && (pe.Code == "42P07" || pe.Code == "23505")) {
		return false, fmt.Errorf("creating table %s: %w", m.Table, err)
	}
	check := fmt.Sprintf("SELECT %s, %s FROM %s LIMIT 0", sqlkv.KeyColumn, strings.Join(m.Columns(), ", "), m.Table)
	if _, err := c.Exec(ctx, check).ReadAll(); err != nil {
		return false, fmt.Errorf("table %s exists but does not fit layout=%s fields=%d (columns %s, %s): %w",
			m.Table, m.Layout, m.Fields, sqlkv.KeyColumn, strings.Join(m.Columns(), ", "), err)
	}
	return created, nil
}

// Session returns a session holding a pooled connection with its
// statements prepared, so that the measure phase does not pay for
// connecting. If that fails (the server is down), Session still succeeds:
// the session connects at its first operation and keeps the connection
// until Close or a connection error.
func (d *pgDriver) Session(ctx context.Context) (driver.Session, error) {
	s := &session{d: d, params: make([][]byte, 0, d.model.Fields+1)}
	ctx, cancel := context.WithTimeout(ctx, min(d.timeout, warmTimeout))
	defer cancel()
	s.conn(ctx)
	return s, nil
}

// warmTimeout bounds Session's attempt to connect ahead of time.
const warmTimeout = time.Second

// Describe reads the server's version and durability and memory settings as
// the run's sessions see them, and the table's size including indexes.
func (d *pgDriver) Describe(ctx context.Context) (map[string]string, error) {
	names := []string{"server_version", "shared_buffers", "synchronous_commit", "fsync", "wal_level"}
	vals := make([]string, len(names))
	var size *int64
	dest := make([]any, 0, len(names)+1)
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	dest = append(dest, &size)
	q := "SELECT current_setting('server_version'), current_setting('shared_buffers'), current_setting('synchronous_commit'), " +
		"current_setting('fsync'), current_setting('wal_level'), pg_total_relation_size(to_regclass($1))"
	if err := d.pool.QueryRow(ctx, q, d.model.Table).Scan(dest...); err != nil {
		return nil, fmt.Errorf("describing postgres: %w", err)
	}
	desc := map[string]string{"table": d.model.Table, "layout": string(d.model.Layout)}
	for i, n := range names {
		desc[n] = vals[i]
	}
	if d.model.Layout == sqlkv.Fields {
		desc["fields"] = strconv.Itoa(d.model.Fields)
	}
	if size != nil {
		desc["table_size_bytes"] = strconv.FormatInt(*size, 10)
	}
	return desc, nil
}

// Cleanup drops the table if statebench created it (it carries the marker
// comment); a table without the marker is the user's and stays.
func (d *pgDriver) Cleanup(ctx context.Context) error {
	var comment *string
	var exists bool
	err := d.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL, obj_description(to_regclass($1), 'pg_class')", d.model.Table).Scan(&exists, &comment)
	if err != nil {
		return fmt.Errorf("cleaning up table %s: %w", d.model.Table, err)
	}
	if !exists {
		return nil
	}
	if comment == nil || *comment != sqlkv.Marker {
		d.log.Warn("table was not created by statebench; leaving it in place", "table", d.model.Table)
		return nil
	}
	if _, err := d.pool.Exec(ctx, "DROP TABLE IF EXISTS "+d.model.Table); err != nil {
		return fmt.Errorf("dropping table %s: %w", d.model.Table, err)
	}
	d.log.Info("dropped table", "table", d.model.Table)
	return nil
}

// Close closes the pool; the engine has closed every session, so no
// connection is still held.
func (d *pgDriver) Close() error {
	d.pool.Close()
	return nil
}

// EnforcesTimeout reports that sessions bound every operation by
// Config.Timeout themselves, with a deadline on the connection's socket,
// so the engine need not give each call a context with a deadline.
func (d *pgDriver) EnforcesTimeout() bool { return true }

// Classify sorts pgx's and PostgreSQL's errors into classes.
func (d *pgDriver) Classify(err error) driver.Class { return Classify(err) }

// Classify sorts an error of this driver into a class: failed connection
// attempts, closed connections and the server's connection and shutdown
// errors (SQLSTATE class 08, 57P01-57P03, 53300) are connection errors;
// pgx timeouts and cancelled statements (57014) are timeouts. A cancelled
// context and other server errors are Other; the rest is left to
// driver.Classify.
func Classify(err error) driver.Class {
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return driver.OK
	case errors.Is(err, driver.ErrNotFound):
		return driver.NotFound
	case errors.Is(err, driver.ErrTimeout): // marked by a session
		return driver.Timeout
	case errors.Is(err, driver.ErrConnection):
		return driver.Connection
	case errors.As(err, &ce):
		return driver.Connection
	case errors.Is(err, context.Canceled):
		// The caller gave up (the run is ending); pgconn reports a call
		// made with a cancelled context as a timeout, which it was not.
		return driver.Other
	case pgconn.Timeout(err):
		return driver.Timeout
	case errors.As(err, &pe):
		switch {
		case pe.Code == "57014": // query_canceled: statement_timeout or a cancel request
			return driver.Timeout
		case strings.HasPrefix(pe.Code, "08"), // connection_exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // admin, crash shutdown; cannot connect now
			pe.Code == "53300": // too_many_connections
			return driver.Connection
		}
		return driver.Other
	case errors.Is(err, pgconn.ErrConnClosed):
		return driver.Connection
	}
	return driver.Classify(err)
}

// redact returns the target URL without its password.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
