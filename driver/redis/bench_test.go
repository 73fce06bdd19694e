package redis_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/workload"
)

// BenchmarkRead measures one GET through a session, one worker at a time:
// its time is a round trip plus the driver's cost, and its allocations per
// operation are the driver's (go-redis's command and reply) alone.
func BenchmarkRead(b *testing.B) {
	benchSession(b, "", func(ctx context.Context, s driver.Session, key, dst []byte) error {
		_, err := s.Read(ctx, key, dst[:0])
		return err
	})
}

// BenchmarkUpdate measures one SET of a 100-byte value.
func BenchmarkUpdate(b *testing.B) {
	val := make([]byte, 100)
	benchSession(b, "", func(ctx context.Context, s driver.Session, key, _ []byte) error {
		return s.Update(ctx, key, val)
	})
}

// BenchmarkReadHash measures one HMGET of a record split into 10 fields.
func BenchmarkReadHash(b *testing.B) {
	benchSession(b, "?layout=hash&fields=10", func(ctx context.Context, s driver.Session, key, dst []byte) error {
		_, err := s.Read(ctx, key, dst[:0])
		return err
	})
}

// BenchmarkBatch16 measures a pipelined batch of 16 mixed reads and
// updates; ns/op is per batch.
func BenchmarkBatch16(b *testing.B) {
	val := make([]byte, 100)
	reqs := make([]driver.Request, 16)
	var i int
	benchSession(b, "?pipeline=16", func(ctx context.Context, s driver.Session, key, _ []byte) error {
		for j := range reqs {
			reqs[j] = driver.Request{Op: workload.Read, Key: key, Result: reqs[j].Result[:0]}
			if (i+j)%2 == 1 {
				reqs[j].Op, reqs[j].Value = workload.Update, val
			}
		}
		i++
		s.(driver.Batcher).Do(ctx, reqs)
		for j := range reqs {
			if reqs[j].Err != nil {
				return reqs[j].Err
			}
		}
		return nil
	})
}

func benchSession(b *testing.B, query string, op func(ctx context.Context, s driver.Session, key, dst []byte) error) {
	ctx := context.Background()
	prefix := drivertest.Prefix()
	opts := map[string]string{"key_prefix": prefix}
	if query == "?layout=hash&fields=10" {
		opts["fields"], query = "10", "?layout=hash"
	}
	d, err := openDriverErr("redis://"+testAddr+"/15"+query, opts)
	if err != nil {
		b.Skipf("no Redis: %v", err)
	}
	defer func() { d.(driver.Cleaner).Cleanup(ctx); d.Close() }()
	s, _ := d.Session(ctx)
	defer s.Close()
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("%s%012d", prefix, i))
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

// BenchmarkParallel50 runs 50 workers, each with its own session, doing
// 50/50 GET/SET of 100-byte values on 1000 preloaded keys: the driver's
// share of scripts/bench-peers-redis.sh, without the engine. ns/op is per
// operation over all workers, so 1e9/ns is the throughput.
func BenchmarkParallel50(b *testing.B) { benchParallel(b, 1) }

// BenchmarkParallel50Pipeline16 is BenchmarkParallel50 with each worker
// sending its operations 16 at a time through Do; ns/op is still per
// operation.
func BenchmarkParallel50Pipeline16(b *testing.B) { benchParallel(b, 16) }

func benchParallel(b *testing.B, depth int) {
	ctx := context.Background()
	prefix := drivertest.Prefix()
	d, err := openDriverErr(fmt.Sprintf("redis://%s/15?pool_size=51&pipeline=%d", testAddr, depth), map[string]string{"key_prefix": prefix})
	if err != nil {
		b.Skipf("no Redis: %v", err)
	}
	defer func() { d.(driver.Cleaner).Cleanup(ctx); d.Close() }()
	keys, vals := make([][]byte, 1000), make([][]byte, 1000)
	val := make([]byte, 100)
	for i := range keys {
		keys[i], vals[i] = []byte(fmt.Sprintf("%s%012d", prefix, i)), val
	}
	s, _ := d.Session(ctx)
	if err := s.(driver.BulkLoader).InsertBatch(ctx, keys, vals); err != nil {
		b.Fatal(err)
	}
	s.Close()
	b.SetParallelism((50 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s, err := d.Session(ctx)
		if err != nil {
			b.Error(err)
			return
		}
		defer s.Close()
		reqs := make([]driver.Request, 0, depth)
		flush := func() bool {
			s.(driver.Batcher).Do(ctx, reqs)
			for _, r := range reqs {
				if r.Err != nil {
					b.Error(r.Err)
					return false
				}
			}
			reqs = reqs[:0]
			return true
		}
		dst := make([]byte, 0, 128)
		for i := 0; pb.Next(); i++ {
			k := keys[(i*7919)%len(keys)]
			if depth > 1 {
				r := driver.Request{Op: workload.Read, Key: k}
				if i%2 == 0 {
					r.Op, r.Value = workload.Update, val
				}
				if reqs = append(reqs, r); len(reqs) == depth && !flush() {
					return
				}
				continue
			}
			if i%2 == 0 {
				err = s.Update(ctx, k, val)
			} else {
				_, err = s.Read(ctx, k, dst[:0])
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
		if len(reqs) > 0 {
			flush()
		}
	})
}
