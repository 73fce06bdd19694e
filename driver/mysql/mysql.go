// Package mysql is the MySQL and MariaDB driver: a key-value table (see
// driver/sqlkv) in InnoDB, read and written through database/sql and
// go-sql-driver/mysql with server-side prepared statements, INSERT ... ON
// DUPLICATE KEY UPDATE, primary-key range scans and multi-row inserts for
// the load phase.
//
// The target is mysql://user:password@host:port/database; the query
// parameters table, layout and fields are the driver's own options
// (docs/drivers-sql.md), the others are go-sql-driver DSN parameters or,
// when it does not know them, session system variables.
package mysql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/sqlkv"
)

// defaultTimeout bounds connecting when the engine gives no timeout.
const defaultTimeout = 10 * time.Second

// keyType is the key column's type: any key statebench generates fits,
// and InnoDB's index limit (3072 bytes) is far.
const keyType = "VARBINARY(1024)"

var (
	_ driver.Driver          = (*myDriver)(nil)
	_ driver.Cleaner         = (*myDriver)(nil)
	_ driver.Classifier      = (*myDriver)(nil)
	_ driver.TimeoutEnforcer = (*myDriver)(nil)
)

// myDriver is an open database/sql pool on one table.
type myDriver struct {
	db      *sql.DB
	model   sqlkv.Model
	stmts   statements
	log     *slog.Logger
	target  string // without the password, for messages
	timeout time.Duration
}

