package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/driver/sqlkv"
)

// testTarget is the local PostgreSQL every development and CI machine runs;
// STATEBENCH_POSTGRES overrides it.
func testTarget() string {
	if t := os.Getenv("STATEBENCH_POSTGRES"); t != "" {
		return t
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// requireServer skips the test when the server is down, unless CI is set:
// there a missing server is a failure.
func requireServer(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, testTarget())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s is required in CI: %v", testTarget(), err)
		}
		t.Skipf("PostgreSQL at %s is down (set CI to make this a failure): %v", testTarget(), err)
	}
	c.Close(ctx)
}

// tableName returns a table name no other test run uses.
func tableName(t *testing.T) string {
	var b [4]byte
	rand.Read(b[:])
	return "sbtest_" + hex.EncodeToString(b[:])
}

// openTable opens the driver on a fresh table and drops it when the test ends.
func openTable(t *testing.T, opts map[string]string) driver.Driver {
	t.Helper()
	requireServer(t)
	if opts[sqlkv.OptTable] == "" {
		opts[sqlkv.OptTable] = tableName(t)
	}
	ctx := context.Background()
	d, err := Open(ctx, driver.Config{
		Target: testTarget(), Options: opts, Concurrency: 8, Timeout: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		d2, err := Open(ctx, driver.Config{Target: testTarget(), Options: opts, Timeout: 10 * time.Second})
		if err != nil {
			t.Errorf("reopening for cleanup: %v", err)
			return
		}
		if err := d2.(driver.Cleaner).Cleanup(ctx); err != nil {
			t.Errorf("Cleanup: %v", err)
		}
		d2.Close()
	})
	return d
}

func TestConformance(t *testing.T) {
	for _, opts := range []map[string]string{
		// One bytea value column.
		{},
		// YCSB's field columns; values are split across them and joined again.
		{"layout": "fields", "fields": "4"},
	} {
		t.Run(fmt.Sprint(opts), func(t *testing.T) {
			drivertest.Run(t, func(t *testing.T) driver.Driver { return openTable(t, opts) })
		})
	}
}

// A bulk load into a table that already holds some of the keys upserts
// them, even though the first load of a fresh table copies straight in.
func TestBulkLoadOverExistingKeys(t *testing.T) {
	ctx := context.Background()
	d := openTable(t, map[string]string{})
	defer d.Close()
	s, err := d.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bl := s.(driver.BulkLoader)
	keys := [][]byte{[]byte("a"), []byte("b")}
	if err := bl.InsertBatch(ctx, keys, [][]byte{[]byte("1"), []byte("2")}); err != nil {
		t.Fatalf("first InsertBatch: %v", err)
	}
	if err := bl.InsertBatch(ctx, append(keys, []byte("c")), [][]byte{[]byte("x"), []byte("y"), []byte("z")}); err != nil {
		t.Fatalf("InsertBatch over existing keys: %v", err)
	}
	for i, want := range []string{"x", "y", "z"} {
		k := []byte{'a' + byte(i)}
		if got, err := s.Read(ctx, k, nil); err != nil || string(got) != want {
			t.Errorf("Read(%q) = %q, %v; want %q", k, got, err, want)
		}
	}
}

// Describe reports the server's settings and the table's size.
func TestDescribe(t *testing.T) {
	d := openTable(t, map[string]string{"synchronous_commit": "off"})
	defer d.Close()
	desc, err := d.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"server_version", "shared_buffers", "synchronous_commit", "fsync", "wal_level", "table_size_bytes", "table", "layout"} {
		if desc[k] == "" {
			t.Errorf("Describe()[%q] is empty; want a value (got %v)", k, desc)
		}
	}
	// The option reaches every session.
	if desc["synchronous_commit"] != "off" {
		t.Errorf("Describe()[synchronous_commit] = %q, want off", desc["synchronous_commit"])
	}
	if n, err := strconv.ParseInt(desc["table_size_bytes"], 10, 64); err != nil || n <= 0 {
		t.Errorf("Describe()[table_size_bytes] = %q, want a positive number", desc["table_size_bytes"])
	}
}

