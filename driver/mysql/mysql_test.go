package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	sqldriver "database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/driver/sqlkv"
)

// testTarget is the local MariaDB every development and CI machine runs;
// STATEBENCH_MYSQL overrides it.
func testTarget() string {
	if t := os.Getenv("STATEBENCH_MYSQL"); t != "" {
		return t
	}
	return "mysql://root@127.0.0.1:3306/test"
}

// testDB opens the test database directly, skipping the test when the
// server is down, unless CI is set: there a missing server is a failure.
func testDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/test")
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = db.PingContext(ctx)
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MariaDB at 127.0.0.1:3306 is required in CI: %v", err)
		}
		t.Skipf("MariaDB at 127.0.0.1:3306 is down (set CI to make this a failure): %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tableName returns a table name no other test run uses.
func tableName() string {
	var b [4]byte
	rand.Read(b[:])
	return "sbtest_" + hex.EncodeToString(b[:])
}

// openTable opens the driver on a fresh table and drops it when the test ends.
func openTable(t *testing.T, opts map[string]string) driver.Driver {
	t.Helper()
	testDB(t)
	if opts[sqlkv.OptTable] == "" {
		opts[sqlkv.OptTable] = tableName()
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
		// One LONGBLOB value column.
		{},
		// YCSB's field columns; values are split across them and joined again.
		{"layout": "fields", "fields": "4"},
	} {
		t.Run(fmt.Sprint(opts), func(t *testing.T) {
			drivertest.Run(t, func(t *testing.T) driver.Driver { return openTable(t, opts) })
		})
	}
}

// A bulk load larger than one statement's bounds is split and upserts
// keys that exist.
func TestBulkLoadSplitsAndUpserts(t *testing.T) {
	ctx := context.Background()
	d := openTable(t, map[string]string{})
	defer d.Close()
	s, err := d.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bl := s.(driver.BulkLoader)
	// 2500 records of 4 KiB: three statements by row count, three by size.
	var keys, vals [][]byte
	for i := 0; i < 2500; i++ {
		keys = append(keys, drivertest.Key("bulk:", i))
		vals = append(vals, []byte(fmt.Sprintf("%04096d", i)))
	}
	if err := bl.InsertBatch(ctx, keys[:10], vals[:10]); err != nil {
		t.Fatalf("first InsertBatch: %v", err)
	}
	if err := bl.InsertBatch(ctx, keys, vals); err != nil {
		t.Fatalf("InsertBatch over existing keys: %v", err)
	}
	for _, i := range []int{0, 9, 10, 999, 1000, 2499} {
		if got, err := s.Read(ctx, keys[i], nil); err != nil || string(got) != string(vals[i]) {
			t.Errorf("Read(%q) = %d bytes, %v; want %d bytes", keys[i], len(got), err, len(vals[i]))
		}
	}
}

// Describe reports the server's settings and the table's size.
func TestDescribe(t *testing.T) {
	d := openTable(t, map[string]string{})
	defer d.Close()
	desc, err := d.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "innodb_buffer_pool_size", "innodb_flush_log_at_trx_commit", "sync_binlog", "table_size_bytes", "table", "layout"} {
		if desc[k] == "" {
			t.Errorf("Describe()[%q] is empty; want a value (got %v)", k, desc)
		}
	}
	if n, err := strconv.ParseInt(desc["table_size_bytes"], 10, 64); err != nil || n <= 0 {
		t.Errorf("Describe()[table_size_bytes] = %q, want a positive number", desc["table_size_bytes"])
	}
}

// Cleanup drops a table statebench created and never one it did not.
func TestCleanupDropsOnlyItsOwnTable(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	exists := func(table string) bool {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
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
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			table := tableName()
			if c.userMade {
				if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (ycsb_key VARBINARY(100) PRIMARY KEY, ycsb_value BLOB NOT NULL)"); err != nil {
					t.Fatal(err)
				}
				defer db.ExecContext(ctx, "DROP TABLE IF EXISTS "+table)
			}
			d, err := Open(ctx, driver.Config{Target: testTarget(), Options: map[string]string{"table": table}, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := d.(driver.Cleaner).Cleanup(ctx); err != nil {
				t.Fatalf("Cleanup: %v", err)
			}
			if got := exists(table); got != c.want {
				t.Errorf("after Cleanup, table exists = %v, want %v", got, c.want)
			}
		})
	}
}

// A server that is not there fails Open with ErrUnreachable, and so does a
// database that does not exist; a bad option is not "unreachable".
func TestOpenErrors(t *testing.T) {
	testDB(t)
	cases := []struct {
		name, target string
		opts         map[string]string
		unreachable  bool
	}{
		// Nothing listens on port 1.
		{"refused", "mysql://root@127.0.0.1:1/test", nil, true},
		// The login fails: the database is missing.
		{"no database", "mysql://root@127.0.0.1:3306/statebench_no_such_db", nil, true},
		// A layout that does not exist.
		{"bad layout", testTarget() + "?layout=columns", nil, false},
		// A table name that would need quoting.
		{"bad table", testTarget(), map[string]string{"table": "x; DROP TABLE y"}, false},
		// No database named.
		{"no database in URL", "mysql://root@127.0.0.1:3306/", nil, false},
		// Not a mysql URL.
		{"wrong scheme", "postgres://root@127.0.0.1/test", nil, false},
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
		// The server is shutting down.
		{"server shutdown", &mysql.MySQLError{Number: 1053}, driver.Connection},
		// MariaDB killed the connection.
		{"connection killed", fmt.Errorf("x: %w", &mysql.MySQLError{Number: 1927}), driver.Connection},
		// A lock wait timed out.
		{"lock wait timeout", &mysql.MySQLError{Number: 1205}, driver.Timeout},
		// A duplicate key is the target's answer, not a failure to reach it.
		{"duplicate key", &mysql.MySQLError{Number: 1062}, driver.Other},
		// The library found the connection broken.
		{"invalid connection", mysql.ErrInvalidConn, driver.Connection},
		// database/sql's bad connection.
		{"bad conn", fmt.Errorf("x: %w", sqldriver.ErrBadConn), driver.Connection},
		// A read of nothing.
		{"not found", driver.ErrNotFound, driver.NotFound},
		// Errors the library does not wrap fall back to the standard library's classes.
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
	db := testDB(t)
	ctx := context.Background()
	table := tableName()
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
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT 1 FROM "+table+" WHERE ycsb_key = 'k' FOR UPDATE"); err != nil {
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
	tx.Rollback()
	if err := s.Update(ctx, []byte("k"), []byte("x")); err != nil {
		t.Errorf("Update after the lock was released: %v", err)
	}
}

// A call made with a cancelled context (the run is ending) is neither a
// timeout nor a connection error, and the session goes on working.
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
	if _, err := s.Read(ctx, []byte("k"), nil); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Read after the cancelled one = %v, want ErrNotFound", err)
	}
}
