package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/sqlkv"
)

var (
	_ driver.Session    = (*session)(nil)
	_ driver.BulkLoader = (*session)(nil)
)

// binaryFormat asks for every parameter and result column in binary: bytea
// travels as raw bytes, with nothing to encode or decode.
var binaryFormat = []int16{1}

// statements is the SQL of the prepared statements, built once per model.
type statements struct {
	read, upsert, delete, scan string
	// copyUpsert moves a bulk load's rows from the session's temporary
	// table into the table.
	tempTable, copyUpsert string
}

// Prepared statement names; each pooled connection prepares them once.
const (
	nameRead   = "statebench_read"
	nameUpsert = "statebench_upsert"
	nameDelete = "statebench_delete"
	nameScan   = "statebench_scan"
)

func newStatements(m sqlkv.Model) statements {
	cols := m.Columns()
	t, k := m.Table, sqlkv.KeyColumn
	ph := make([]string, len(cols))
	set := make([]string, len(cols))
	for i, c := range cols {
		ph[i] = fmt.Sprintf("$%d", i+2)
		set[i] = c + " = EXCLUDED." + c
	}
	all := k + ", " + strings.Join(cols, ", ")
	onConflict := fmt.Sprintf(" ON CONFLICT (%s) DO UPDATE SET %s", k, strings.Join(set, ", "))
	return statements{
		read:      fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1", strings.Join(cols, ", "), t, k),
		upsert:    fmt.Sprintf("INSERT INTO %s (%s) VALUES ($1, %s)", t, all, strings.Join(ph, ", ")) + onConflict,
		delete:    fmt.Sprintf("DELETE FROM %s WHERE %s = $1", t, k),
		scan:      fmt.Sprintf("SELECT %s FROM %s WHERE %s >= $1 ORDER BY %s LIMIT $2", all, t, k, k),
		tempTable: fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS statebench_load (LIKE %s) ON COMMIT DELETE ROWS", t),
		copyUpsert: fmt.Sprintf("INSERT INTO %s (%s) SELECT DISTINCT ON (%s) %s FROM statebench_load", t, all, k, all) +
			onConflict,
	}
}

// session holds one pooled connection while it works; after a connection
// error it lets it go, and the next operation takes a new one (the pool
// dials again), so a session outlives a server restart.
type session struct {
	d  *pgDriver
	pc *pgxpool.Conn // nil until the first operation and after a connection error
	c  *pgconn.PgConn

	read, upsert, delete, scan *pgconn.StatementDescription

	params  [][]byte // reused for every statement's parameters
	limit   [8]byte  // the scan's LIMIT, a binary int8
	scratch []byte   // a scanned record's value, joined from its fields
}

// conn makes sure the session holds a connection with its statements
// prepared. pgx prepares a named statement once per connection: on a
// connection that has them already, Prepare costs no round trip.
func (s *session) conn(ctx context.Context) error {
	if s.pc != nil {
		return s.arm(1)
	}
	// A full pool would make Acquire wait: bound it like an operation.
	actx, cancel := context.WithTimeout(ctx, s.d.timeout)
	pc, err := s.d.pool.Acquire(actx)
	cancel()
	if err != nil {
		return s.fail(err)
	}
	s.pc, s.c = pc, pc.Conn().PgConn()
	for _, p := range []struct {
		sd        **pgconn.StatementDescription
		name, sql string
	}{
		{&s.read, nameRead, s.d.stmts.read},
		{&s.upsert, nameUpsert, s.d.stmts.upsert},
		{&s.delete, nameDelete, s.d.stmts.delete},
		{&s.scan, nameScan, s.d.stmts.scan},
	} {
		sd, err := pc.Conn().Prepare(ctx, p.name, p.sql)
		if err != nil {
			err = s.fail(fmt.Errorf("preparing %s: %w", p.name, err))
			s.release()
			return err
		}
		*p.sd = sd
	}
	return s.arm(1)
}

// arm sets the deadline of the operation about to run, n times the
// timeout, on the connection's socket: pgconn then fails it as a timeout
// and closes the connection, and the session takes a new one.
func (s *session) arm(n int) error {
	return s.c.Conn().SetDeadline(time.Now().Add(time.Duration(n) * s.d.timeout))
}

// fail returns err marked with its class, so that driver.Classify alone
// sorts it too, and lets go of the connection when it is broken.
func (s *session) fail(err error) error {
	class := Classify(err)
	if class == driver.Connection || class == driver.Timeout || (s.c != nil && s.c.IsClosed()) {
		s.drop()
	}
	switch class {
	case driver.Connection:
		return &classedError{driver.ErrConnection, err}
	case driver.Timeout:
		return &classedError{driver.ErrTimeout, err}
	}
	return err
}

// drop closes the held connection, which the pool then destroys, and
// releases it.
func (s *session) drop() {
	if s.pc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	s.c.Close(ctx)
	cancel()
	s.release()
}

func (s *session) release() {
	if s.pc != nil {
		// The pool must not find a past deadline on an idle connection.
		s.c.Conn().SetDeadline(time.Time{})
		s.pc.Release()
		s.pc, s.c = nil, nil
	}
}