// Cleanup drops a table statebench created and never one it did not.
func TestCleanupDropsOnlyItsOwnTable(t *testing.T) {
	requireServer(t)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, testTarget())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	exists := func(table string) bool {
		var ok bool
		if err := c.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	cases := []struct {
		name     string
		userMade bool
		want     bool // the table exists after Cleanup
	}{
		// A table made by statebench (marker comment) is dropped.
		{"statebench's", false, false},
		// A user's table with the same layout is used but never dropped.
		{"user's", true, true},
	}
	for _, c2 := range cases {
		t.Run(c2.name, func(t *testing.T) {
			table := tableName(t)
			if c2.userMade {
				if _, err := c.Exec(ctx, "CREATE TABLE "+table+" (ycsb_key bytea PRIMARY KEY, ycsb_value bytea NOT NULL)"); err != nil {
					t.Fatal(err)
				}
				defer c.Exec(ctx, "DROP TABLE IF EXISTS "+table)
			}
			d, err := Open(ctx, driver.Config{Target: testTarget(), Options: map[string]string{"table": table}, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := d.(driver.Cleaner).Cleanup(ctx); err != nil {
				t.Fatalf("Cleanup: %v", err)
			}
			if got := exists(table); got != c2.want {
				t.Errorf("after Cleanup, table exists = %v, want %v", got, c2.want)
			}
		})
	}
}

// A server that is not there fails Open with ErrUnreachable, and so does a
// database that does not exist; a bad option is not "unreachable".
func TestOpenErrors(t *testing.T) {
	requireServer(t)
	cases := []struct {
		name, target string
		opts         map[string]string
		unreachable  bool
	}{
		// Nothing listens on port 1.
		{"refused", "postgres://postgres@127.0.0.1:1/test?sslmode=disable", nil, true},
		// The login succeeds nowhere: the database is missing.
		{"no database", "postgres://postgres@127.0.0.1:5432/statebench_no_such_db?sslmode=disable", nil, true},
		// A layout that does not exist.
		{"bad layout", testTarget() + "&layout=columns", nil, false},
		// A table name that would need quoting.
		{"bad table", testTarget(), map[string]string{"table": "x; DROP TABLE y"}, false},
		// A synchronous_commit value PostgreSQL does not know.
		{"bad synchronous_commit", testTarget() + "&synchronous_commit=maybe", nil, false},
		// Not a postgres URL.
		{"wrong scheme", "mysql://root@127.0.0.1/test", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Open(context.Background(), driver.Config{Target: c.target, Options: c.opts, Timeout: 5 * time.Second})
			if err == nil {
				d.Close()
				t.Fatalf("Open(%q) succeeded, want an error", c.target)
			}
			if got := errors.Is(err, driver.ErrUnreachable); got != c.unreachable {
				t.Errorf("Open(%q) = %v; errors.Is(err, ErrUnreachable) = %v, want %v", c.target, err, got, c.unreachable)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want driver.Class
	}{
		// The server shut down under the session.
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, driver.Connection},
		// The server is starting or stopping and refuses new sessions.
		{"cannot connect now", fmt.Errorf("acquire: %w", &pgconn.PgError{Code: "57P03"}), driver.Connection},
		// A connection_exception class error.
		{"connection failure", &pgconn.PgError{Code: "08006"}, driver.Connection},
		// statement_timeout cancelled the query.
		{"statement timeout", &pgconn.PgError{Code: "57014"}, driver.Timeout},
		// A constraint violation is the target's answer, not a failure to reach it.
		{"unique violation", &pgconn.PgError{Code: "23505"}, driver.Other},
		// A closed connection.
		{"conn closed", fmt.Errorf("x: %w", pgconn.ErrConnClosed), driver.Connection},
		// A read of nothing.
		{"not found", driver.ErrNotFound, driver.NotFound},
		// Errors pgx does not wrap fall back to the standard library's classes.
		{"deadline", context.DeadlineExceeded, driver.Timeout},
		{"nil", nil, driver.OK},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%s: %v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// An operation blocked on the server (here by a row lock another
// connection holds) fails as a timeout after Config.Timeout, without a
// deadline on its context; the session then works again.
func TestOperationTimeoutWithoutContextDeadline(t *testing.T) {
	requireServer(t)
	ctx := context.Background()
	table := tableName(t)
	d, err := Open(ctx, driver.Config{Target: testTarget(), Options: map[string]string{"table": table}, Concurrency: 1, Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { d.(driver.Cleaner).Cleanup(ctx); d.Close() }()
	if !d.(driver.TimeoutEnforcer).EnforcesTimeout() {
		t.Fatalf("EnforcesTimeout() = false, want true")
	}
	s, _ := d.Session(ctx)
	defer s.Close()
	if err := s.Insert(ctx, []byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	locker, err := pgx.Connect(ctx, testTarget())
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1 FROM "+table+" WHERE ycsb_key = 'k' FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Update(ctx, []byte("k"), []byte("w")) }()
	select {
	case err := <-done:
		if c := Classify(err); c != driver.Timeout {
			t.Errorf("Update of a locked row: err = %v, class %v; want timeout", err, c)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Update of a locked row did not return within 10 s; want a timeout after 500 ms")
	}
	tx.Rollback(ctx)
	if err := s.Update(ctx, []byte("k"), []byte("x")); err != nil {
		t.Errorf("Update after the lock was released: %v", err)
	}
}

// A call made with a cancelled context (the run is ending) did not time out,
// although pgx reports it as a timeout; and the session goes on working.
func TestCancelledIsNotTimeout(t *testing.T) {
	d := openTable(t, map[string]string{})
	defer d.Close()
	ctx := context.Background()
	s, err := d.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Read(cctx, []byte("k"), nil)
	if err == nil || errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("Read with a cancelled context = %v, want an error", err)
	}
	if c := Classify(err); c != driver.Other {
		t.Errorf("Classify(%v) = %v, want other", err, c)
	}
	if c := driver.Classify(err); c == driver.Timeout || c == driver.Connection {
		t.Errorf("driver.Classify(%v) = %v, want neither timeout nor connection", err, c)
	}
	if _, err := s.Read(ctx, []byte("k"), nil); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Read after the cancelled one = %v, want ErrNotFound", err)
	}
}
