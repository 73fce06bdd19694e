// Package drivertest is the conformance suite every driver passes: run it
// from the driver's own test against a real target.
package drivertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/workload"
)

// Opener opens the driver under test. The suite closes what it returns.
type Opener func(t *testing.T) driver.Driver

// Options adapt the suite to what a driver documents it does differently.
// The zero value asks for everything the Session contract says.
type Options struct {
	// TokenOrderScans is for drivers whose scans visit records in the
	// order of a partitioner's tokens, not of keys (Cassandra): the
	// ScanOrderAndBounds case is replaced by ScanBounds, which checks only
	// that a scan visits at most n records, each one once, each a record
	// that was written, and returns how many it visited.
	TokenOrderScans bool
}

// Run runs the conformance suite with the zero Options. Every case uses
// keys under a prefix of its own, so the suite can run against a shared
// server that holds other data.
func Run(t *testing.T, open Opener) {
	t.Helper()
	RunWith(t, open, Options{})
}

// RunWith runs the conformance suite, adapted by opts.
func RunWith(t *testing.T, open Opener, opts Options) {
	t.Helper()
	scan := struct {
		name string
		fn   func(t *testing.T, s driver.Session, prefix string)
	}{"ScanOrderAndBounds", testScan}
	if opts.TokenOrderScans {
		scan.name, scan.fn = "ScanBounds", testScanBounds
	}
	cases := []struct {
		name string
		fn   func(t *testing.T, s driver.Session, prefix string)
	}{
		// A value written is read back byte for byte, by the same session.
		{"ReadYourWrite", testReadYourWrite},
		// An update replaces the value; a later insert of the same key does too.
		{"Update", testUpdate},
		// A key never written reads as ErrNotFound, which is classified NotFound.
		{"NotFound", testNotFound},
		// Delete removes a key; deleting an absent key is not an error.
		{"Delete", testDelete},
		// Scan returns records in ascending key order from the first key >= start, at most n of them.
		// With TokenOrderScans: at most n records, each once, each one written.
		scan,
		// Bulk loading, where supported, stores every record.
		{"BulkLoad", testBulkLoad},
		// Batched operations, where supported, behave like single ones.
		{"Batch", testBatch},
		// Values of any size up to 64 KiB survive, including zero bytes.
		{"BinaryValues", testBinary},
	}
	d := open(t)
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ctx := context.Background()
	desc, err := d.Describe(ctx)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if len(desc) == 0 {
		t.Errorf("Describe returned nothing; want at least the target's version")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := d.Session(ctx)
			if err != nil {
				t.Fatalf("Session: %v", err)
			}
			defer s.Close()
			c.fn(t, s, Prefix())
		})
	}
	// Concurrent workers, each with its own session, write and read back
	// their own keys; every acknowledged write is then visible to a new session.
	t.Run("ConcurrentWorkers", func(t *testing.T) { testConcurrent(t, d, Prefix()) })
	// The engine's verify mode finds nothing lost or corrupt.
	t.Run("VerifyMode", func(t *testing.T) { testVerify(t, d, Prefix()) })
}

// Prefix returns a fresh key prefix, unique to one test case.
func Prefix() string {
	var b [4]byte
	rand.Read(b[:])
	return "dt" + hex.EncodeToString(b[:]) + ":"
}

