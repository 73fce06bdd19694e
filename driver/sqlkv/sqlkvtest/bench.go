package sqlkvtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
)

// BenchOpener opens the driver under benchmark with cfg, to which it adds
// the target, or skips the benchmark when the server is down.
type BenchOpener func(b *testing.B, cfg driver.Config) driver.Driver

// BenchRead measures one point read through a session, the hot path of a
// read-heavy run; its allocations per operation are the driver's cost.
func BenchRead(b *testing.B, open BenchOpener) {
	benchSession(b, open, func(ctx context.Context, s driver.Session, key, dst []byte) error {
		_, err := s.Read(ctx, key, dst[:0])
		return err
	})
}

// BenchUpdate measures one upsert through a session.
func BenchUpdate(b *testing.B, open BenchOpener) {
	val := make([]byte, 100)
	benchSession(b, open, func(ctx context.Context, s driver.Session, key, _ []byte) error {
		return s.Update(ctx, key, val)
	})
}

func benchSession(b *testing.B, open BenchOpener, op func(ctx context.Context, s driver.Session, key, dst []byte) error) {
	ctx := context.Background()
	d := open(b, driver.Config{Options: map[string]string{"table": "sbbench"}, Concurrency: 1})
	defer func() { d.(driver.Cleaner).Cleanup(ctx); d.Close() }()
	s, _ := d.Session(ctx)
	defer s.Close()
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("user%012d", i))
		if err := s.Insert(ctx, keys[i], make([]byte, 100)); err != nil {
			b.Fatal(err)
		}
	}
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := op(ctx, s, keys[i%len(keys)], dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchReadParallel measures point reads from 16 sessions at once, as the
// peer comparison runs them; with -cpuprofile it shows what the client
// side spends per read.
func BenchReadParallel(b *testing.B, open BenchOpener) {
	ctx := context.Background()
	d := open(b, driver.Config{Options: map[string]string{"table": "sbbenchp"}, Concurrency: 16, Timeout: 10 * time.Second})
	defer func() { d.(driver.Cleaner).Cleanup(ctx); d.Close() }()
	s, _ := d.Session(ctx)
	keys := make([][]byte, 1000)
	vals := make([][]byte, len(keys))
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("user%012d", i))
		vals[i] = make([]byte, 100)
	}
	if err := s.(driver.BulkLoader).InsertBatch(ctx, keys, vals); err != nil {
		b.Fatal(err)
	}
	s.Close()
	b.SetParallelism(8) // 16 goroutines on 2 CPUs
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s, err := d.Session(ctx)
		if err != nil {
			b.Error(err)
			return
		}
		defer s.Close()
		dst := make([]byte, 0, 1024)
		for i := 0; pb.Next(); i++ {
			if _, err := s.Read(ctx, keys[i%len(keys)], dst[:0]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