// Open connects to the MySQL or MariaDB server named by cfg.Target, creates
// the InnoDB table if it is missing (with a comment marking it as created by
// statebench), and returns a driver whose pool keeps up to
// cfg.Concurrency+2 connections open. A server that cannot be reached, or
// refuses the login, gives an error wrapping driver.ErrUnreachable.
func Open(ctx context.Context, cfg driver.Config) (driver.Driver, error) {
	target := redact(cfg.Target)
	u, err := url.Parse(cfg.Target)
	if err != nil || u.Scheme != "mysql" || u.Host == "" {
		return nil, fmt.Errorf("mysql target %q: want mysql://user:password@host:port/database", target)
	}
	opts := sqlkv.Options(u, cfg.Options, sqlkv.ModelOptions...)
	model, err := sqlkv.Parse(opts)
	if err != nil {
		return nil, fmt.Errorf("mysql %w", err)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	// The DSN parser knows the library's parameters; the user and password
	// are set apart so that no character in them can confuse it.
	mcfg, err := mysql.ParseDSN(fmt.Sprintf("tcp(%s)%s?%s", addr, u.EscapedPath(), u.RawQuery))
	if err != nil {
		return nil, fmt.Errorf("mysql target %q: %w", target, err)
	}
	mcfg.User = u.User.Username()
	mcfg.Passwd, _ = u.User.Password()
	if mcfg.DBName == "" {
		return nil, fmt.Errorf("mysql target %q: name the database (mysql://user@host:port/database)", target)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	// The dial, and each read and write of a statement, are bounded by
	// the timeout: that bounds every operation without a context deadline.
	if mcfg.Timeout == 0 {
		mcfg.Timeout = timeout
	}
	if mcfg.ReadTimeout == 0 {
		mcfg.ReadTimeout = timeout
	}
	if mcfg.WriteTimeout == 0 {
		mcfg.WriteTimeout = timeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mcfg.Logger = logger{log}
	conn, err := mysql.NewConnector(mcfg)
	if err != nil {
		return nil, fmt.Errorf("mysql target %q: %w", target, err)
	}
	db := sql.OpenDB(conn)
	// Each session holds a connection; Describe and Cleanup need one more.
	n := max(cfg.Concurrency, 1) + 2
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	d := &myDriver{db: db, model: model, stmts: newStatements(model), log: log, target: target, timeout: timeout}

	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.PingContext(cctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to %s: %w: %w", target, driver.ErrUnreachable, err)
	}
	if err := d.ensureTable(cctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// ensureTable creates the table with its marker comment in one statement,
// unless it exists, and checks that it has the model's columns.
func (d *myDriver) ensureTable(ctx context.Context) error {
	m := d.model
	var cols strings.Builder
	for _, c := range m.Columns() {
		fmt.Fprintf(&cols, ", %s LONGBLOB NOT NULL", c)
	}
	create := fmt.Sprintf("CREATE TABLE %s (%s %s NOT NULL PRIMARY KEY%s) ENGINE=InnoDB COMMENT='%s'",
		m.Table, sqlkv.KeyColumn, keyType, cols.String(), sqlkv.Marker)
	_, err := d.db.ExecContext(ctx, create)
	var me *mysql.MySQLError
	switch {
	case err == nil:
		d.log.Info("created table", "table", m.Table, "layout", m.Layout, "fields", m.Fields)
	case errors.As(err, &me) && me.Number == 1050: // ER_TABLE_EXISTS_ERROR
	default:
		return fmt.Errorf("creating table %s: %w", m.Table, err)
	}
	check := fmt.Sprintf("SELECT %s, %s FROM %s LIMIT 0", sqlkv.KeyColumn, strings.Join(m.Columns(), ", "), m.Table)
	rows, err := d.db.QueryContext(ctx, check)
	if err != nil {
		return fmt.Errorf("table %s exists but does not fit layout=%s fields=%d (columns %s, %s): %w",
			m.Table, m.Layout, m.Fields, sqlkv.KeyColumn, strings.Join(m.Columns(), ", "), err)
	}
	return rows.Close()
}

// Session returns a session holding a pooled connection with its
// statements prepared, so that the measure phase does not pay for
// connecting. If that fails (the server is down), Session still succeeds:
// the session connects at its first operation and keeps the connection
// until Close or a connection error.
func (d *myDriver) Session(ctx context.Context) (driver.Session, error) {
	s := &session{d: d, raw: make([]sql.RawBytes, d.model.Fields+1)}
	s.dest = make([]any, len(s.raw))
	for i := range s.raw {
		s.dest[i] = &s.raw[i]
	}
	s.args = make([]any, 0, d.model.Fields+2)
	ctx, cancel := context.WithTimeout(ctx, min(d.timeout, warmTimeout))
	defer cancel()
	s.connect(ctx)
	return s, nil
}

// warmTimeout bounds Session's attempt to connect ahead of time.
const warmTimeout = time.Second

// Describe reads the server's version and durability and memory settings,
// and the table's size (data and indexes) as InnoDB's statistics estimate it.
func (d *myDriver) Describe(ctx context.Context) (map[string]string, error) {
	names := []string{"version", "innodb_buffer_pool_size", "innodb_flush_log_at_trx_commit", "sync_binlog"}
	vals := make([]sql.NullString, len(names))
	dest := make([]any, len(names))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := d.db.QueryRowContext(ctx, "SELECT @@version, @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit, @@sync_binlog").Scan(dest...); err != nil {
		return nil, fmt.Errorf("describing mysql: %w", err)
	}
	desc := map[string]string{"table": d.model.Table, "layout": string(d.model.Layout)}
	for i, n := range names {
		desc[n] = vals[i].String
	}
	if d.model.Layout == sqlkv.Fields {
		desc["fields"] = strconv.Itoa(d.model.Fields)
	}
	var size sql.NullInt64
	err := d.db.QueryRowContext(ctx, "SELECT data_length + index_length FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", d.model.Table).Scan(&size)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("describing table %s: %w", d.model.Table, err)
	}
	if size.Valid {
		desc["table_size_bytes"] = strconv.FormatInt(size.Int64, 10)
	}
	return desc, nil
}

// Cleanup drops the table if statebench created it (its comment is the
// marker); a table without the marker is the user's and stays.
func (d *myDriver) Cleanup(ctx context.Context) error {
	var comment string
	err := d.db.QueryRowContext(ctx, "SELECT table_comment FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", d.model.Table).Scan(&comment)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cleaning up table %s: %w", d.model.Table, err)
	}
	if comment != sqlkv.Marker {
		d.log.Warn("table was not created by statebench; leaving it in place", "table", d.model.Table)
		return nil
	}
	if _, err := d.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+d.model.Table); err != nil {
		return fmt.Errorf("dropping table %s: %w", d.model.Table, err)
	}
	d.log.Info("dropped table", "table", d.model.Table)
	return nil
}

// Close closes the pool.
func (d *myDriver) Close() error { return d.db.Close() }

// EnforcesTimeout reports that operations are bounded without a context
// deadline: go-sql-driver puts the timeout on every read and write of the
// connection's socket (readTimeout, writeTimeout), and taking a connection
// from the pool is bounded by the session.
func (d *myDriver) EnforcesTimeout() bool { return true }

// Classify sorts go-sql-driver's and the server's errors into classes.
func (d *myDriver) Classify(err error) driver.Class { return Classify(err) }

// Classify sorts an error of this driver into a class: broken connections
// (mysql.ErrInvalidConn, database/sql's driver.ErrBadConn and sql.ErrConnDone)
// and the server's connection and shutdown errors are connection errors;
// lock wait and statement timeouts are timeouts. Other server errors are
// Other; the rest is left to driver.Classify.
func Classify(err error) driver.Class {
	var me *mysql.MySQLError
	switch {
	case err == nil:
		return driver.OK
	case errors.Is(err, driver.ErrNotFound):
		return driver.NotFound
	case errors.Is(err, driver.ErrTimeout): // marked by a session
		return driver.Timeout
	case errors.Is(err, driver.ErrConnection):
		return driver.Connection
	case errors.As(err, &me):
		switch me.Number {
		case 1040, // ER_CON_COUNT_ERROR: too many connections
			1053,                   // ER_SERVER_SHUTDOWN
			1077,                   // ER_NORMAL_SHUTDOWN
			1152,                   // ER_ABORTING_CONNECTION
			1158, 1159, 1160, 1161, // network read and write errors and timeouts
			1927, // MariaDB ER_CONNECTION_KILLED
			4031: // MySQL: disconnected by the server for inactivity
			return driver.Connection
		case 1205, // ER_LOCK_WAIT_TIMEOUT
			1969, // MariaDB ER_STATEMENT_TIMEOUT
			3024: // MySQL ER_QUERY_TIMEOUT (max_execution_time)
			return driver.Timeout
		}
		return driver.Other
	case errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, sqldriver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return driver.Connection
	}
	return driver.Classify(err)
}

// logger routes go-sql-driver's messages (which it would otherwise print to
// the process's stderr) to the driver's logger.
type logger struct{ log *slog.Logger }

func (l logger) Print(v ...any) { l.log.Debug(fmt.Sprint(v...), "component", "mysql") }

// redact returns the target URL without its password.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
