package sqlite_test

import (
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/sqlite"
	"github.com/statebench/statebench/store/storetest"
)

func open(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "results.db"), slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// The benchmarks' figures are in docs/store.md (Performance).

func BenchmarkStoreHour(b *testing.B) {
	path := filepath.Join(b.TempDir(), "results.db")
	s, err := sqlite.Open(context.Background(), path, slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkStoreHour(b, s)
	runs, err := s.List(context.Background(), store.Query{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%.1f MiB on disk per run-hour (%d runs, %d bytes)", float64(fi.Size())/float64(len(runs))/(1<<20), len(runs), fi.Size())
}

// historyRuns is the size of the history BenchmarkHistory reads;
// -history.runs changes it.
var historyRuns = flag.Int("history.runs", 10000, "runs in BenchmarkHistory's history")

func BenchmarkHistory(b *testing.B) {
	path := filepath.Join(b.TempDir(), "results.db")
	s, err := sqlite.Open(context.Background(), path, slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	storetest.SeedHistory(b, s, *historyRuns, 60)
	b.Logf("seeded %d one-minute runs in %v", *historyRuns, time.Since(start))
	storetest.BenchmarkHistory(b, s)
}

// A database written by the first schema version is upgraded in place,
// its runs unchanged.
func TestUpgradeFromV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.db")
	db := rawDB(t, path, "")
	storetest.UpgradeFromV1(t, sqlite.Dialect, db, func(t *testing.T) store.Store { return openAt(t, path) })
}
