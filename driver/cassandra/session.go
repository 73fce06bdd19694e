package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gocql/gocql"

	"github.com/statebench/statebench/driver"
)

// session issues one worker's operations over the driver's shared gocql
// session, which routes each to a replica of its key.
type session struct {
	d   *cassandraDriver
	buf []byte
}

var (
	_ driver.Session    = (*session)(nil)
	_ driver.BulkLoader = (*session)(nil)
)

// Read selects the value at the read consistency level.
func (s *session) Read(ctx context.Context, key, dst []byte) ([]byte, error) {
	q := s.d.sess.Query(s.d.stmt.read, key).WithContext(ctx).Consistency(s.d.cfg.readCL)
	err := q.Scan(&s.buf)
	q.Release()
	if errors.Is(err, gocql.ErrNotFound) {
		return dst, driver.ErrNotFound
	}
	if err != nil {
		return dst, err
	}
	return append(dst, s.buf...), nil
}

// Update is an INSERT, which in CQL is an upsert, at the write consistency level.
func (s *session) Update(ctx context.Context, key, value []byte) error {
	return s.exec(ctx, s.d.stmt.write, key, value)
}

// Insert is Update: CQL has no cheap insert-if-new (that is a lightweight
// transaction, a Paxos round).
func (s *session) Insert(ctx context.Context, key, value []byte) error {
	return s.exec(ctx, s.d.stmt.write, key, value)
}

// Delete deletes the row at the write consistency level.
func (s *session) Delete(ctx context.Context, key []byte) error {
	return s.exec(ctx, s.d.stmt.del, key)
}

func (s *session) exec(ctx context.Context, stmt string, args ...any) error {
	q := s.d.sess.Query(stmt, args...).WithContext(ctx).Consistency(s.d.cfg.writeCL)
	err := q.Exec()
	q.Release()
	return err
}

// Scan visits up to n records in token order, starting at the token of
// start (which need not exist), at the read consistency level. Token order
// is not key order; a scan near the end of the ring visits fewer records,
// as it does not wrap around.
func (s *session) Scan(ctx context.Context, start []byte, n int, visit func(key, value []byte)) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	q := s.d.sess.Query(s.d.stmt.scan, start, n).WithContext(ctx).Consistency(s.d.cfg.readCL).PageSize(n)
	iter := q.Iter()
	var k, v []byte
	visited := 0
	for visited < n && iter.Scan(&k, &v) {
		visit(k, v)
		visited++
	}
	err := iter.Close()
	q.Release()
	return visited, err
}

// InsertBatch writes the records with up to load_workers inserts in flight.
// Not a CQL BATCH: a batch of keys in different partitions makes one
// coordinator do every replica's work, which is slower than token-aware
// single writes.
func (s *session) InsertBatch(ctx context.Context, keys, values [][]byte) error {
	if len(keys) != len(values) {
		return fmt.Errorf("cassandra bulk insert: %d keys but %d values", len(keys), len(values))
	}
	workers := min(s.d.cfg.loadWorkers, len(keys))
	next := make(chan int)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range next {
				if errs[w] != nil {
					continue // drain
				}
				q := s.d.sess.Query(s.d.stmt.write, keys[i], values[i]).WithContext(ctx).Consistency(s.d.cfg.writeCL)
				errs[w] = q.Exec()
				q.Release()
			}
		}(w)
	}
	for i := range keys {
		select {
		case next <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("cassandra bulk insert: %w", err)
		}
	}
	return ctx.Err()
}

// Close does nothing: the pools belong to the driver.
func (s *session) Close() error { return nil }
