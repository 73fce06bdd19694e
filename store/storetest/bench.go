package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/statebench/statebench/store"
)

// HourWindows and HourOps shape a one-hour run: 3,600 one-second windows
// of six operation types.
const (
	HourWindows = 3600
	HourOps     = 6
)

// BenchmarkStoreHour measures storing a one-hour run with Finish, then
// reading its windows back.
func BenchmarkStoreHour(b *testing.B, s store.Store) {
	ctx := context.Background()
	doc := Doc(ID(0), "hour", time.Now(), HourWindows, HourOps)
	n := 0
	b.Run("Finish", func(b *testing.B) {
		for b.Loop() {
			n++
			doc.ID = fmt.Sprintf("01HOUR%020d", n)
			if err := s.Finish(ctx, doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Windows", func(b *testing.B) {
		for b.Loop() {
			ws, err := s.Windows(ctx, doc.ID)
			if err != nil || len(ws) != HourWindows {
				b.Fatalf("Windows() = %d windows, %v", len(ws), err)
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Get(ctx, doc.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// SeedHistory stores runs runs of benchmark "history", each of windows
// windows of six operation types, one minute apart.
func SeedHistory(tb testing.TB, s store.Store, runs, windows int) {
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range runs {
		d := Doc(ID(i), "history", start.Add(time.Duration(i)*time.Minute), windows, HourOps)
		if i%10 == 0 {
			d.Environment.Kernel = "6.1.12"
		}
		if err := s.Finish(ctx, d); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkHistory measures what a history seeded with SeedHistory costs
// to read: the list of its newest runs, a --where filter over all of it,
// and loading the 50 newest runs' summaries and windows for a comparison.
func BenchmarkHistory(b *testing.B, s store.Store) {
	ctx := context.Background()
	b.Run("List20", func(b *testing.B) {
		for b.Loop() {
			if got, err := s.List(ctx, store.Query{Benchmark: "history", Limit: 20}); err != nil || len(got) != 20 {
				b.Fatalf("List() = %d, %v", len(got), err)
			}
		}
	})
	b.Run("ListWhere", func(b *testing.B) {
		q := store.Query{Benchmark: "history", Where: []store.Where{{Path: "environment.kernel", Value: "6.1.12"}}, Limit: 20}
		for b.Loop() {
			if got, err := s.List(ctx, q); err != nil || len(got) != 20 {
				b.Fatalf("List() = %d, %v", len(got), err)
			}
		}
	})
	b.Run("CompareLoad50", func(b *testing.B) {
		for b.Loop() {
			id, err := s.Resolve(ctx, "latest", "history")
			if err != nil {
				b.Fatal(err)
			}
			_ = id
			runs, err := s.List(ctx, store.Query{Benchmark: "history", Limit: 50})
			if err != nil || len(runs) != 50 {
				b.Fatalf("List() = %d, %v", len(runs), err)
			}
			for _, r := range runs {
				if _, err := s.Windows(ctx, r.ID); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
