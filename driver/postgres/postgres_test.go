package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/sqlkv/sqlkvtest"
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
func requireServer(t testing.TB) {
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

// target is the shared test server through this driver.
func target() sqlkvtest.Target {
	return sqlkvtest.Target{Open: Open, URL: testTarget(), Require: requireServer}
}

// openTable opens the driver on a fresh table and drops it when the test ends.
func openTable(t *testing.T, opts map[string]string) driver.Driver {
	t.Helper()
	return sqlkvtest.OpenTable(t, target(), opts)
}

// The suite in both layouts: one bytea value column, and YCSB's field columns.
func TestConformance(t *testing.T) { sqlkvtest.Conformance(t, target()) }

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
	sqlkvtest.CleanupDropsOnlyItsOwnTable(t, target(), sqlkvtest.Catalog{
		Exists: func(ctx context.Context, table string) (ok bool, err error) {
			err = c.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok)
			return ok, err
		},
		CreateUserTable: func(ctx context.Context, table string) error {
			_, err := c.Exec(ctx, "CREATE TABLE "+table+" (ycsb_key bytea PRIMARY KEY, ycsb_value bytea NOT NULL)")
			return err
		},
		Drop: func(ctx context.Context, table string) error {
			_, err := c.Exec(ctx, "DROP TABLE IF EXISTS "+table)
			return err
		},
	})
}

// A server that is not there fails Open with ErrUnreachable, and so does a
// database that does not exist; a bad option is not "unreachable".
func TestOpenErrors(t *testing.T) {
	sqlkvtest.CheckOpenErrors(t, target(), []sqlkvtest.OpenError{
		// Nothing listens on port 1.
		{Name: "refused", Target: "postgres://postgres@127.0.0.1:1/test?sslmode=disable", Unreachable: true},
		// The login succeeds nowhere: the database is missing.
		{Name: "no database", Target: "postgres://postgres@127.0.0.1:5432/statebench_no_such_db?sslmode=disable", Unreachable: true},
		// A layout that does not exist.
		{Name: "bad layout", Target: testTarget() + "&layout=columns"},
		// A table name that would need quoting.
		{Name: "bad table", Target: testTarget(), Opts: map[string]string{"table": "x; DROP TABLE y"}},
		// A synchronous_commit value PostgreSQL does not know.
		{Name: "bad synchronous_commit", Target: testTarget() + "&synchronous_commit=maybe"},
		// Not a postgres URL.
		{Name: "wrong scheme", Target: "mysql://root@127.0.0.1/test"},
	})
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
	sqlkvtest.OperationTimeout(t, target(), func(ctx context.Context, table string, key []byte) (func(), error) {
		locker, err := pgx.Connect(ctx, testTarget())
		if err != nil {
			return nil, err
		}
		tx, err := locker.Begin(ctx)
		if err != nil {
			locker.Close(ctx)
			return nil, err
		}
		release := func() { tx.Rollback(ctx); locker.Close(ctx) }
		if _, err := tx.Exec(ctx, "SELECT 1 FROM "+table+" WHERE ycsb_key = $1 FOR UPDATE", key); err != nil {
			release()
			return nil, err
		}
		return release, nil
	})
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
