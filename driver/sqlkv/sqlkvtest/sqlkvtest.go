// Package sqlkvtest holds the tests and benchmarks that the SQL drivers
// (postgres and mysql) share: each driver's own tests call them with its
// opener, its server and the few statements that differ by dialect.
//
// It must not import the cli package: the drivers' internal tests import
// this package, and cli imports the drivers.
package sqlkvtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/driver/sqlkv"
)

// Target is a shared SQL server under test through one driver.
type Target struct {
	// Open opens the driver.
	Open driver.Opener
	// URL is the server's target URL, without table options.
	URL string
	// Require skips the test when the server is down, unless CI is set:
	// there a missing server is a failure.
	Require func(t testing.TB)
}

// TableName returns a table name no other test run uses.
func TableName() string {
	var b [4]byte
	rand.Read(b[:])
	return "sbtest_" + hex.EncodeToString(b[:])
}

// OpenTable opens the driver on a fresh table (unless opts names one) and
// drops the table when the test ends. It sets the table option in opts.
func OpenTable(t *testing.T, tg Target, opts map[string]string) driver.Driver {
	t.Helper()
	tg.Require(t)
	if opts[sqlkv.OptTable] == "" {
		opts[sqlkv.OptTable] = TableName()
	}
	ctx := context.Background()
	d, err := tg.Open(ctx, driver.Config{
		Target: tg.URL, Options: opts, Concurrency: 8, Timeout: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		d2, err := tg.Open(ctx, driver.Config{Target: tg.URL, Options: opts, Timeout: 10 * time.Second})
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

// Conformance runs the driver suite on a fresh table in each layout.
func Conformance(t *testing.T, tg Target) {
	for _, opts := range []map[string]string{
		// One binary value column.
		{},
		// YCSB's field columns; values are split across them and joined again.
		{"layout": "fields", "fields": "4"},
	} {
		t.Run(fmt.Sprint(opts), func(t *testing.T) {
			drivertest.Run(t, func(t *testing.T) driver.Driver { return OpenTable(t, tg, opts) })
		})
	}
}

// Catalog is what CleanupDropsOnlyItsOwnTable needs to see and make tables
// behind the driver's back, in the server's dialect.
type Catalog struct {
	// Exists reports whether table exists.
	Exists func(ctx context.Context, table string) (bool, error)
	// CreateUserTable creates table with the single layout's columns and
	// no statebench marker, as a user would.
	CreateUserTable func(ctx context.Context, table string) error
	// Drop drops table if it exists.
	Drop func(ctx context.Context, table string) error
}

// CleanupDropsOnlyItsOwnTable checks that Cleanup drops a table statebench
// created and never one it did not.
func CleanupDropsOnlyItsOwnTable(t *testing.T, tg Target, cat Catalog) {
	tg.Require(t)
	ctx := context.Background()
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
			table := TableName()
			if c.userMade {
				if err := cat.CreateUserTable(ctx, table); err != nil {
					t.Fatal(err)
				}
				defer cat.Drop(ctx, table)
			}
			d, err := tg.Open(ctx, driver.Config{Target: tg.URL, Options: map[string]string{"table": table}, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := d.(driver.Cleaner).Cleanup(ctx); err != nil {
				t.Fatalf("Cleanup: %v", err)
			}
			got, err := cat.Exists(ctx, table)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("after Cleanup, table exists = %v, want %v", got, c.want)
			}
		})
	}
}

// OpenError is a target Open must refuse, and whether the refusal says
// the target is unreachable.
type OpenError struct {
	Name, Target string
	Opts         map[string]string
	Unreachable  bool
}

// CheckOpenErrors checks that Open fails on every case's target, wrapping
// ErrUnreachable exactly when the case says so.
func CheckOpenErrors(t *testing.T, tg Target, cases []OpenError) {
	tg.Require(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			d, err := tg.Open(context.Background(), driver.Config{Target: c.Target, Options: c.Opts, Timeout: 5 * time.Second})
			if err == nil {
				d.Close()
				t.Fatalf("Open(%q) succeeded, want an error", c.Target)
			}
			if got := errors.Is(err, driver.ErrUnreachable); got != c.Unreachable {
				t.Errorf("Open(%q) = %v; errors.Is(err, ErrUnreachable) = %v, want %v", c.Target, err, got, c.Unreachable)
			}
		})
	}
}

// OperationTimeout checks that an operation blocked on the server, by a
// row lock that lock takes from another connection until release is
// called (perhaps more than once), fails as a timeout after Config.Timeout without a deadline on its
// context, and that the session then works again.
func OperationTimeout(t *testing.T, tg Target, lock func(ctx context.Context, table string, key []byte) (release func(), err error)) {
	tg.Require(t)
	ctx := context.Background()
	table := TableName()
	d, err := tg.Open(ctx, driver.Config{Target: tg.URL, Options: map[string]string{"table": table}, Concurrency: 1, Timeout: 500 * time.Millisecond})
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
	release, err := lock(ctx, table, []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	done := make(chan error, 1)
	go func() { done <- s.Update(ctx, []byte("k"), []byte("w")) }()
	select {
	case err := <-done:
		if c := d.(driver.Classifier).Classify(err); c != driver.Timeout {
			t.Errorf("Update of a locked row: err = %v, class %v; want timeout", err, c)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Update of a locked row did not return within 10 s; want a timeout after 500 ms")
	}
	release()
	if err := s.Update(ctx, []byte("k"), []byte("x")); err != nil {
		t.Errorf("Update after the lock was released: %v", err)
	}
}