// closeTimeout bounds saying goodbye on a connection given up on.
const closeTimeout = 100 * time.Millisecond

// Read runs the prepared point select and appends the value, joined from
// its fields, to dst.
func (s *session) Read(ctx context.Context, key, dst []byte) ([]byte, error) {
	if err := s.conn(ctx); err != nil {
		return dst, err
	}
	s.params = append(s.params[:0], key)
	rr := s.c.ExecStatement(ctx, s.read, s.params, binaryFormat, binaryFormat)
	found := false
	for rr.NextRow() {
		found = true
		for _, v := range rr.Values() {
			dst = append(dst, v...)
		}
	}
	if _, err := rr.Close(); err != nil {
		return dst, s.fail(err)
	}
	if !found {
		return dst, driver.ErrNotFound
	}
	return dst, nil
}

// Update upserts the value.
func (s *session) Update(ctx context.Context, key, value []byte) error {
	if err := s.conn(ctx); err != nil {
		return err
	}
	s.params = s.d.model.Split(append(s.params[:0], key), value)
	return s.exec(ctx, s.upsert)
}

// Insert upserts the value, as Update does.
func (s *session) Insert(ctx context.Context, key, value []byte) error {
	return s.Update(ctx, key, value)
}

// Delete deletes the key's row, if there is one.
func (s *session) Delete(ctx context.Context, key []byte) error {
	if err := s.conn(ctx); err != nil {
		return err
	}
	s.params = append(s.params[:0], key)
	return s.exec(ctx, s.delete)
}

func (s *session) exec(ctx context.Context, sd *pgconn.StatementDescription) error {
	if _, err := s.c.ExecStatement(ctx, sd, s.params, binaryFormat, binaryFormat).Close(); err != nil {
		return s.fail(err)
	}
	return nil
}

// Scan runs the prepared range scan on the primary key.
func (s *session) Scan(ctx context.Context, start []byte, n int, visit func(key, value []byte)) (int, error) {
	if err := s.conn(ctx); err != nil {
		return 0, err
	}
	binary.BigEndian.PutUint64(s.limit[:], uint64(n))
	s.params = append(s.params[:0], start, s.limit[:])
	rr := s.c.ExecStatement(ctx, s.scan, s.params, binaryFormat, binaryFormat)
	visited := 0
	for rr.NextRow() {
		vals := rr.Values()
		v := vals[1]
		if len(vals) > 2 {
			s.scratch = s.scratch[:0]
			for _, f := range vals[1:] {
				s.scratch = append(s.scratch, f...)
			}
			v = s.scratch
		}
		visit(vals[0], v)
		visited++
	}
	if _, err := rr.Close(); err != nil {
		return visited, s.fail(err)
	}
	return visited, nil
}

// InsertBatch loads records with COPY: straight into a table this run
// created and nobody has loaded yet, otherwise into a temporary table whose
// rows one INSERT ... ON CONFLICT then upserts, in one transaction.
func (s *session) InsertBatch(ctx context.Context, keys, values [][]byte) error {
	if len(keys) != len(values) {
		return fmt.Errorf("bulk insert: %d keys but %d values", len(keys), len(values))
	}
	if err := s.conn(ctx); err != nil {
		return err
	}
	// A batch is many records: the engine gives it four times an operation's time.
	if err := s.arm(4); err != nil {
		return s.fail(err)
	}
	cols := append([]string{sqlkv.KeyColumn}, s.d.model.Columns()...)
	conn := s.pc.Conn()
	if s.d.fresh.Load() {
		_, err := conn.CopyFrom(ctx, pgx.Identifier{s.d.model.Table}, cols, s.copyRows(keys, values))
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || pe.Code != "23505" {
			if err != nil {
				return s.fail(fmt.Errorf("copying into %s: %w", s.d.model.Table, err))
			}
			return nil
		}
		// Some keys are there already: upsert from now on.
		s.d.fresh.Store(false)
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, s.d.stmts.tempTable); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"statebench_load"}, cols, s.copyRows(keys, values)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.d.stmts.copyUpsert)
		return err
	})
	if err != nil {
		return s.fail(fmt.Errorf("bulk upsert into %s: %w", s.d.model.Table, err))
	}
	return nil
}

// copyRows returns the records as COPY rows, values split into fields.
func (s *session) copyRows(keys, values [][]byte) pgx.CopyFromSource {
	row := make([]any, s.d.model.Fields+1)
	var parts [][]byte
	i := 0
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(keys) {
			return nil, nil
		}
		row[0] = keys[i]
		parts = s.d.model.Split(parts[:0], values[i])
		for j, p := range parts {
			row[j+1] = p
		}
		i++
		return row, nil
	})
}

// Close returns the session's connection to the pool.
func (s *session) Close() error {
	s.release()
	return nil
}

// classedError marks an error with the class sentinel it belongs to
// (driver.ErrConnection, driver.ErrTimeout) without changing its message.
type classedError struct {
	class, err error
}

func (e *classedError) Error() string   { return e.err.Error() }
func (e *classedError) Unwrap() []error { return []error{e.class, e.err} }
