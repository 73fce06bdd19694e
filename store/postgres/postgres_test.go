package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/postgres"
	"github.com/statebench/statebench/store/storetest"
)

// baseURL is the PostgreSQL every development and CI machine runs;
// STATEBENCH_TEST_POSTGRES overrides it.
func baseURL() string {
	if u := os.Getenv("STATEBENCH_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// schema creates a schema of its own for a test, dropped at its end, and
// returns the URL that selects it.
func schema(t testing.TB) string {
	t.Helper()
	db, err := sql.Open("pgx", baseURL())
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("PostgreSQL is not running at %s (set CI to make this a failure): %v", baseURL(), err)
		}
		t.Fatalf("PostgreSQL at %s: %v", baseURL(), err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "sb_test_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
		db.Close()
	})
	return baseURL() + "&search_path=" + name
}

func open(t *testing.T) store.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), schema(t), slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

// A schema written by a newer statebench, or holding another
// application's tables named like ours, is refused and left as it was.
func TestRefuses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup string
		want  error
	}{
		{"newer", "CREATE TABLE statebench_schema (version INTEGER PRIMARY KEY, applied_ns BIGINT NOT NULL); INSERT INTO statebench_schema VALUES (999, 0)", store.ErrNewerDatabase},
		{"foreign", "CREATE TABLE runs (name TEXT)", store.ErrNotStatebench},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := schema(t)
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(tt.setup); err != nil {
				t.Fatal(err)
			}
			before, err := postgres.Dialect.Tables(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			s, err := postgres.Open(ctx, url, slog.New(slog.DiscardHandler), store.Options{})
			if !errors.Is(err, tt.want) {
				if s != nil {
					s.Close()
				}
				t.Fatalf("Open() = %v, want %v", err, tt.want)
			}
			after, err := postgres.Dialect.Tables(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before) {
				t.Errorf("tables after a refused Open = %v, want %v", after, before)
			}
		})
	}
}

// The benchmarks' figures are in docs/store.md (Performance).

func openBench(b *testing.B) store.Store {
	s, err := postgres.Open(context.Background(), schema(b), slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkStoreHour(b *testing.B) {
	s := openBench(b)
	storetest.BenchmarkStoreHour(b, s)
	db := s.(interface{ DB() *sql.DB }).DB()
	var size int64
	var tables []string
	for _, t := range []string{"runs", "windows", "labels"} {
		var n int64
		if err := db.QueryRow("SELECT pg_total_relation_size(quote_ident(current_schema()) || '.' || $1)", t).Scan(&n); err != nil {
			b.Fatal(err)
		}
		size += n
		tables = append(tables, fmt.Sprintf("%s %d", t, n))
	}
	runs, err := s.List(context.Background(), store.Query{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%.1f MiB on disk per run-hour (%d runs, %d bytes: %s)", float64(size)/float64(len(runs))/(1<<20), len(runs), size, strings.Join(tables, ", "))
}

var historyRuns = flag.Int("history.runs", 10000, "runs in BenchmarkHistory's history")

func BenchmarkHistory(b *testing.B) {
	s := openBench(b)
	start := time.Now()
	storetest.SeedHistory(b, s, *historyRuns, 60)
	b.Logf("seeded %d one-minute runs in %v", *historyRuns, time.Since(start))
	storetest.BenchmarkHistory(b, s)
}

// A schema written by the first schema version is upgraded in place, its
// runs unchanged.
func TestUpgradeFromV1(t *testing.T) {
	url := schema(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.UpgradeFromV1(t, postgres.Dialect, db, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), url, slog.New(slog.DiscardHandler), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
