package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/sqlkv"
)

var (
	_ driver.Session    = (*session)(nil)
	_ driver.BulkLoader = (*session)(nil)
)

// Bounds of one multi-row INSERT of a bulk load: MySQL allows 65535
// placeholders in a statement, and a few MiB stay well below the default
// max_allowed_packet (16 MiB in MariaDB, 64 MiB in MySQL).
const (
	bulkMaxRows  = 1000
	bulkMaxBytes = 4 << 20
	maxParams    = 65535
)

// statements is the SQL of the prepared statements, built once per model.
type statements struct {
	read, upsert, delete, scan string
	// A bulk insert is bulkHead, then bulkRow once per record separated by
	// commas, then onDuplicate.
	bulkHead, bulkRow, onDuplicate string
}

func newStatements(m sqlkv.Model) statements {
	cols := m.Columns()
	t, k := m.Table, sqlkv.KeyColumn
	set := make([]string, len(cols))
	for i, c := range cols {
		// VALUES(c) rather than MySQL 8's row alias: MariaDB knows only this.
		set[i] = fmt.Sprintf("%s = VALUES(%s)", c, c)
	}
	all := k + ", " + strings.Join(cols, ", ")
	row := "(?" + strings.Repeat(", ?", len(cols)) + ")"
	onDup := " ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
	return statements{
		read:        fmt.Sprintf("SELECT %s FROM %s WHERE %s = ?", strings.Join(cols, ", "), t, k),
		upsert:      fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", t, all, row) + onDup,
		delete:      fmt.Sprintf("DELETE FROM %s WHERE %s = ?", t, k),
		scan:        fmt.Sprintf("SELECT %s FROM %s WHERE %s >= ? ORDER BY %s LIMIT ?", all, t, k, k),
		bulkHead:    fmt.Sprintf("INSERT INTO %s (%s) VALUES ", t, all),
		bulkRow:     row,
		onDuplicate: onDup,
	}
}

// session holds one pooled connection, with the statements prepared on it,
// while it works; after a connection error it lets it go, and the next
// operation takes a new one (the pool dials again), so a session outlives
// a server restart.
type session struct {
	d    *myDriver
	conn *sql.Conn // nil until the first operation and after a connection error

	read, upsert, delete, scan *sql.Stmt

	args  []any          // reused for every statement's arguments
	parts [][]byte       // a value's fields
	raw   []sql.RawBytes // a row's columns: key, then the value columns
	dest  []any          // pointers to raw, for Scan
	// scratch holds a scanned record's value, joined from its fields.
	scratch []byte
	// began is when the current operation started.
	began time.Time
	// bulkSQL caches multi-row INSERT statements by row count.
	bulkSQL map[int]string
}

// connect makes sure the session holds a connection with its statements
// prepared on the server.
func (s *session) connect(ctx context.Context) error {
	s.began = time.Now()
	if s.conn != nil {
		return nil
	}
	// A full pool would make Conn wait: bound it like an operation.
	cctx, cancel := context.WithTimeout(ctx, s.d.timeout)
	defer cancel()
	c, err := s.d.db.Conn(cctx)
	if err != nil {
		return s.fail(err)
	}
	s.conn = c
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.read, s.d.stmts.read},
		{&s.upsert, s.d.stmts.upsert},
		{&s.delete, s.d.stmts.delete},
		{&s.scan, s.d.stmts.scan},
	} {
		st, err := c.PrepareContext(cctx, p.sql)
		if err != nil {
			err = s.fail(fmt.Errorf("preparing %q: %w", p.sql, err))
			s.drop()
			return err
		}
		*p.stmt = st
	}
	return nil
}

// fail returns err marked with its class, so that driver.Classify alone
// sorts it too, and lets go of the connection when it is broken.
func (s *session) fail(err error) error {
	class := Classify(err)
	// go-sql-driver reports a read or write that hit its deadline as an
	// invalid connection (and logs the cause): an operation that took the
	// whole timeout before failing so timed out.
	if class == driver.Connection && time.Since(s.began) >= s.d.timeout {
		class = driver.Timeout
	}
	switch class {
	case driver.Connection:
		s.drop()
		return &classedError{driver.ErrConnection, err}
	case driver.Timeout:
		s.drop()
		return &classedError{driver.ErrTimeout, err}
	}
	return err
}