// Key returns the i-th key under prefix; keys sort in i order.
func Key(prefix string, i int) []byte { return []byte(fmt.Sprintf("%s%06d", prefix, i)) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustRead(t *testing.T, s driver.Session, key []byte) []byte {
	t.Helper()
	v, err := s.Read(ctxT(t), key, nil)
	if err != nil {
		t.Fatalf("Read(%q): %v", key, err)
	}
	return v
}

func testReadYourWrite(t *testing.T, s driver.Session, p string) {
	ctx := ctxT(t)
	for i := 0; i < 10; i++ {
		v := []byte(fmt.Sprintf("value-%d-%s", i, p))
		if err := s.Insert(ctx, Key(p, i), v); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		if got := mustRead(t, s, Key(p, i)); !bytes.Equal(got, v) {
			t.Errorf("Read(%q) = %q, want %q", Key(p, i), got, v)
		}
	}
	// Read appends to dst.
	got, err := s.Read(ctx, Key(p, 3), []byte("x:"))
	if err != nil || string(got) != "x:value-3-"+p {
		t.Errorf("Read with dst = %q, %v; want %q", got, err, "x:value-3-"+p)
	}
}

func testUpdate(t *testing.T, s driver.Session, p string) {
	ctx := ctxT(t)
	k := Key(p, 1)
	for _, v := range []string{"one", "two-longer", "3"} {
		if err := s.Update(ctx, k, []byte(v)); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if got := mustRead(t, s, k); string(got) != v {
			t.Errorf("after Update(%q): Read = %q", v, got)
		}
	}
	if err := s.Insert(ctx, k, []byte("four")); err != nil {
		t.Fatalf("Insert over an existing key: %v", err)
	}
	if got := mustRead(t, s, k); string(got) != "four" {
		t.Errorf("after Insert over existing key: Read = %q, want four", got)
	}
}

func testNotFound(t *testing.T, s driver.Session, p string) {
	_, err := s.Read(ctxT(t), Key(p, 42), nil)
	if !errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("Read of a key never written: err = %v, want ErrNotFound", err)
	}
	if c := driver.Classify(err); c != driver.NotFound {
		t.Errorf("Classify(%v) = %v, want not_found", err, c)
	}
}

func testDelete(t *testing.T, s driver.Session, p string) {
	ctx := ctxT(t)
	k := Key(p, 7)
	if err := s.Insert(ctx, k, []byte("v")); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if err := s.Delete(ctx, k); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Read(ctx, k, nil); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Read after Delete: err = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, Key(p, 8)); err != nil {
		t.Errorf("Delete of an absent key: %v, want nil", err)
	}
}

func testScan(t *testing.T, s driver.Session, p string) {
	ctx := ctxT(t)
	// Insert out of order, every other number.
	for _, i := range []int{18, 2, 10, 6, 0, 14, 4, 16, 8, 12} {
		if err := s.Insert(ctx, Key(p, i), []byte(fmt.Sprintf("v%d", i))); err != nil {
			t.Fatalf("Insert: %v", err)
		}
	}
	var keys, vals []string
	visit := func(k, v []byte) { keys = append(keys, string(k)); vals = append(vals, string(v)) }
	// Start between two keys: the first key >= start comes first.
	n, err := s.Scan(ctx, Key(p, 5), 4, visit)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	want := []int{6, 8, 10, 12}
	if n != len(want) || len(keys) != len(want) {
		t.Fatalf("Scan(start %q, 4) visited %d keys %q (returned %d), want %d", Key(p, 5), len(keys), keys, n, len(want))
	}
	for i, w := range want {
		if keys[i] != string(Key(p, w)) || vals[i] != fmt.Sprintf("v%d", w) {
			t.Errorf("Scan record %d = %q=%q, want %q=v%d", i, keys[i], vals[i], Key(p, w), w)
		}
	}
	// A start key that exists is included.
	keys, vals = nil, nil
	if _, err := s.Scan(ctx, Key(p, 16), 2, visit); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if len(keys) != 2 || keys[0] != string(Key(p, 16)) || keys[1] != string(Key(p, 18)) {
		t.Errorf("Scan(start %q, 2) = %q, want [%q %q]", Key(p, 16), keys, Key(p, 16), Key(p, 18))
	}
}

func testScanBounds(t *testing.T, s driver.Session, p string) {
	ctx := ctxT(t)
	written := map[string]string{}
	for i := 0; i < 20; i++ {
		k, v := Key(p, i), fmt.Sprintf("v%d", i)
		if err := s.Insert(ctx, k, []byte(v)); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		written[string(k)] = v
	}
	for _, c := range []struct {
		start  []byte
		n      int
		exists bool // the start key was written, so it is in any order's range
	}{
		// A start key that exists, and one between two keys: neither may
		// make a scan visit more than n records.
		{Key(p, 5), 4, true},
		{[]byte(p + "000005x"), 3, false},
		// A scan of one.
		{Key(p, 0), 1, true},
	} {
		seen := map[string]bool{}
		var visited int
		n, err := s.Scan(ctx, c.start, c.n, func(k, v []byte) {
			visited++
			ks := string(k)
			// Other data may share the target; only this prefix's
			// records are known.
			if len(ks) >= len(p) && ks[:len(p)] == p {
				if want, ok := written[ks]; !ok || string(v) != want {
					t.Errorf("Scan(%q, %d) visited %q=%q, want a record that was written (%q)", c.start, c.n, k, v, want)
				}
			}
			if seen[ks] {
				t.Errorf("Scan(%q, %d) visited %q twice, want each record once", c.start, c.n, k)
			}
			seen[ks] = true
		})
		if err != nil {
			t.Fatalf("Scan(%q, %d): %v", c.start, c.n, err)
		}
		if n != visited || n > c.n {
			t.Errorf("Scan(%q, %d) = %d visiting %d records, want at most %d and the same", c.start, c.n, n, visited, c.n)
		}
		if c.exists && !seen[string(c.start)] {
			t.Errorf("Scan(%q, %d) did not visit its start key, which exists; want it visited", c.start, c.n)
		}
	}
}

