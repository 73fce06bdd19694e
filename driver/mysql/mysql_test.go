package mysql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/driver/sqlkv/sqlkvtest"
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
func testDB(t testing.TB) *sql.DB {
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

// target is the shared test server through this driver.
func target() sqlkvtest.Target {
	return sqlkvtest.Target{Open: Open, URL: testTarget(), Require: func(t testing.TB) { t.Helper(); testDB(t) }}
}

// openTable opens the driver on a fresh table and drops it when the test ends.
func openTable(t *testing.T, opts map[string]string) driver.Driver {
	t.Helper()
	return sqlkvtest.OpenTable(t, target(), opts)
}

// The suite in both layouts: one LONGBLOB value column, and YCSB's field columns.
func TestConformance(t *testing.T) { sqlkvtest.Conformance(t, target()) }

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
	sqlkvtest.CleanupDropsOnlyItsOwnTable(t, target(), sqlkvtest.Catalog{
		Exists: func(ctx context.Context, table string) (bool, error) {
			var n int
			err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", table).Scan(&n)
			return n > 0, err
		},
		CreateUserTable: func(ctx context.Context, table string) error {
			_, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (ycsb_key VARBINARY(100) PRIMARY KEY, ycsb_value BLOB NOT NULL)")
			return err
		},
		Drop: func(ctx context.Context, table string) error {
			_, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+table)
			return err
		},
	})
}

// A server that is not there fails Open with ErrUnreachable, and so does a
// database that does not exist; a bad option is not "unreachable".
func TestOpenErrors(t *testing.T) {
	sqlkvtest.CheckOpenErrors(t, target(), []sqlkvtest.OpenError{
		// Nothing listens on port 1.
		{Name: "refused", Target: "mysql://root@127.0.0.1:1/test", Unreachable: true},
		// The login fails: the database is missing.
		{Name: "no database", Target: "mysql://root@127.0.0.1:3306/statebench_no_such_db", Unreachable: true},
		// A layout that does not exist.
		{Name: "bad layout", Target: testTarget() + "?layout=columns"},
		// A table name that would need quoting.
		{Name: "bad table", Target: testTarget(), Opts: map[string]string{"table": "x; DROP TABLE y"}},
		// No database named.
		{Name: "no database in URL", Target: "mysql://root@127.0.0.1:3306/"},
		// Not a mysql URL.
		{Name: "wrong scheme", Target: "postgres://root@127.0.0.1/test"},
	})
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
	sqlkvtest.OperationTimeout(t, target(), func(ctx context.Context, table string, key []byte) (func(), error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "SELECT 1 FROM "+table+" WHERE ycsb_key = ? FOR UPDATE", key); err != nil {
			tx.Rollback()
			return nil, err
		}
		return func() { tx.Rollback() }, nil
	})
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