// drop closes the statements and returns the connection to the pool,
// which discards it when the library found it broken.
func (s *session) drop() {
	for _, st := range []**sql.Stmt{&s.read, &s.upsert, &s.delete, &s.scan} {
		if *st != nil {
			(*st).Close()
			*st = nil
		}
	}
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// Read runs the prepared point select and appends the value, joined from
// its fields, to dst.
func (s *session) Read(ctx context.Context, key, dst []byte) ([]byte, error) {
	if err := s.connect(ctx); err != nil {
		return dst, err
	}
	s.args = append(s.args[:0], key)
	rows, err := s.read.QueryContext(ctx, s.args...)
	if err != nil {
		return dst, s.fail(err)
	}
	found := false
	for rows.Next() {
		if err := rows.Scan(s.dest[1:]...); err != nil {
			rows.Close()
			return dst, s.fail(err)
		}
		found = true
		for _, v := range s.raw[1:] {
			dst = append(dst, v...)
		}
	}
	if err := rows.Close(); err != nil {
		return dst, s.fail(err)
	}
	if err := rows.Err(); err != nil {
		return dst, s.fail(err)
	}
	if !found {
		return dst, driver.ErrNotFound
	}
	return dst, nil
}

// Update upserts the value.
func (s *session) Update(ctx context.Context, key, value []byte) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	s.args = append(s.args[:0], key)
	s.parts = s.d.model.Split(s.parts[:0], value)
	for _, p := range s.parts {
		s.args = append(s.args, p)
	}
	return s.exec(ctx, s.upsert)
}

// Insert upserts the value, as Update does.
func (s *session) Insert(ctx context.Context, key, value []byte) error {
	return s.Update(ctx, key, value)
}

// Delete deletes the key's row, if there is one.
func (s *session) Delete(ctx context.Context, key []byte) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	s.args = append(s.args[:0], key)
	return s.exec(ctx, s.delete)
}

func (s *session) exec(ctx context.Context, st *sql.Stmt) error {
	if _, err := st.ExecContext(ctx, s.args...); err != nil {
		return s.fail(err)
	}
	return nil
}

// Scan runs the prepared range scan on the primary key.
func (s *session) Scan(ctx context.Context, start []byte, n int, visit func(key, value []byte)) (int, error) {
	if err := s.connect(ctx); err != nil {
		return 0, err
	}
	s.args = append(s.args[:0], start, int64(n))
	rows, err := s.scan.QueryContext(ctx, s.args...)
	if err != nil {
		return 0, s.fail(err)
	}
	visited := 0
	for rows.Next() {
		if err := rows.Scan(s.dest...); err != nil {
			rows.Close()
			return visited, s.fail(err)
		}
		v := []byte(s.raw[1])
		if len(s.raw) > 2 {
			s.scratch = s.scratch[:0]
			for _, f := range s.raw[1:] {
				s.scratch = append(s.scratch, f...)
			}
			v = s.scratch
		}
		visit(s.raw[0], v)
		visited++
	}
	if err := rows.Close(); err != nil {
		return visited, s.fail(err)
	}
	if err := rows.Err(); err != nil {
		return visited, s.fail(err)
	}
	return visited, nil
}

// InsertBatch loads records with multi-row INSERT ... ON DUPLICATE KEY
// UPDATE statements of up to 1000 rows or 4 MiB each. Each statement is
// atomic; a failure leaves the statements before it applied.
func (s *session) InsertBatch(ctx context.Context, keys, values [][]byte) error {
	if len(keys) != len(values) {
		return fmt.Errorf("bulk insert: %d keys but %d values", len(keys), len(values))
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	cols := len(s.d.model.Columns()) + 1
	maxRows := min(bulkMaxRows, maxParams/cols)
	var args []any
	var parts [][]byte
	for i := 0; i < len(keys); {
		args, rows, size := args[:0], 0, 0
		for ; i < len(keys) && rows < maxRows && (rows == 0 || size+len(keys[i])+len(values[i]) <= bulkMaxBytes); i++ {
			args = append(args, keys[i])
			parts = s.d.model.Split(parts[:0], values[i])
			for _, p := range parts {
				args = append(args, p)
			}
			rows++
			size += len(keys[i]) + len(values[i])
		}
		if _, err := s.conn.ExecContext(ctx, s.bulkStatement(rows), args...); err != nil {
			return s.fail(fmt.Errorf("bulk insert into %s: %w", s.d.model.Table, err))
		}
	}
	return nil
}

// bulkStatement returns the multi-row INSERT for rows records.
func (s *session) bulkStatement(rows int) string {
	if q, ok := s.bulkSQL[rows]; ok {
		return q
	}
	st := s.d.stmts
	var b strings.Builder
	b.WriteString(st.bulkHead)
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(st.bulkRow)
	}
	b.WriteString(st.onDuplicate)
	if s.bulkSQL == nil {
		s.bulkSQL = make(map[int]string)
	}
	s.bulkSQL[rows] = b.String()
	return s.bulkSQL[rows]
}

// Close returns the session's connection to the pool.
func (s *session) Close() error {
	s.drop()
	return nil
}

// classedError marks an error with the class sentinel it belongs to
// (driver.ErrConnection, driver.ErrTimeout) without changing its message.
type classedError struct {
	class, err error
}

func (e *classedError) Error() string   { return e.err.Error() }
func (e *classedError) Unwrap() []error { return []error{e.class, e.err} }