func testBulkLoad(t *testing.T, s driver.Session, p string) {
	bl, ok := s.(driver.BulkLoader)
	if !ok {
		t.Skip("driver has no bulk path")
	}
	var keys, vals [][]byte
	for i := 0; i < 500; i++ {
		keys = append(keys, Key(p, i))
		vals = append(vals, []byte(fmt.Sprintf("bulk-%d", i)))
	}
	if err := bl.InsertBatch(ctxT(t), keys, vals); err != nil {
		t.Fatalf("InsertBatch: %v", err)
	}
	for i := range keys {
		if got := mustRead(t, s, keys[i]); !bytes.Equal(got, vals[i]) {
			t.Fatalf("after InsertBatch: Read(%q) = %q, want %q", keys[i], got, vals[i])
		}
	}
}

func testBatch(t *testing.T, s driver.Session, p string) {
	b, ok := s.(driver.Batcher)
	if !ok {
		t.Skip("driver does not batch")
	}
	ctx := ctxT(t)
	if err := s.Insert(ctx, Key(p, 1), []byte("old")); err != nil {
		t.Fatal(err)
	}
	reqs := []driver.Request{
		{Op: workload.Update, Key: Key(p, 1), Value: []byte("new")},
		{Op: workload.Read, Key: Key(p, 1)},
		{Op: workload.Insert, Key: Key(p, 2), Value: []byte("two")},
		{Op: workload.Read, Key: Key(p, 3)},
		{Op: workload.Delete, Key: Key(p, 2)},
		{Op: workload.Read, Key: Key(p, 2)},
	}
	b.Do(ctx, reqs)
	check := func(i int, wantVal string, wantErr error) {
		t.Helper()
		r := reqs[i]
		if !errors.Is(r.Err, wantErr) || (wantErr == nil && string(r.Result) != wantVal) {
			t.Errorf("batch request %d (%v %q) = %q, %v; want %q, %v", i, r.Op, r.Key, r.Result, r.Err, wantVal, wantErr)
		}
	}
	check(0, "", nil)
	check(1, "new", nil)
	check(2, "", nil)
	check(3, "", driver.ErrNotFound)
	check(4, "", nil)
	check(5, "", driver.ErrNotFound)
}

func testBinary(t *testing.T, s driver.Session, p string) {
	ctx := ctxT(t)
	for i, size := range []int{1, 100, 4096, 65536} {
		v := make([]byte, size)
		rand.Read(v)
		v[0] = 0
		if err := s.Update(ctx, Key(p, i), v); err != nil {
			t.Fatalf("Update %d bytes: %v", size, err)
		}
		if got := mustRead(t, s, Key(p, i)); !bytes.Equal(got, v) {
			t.Errorf("Read of a %d-byte binary value returned %d bytes that differ", size, len(got))
		}
	}
}

func testConcurrent(t *testing.T, d driver.Driver, p string) {
	const workers, each = 8, 50
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s, err := d.Session(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for i := 0; i < each; i++ {
				k := Key(p, w*each+i)
				v := []byte(fmt.Sprintf("w%d-%d", w, i))
				if err := s.Update(ctx, k, v); err != nil {
					errs <- fmt.Errorf("worker %d Update: %w", w, err)
					return
				}
				got, err := s.Read(ctx, k, nil)
				if err != nil || !bytes.Equal(got, v) {
					errs <- fmt.Errorf("worker %d Read(%q) = %q, %v; want %q", w, k, got, err, v)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s, err := d.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < workers*each; i++ {
		want := fmt.Sprintf("w%d-%d", i/each, i%each)
		if got := mustRead(t, s, Key(p, i)); string(got) != want {
			t.Fatalf("after concurrent writes: Read(%q) = %q, want %q", Key(p, i), got, want)
		}
	}
}
