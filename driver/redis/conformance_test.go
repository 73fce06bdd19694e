package redis_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/driver/redis"
	"github.com/statebench/statebench/workload"
)

// testAddr is the shared Redis of the development and CI machines. The
// tests use database 15 and keys under prefixes of their own.
const testAddr = "127.0.0.1:6379"

// needRedis skips the test when the shared Redis is down, unless CI is set:
// there it must be up, and its absence fails the test.
func needRedis(t *testing.T) {
	t.Helper()
	c, err := net.DialTimeout("tcp", testAddr, time.Second)
	if err == nil {
		c.Close()
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("redis at %s is down (CI is set, so this fails): %v", testAddr, err)
	}
	t.Skipf("redis at %s is down; start it to run this test (with CI set it fails): %v", testAddr, err)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func openDriver(t *testing.T, target string, opts map[string]string) driver.Driver {
	t.Helper()
	d, err := openDriverErr(target, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", target, err)
	}
	return d
}

func openDriverErr(target string, opts map[string]string) (driver.Driver, error) {
	return redis.Open(context.Background(), driver.Config{
		Target:      target,
		Options:     opts,
		Concurrency: 8,
		Timeout:     5 * time.Second,
		Logger:      slog.New(slog.DiscardHandler),
	})
}

// TestConformance runs the driver suite against the shared Redis in every
// layout and with pipelining on.
func TestConformance(t *testing.T) {
	needRedis(t)
	cases := []struct {
		name   string
		target string
		opts   map[string]string
	}{
		// Strings, the default layout.
		{"string", "redis://" + testAddr + "/15", nil},
		// Hashes with the value split into 4 fields, as the engine passes them.
		{"hash", "redis://" + testAddr + "/15?layout=hash", map[string]string{"fields": "4"}},
		// Pipelining only changes what the engine sends through Do.
		{"pipeline", "redis://" + testAddr + "/15?pipeline=16", nil},
		// RESP3 reads the same replies.
		{"resp3", "redis://" + testAddr + "/15?protocol=3&layout=hash", map[string]string{"fields": "3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			drivertest.Run(t, func(t *testing.T) driver.Driver { return openDriver(t, c.target, c.opts) })
		})
	}
}

// TestOpenUnreachable: a port nothing listens on fails Open with
// ErrUnreachable, promptly.
func TestOpenUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	target := "redis://" + addr + "/0"
	_, err = redis.Open(context.Background(), driver.Config{Target: target, Concurrency: 1, Timeout: 2 * time.Second, Logger: testLogger(t)})
	if !errors.Is(err, driver.ErrUnreachable) {
		t.Fatalf("Open(%q) = %v, want an error wrapping ErrUnreachable", target, err)
	}
}

// TestOpenWrongPassword: a server that refuses the credentials is
// unreachable too, and the error does not show the password.
func TestOpenWrongPassword(t *testing.T) {
	needRedis(t)
	target := "redis://nobody:s3cret@" + testAddr + "/15"
	_, err := redis.Open(context.Background(), driver.Config{Target: target, Concurrency: 1, Timeout: 2 * time.Second, Logger: testLogger(t)})
	if !errors.Is(err, driver.ErrUnreachable) {
		t.Fatalf("Open(%q) = %v, want an error wrapping ErrUnreachable", target, err)
	}
	if s := err.Error(); strings.Contains(s, "s3cret") {
		t.Errorf("Open error %q shows the password", s)
	}
}

// TestDescribe: the fingerprint holds the server's version and the settings
// that matter for performance and durability.
func TestDescribe(t *testing.T) {
	needRedis(t)
	d := openDriver(t, "redis://"+testAddr+"/15", nil)
	defer d.Close()
	m, err := d.Describe(context.Background())
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	for _, k := range []string{"redis_version", "os", "arch_bits", "maxmemory", "maxmemory-policy", "appendonly", "save", "cluster_enabled", "driver_cluster", "driver_layout"} {
		if _, ok := m[k]; !ok {
			t.Errorf("Describe()[%q] is absent; got %v", k, m)
		}
	}
}

// TestCleanup: Cleanup deletes the keys under the workload's prefix and
// their index entries, and leaves every other key alone.
func TestCleanup(t *testing.T) {
	needRedis(t)
	mine, other := drivertest.Prefix(), drivertest.Prefix()
	ctx := context.Background()
	d := openDriver(t, "redis://"+testAddr+"/15", map[string]string{"key_prefix": mine})
	defer d.Close()
	s, err := d.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 2500; i++ {
		for _, p := range []string{mine, other} {
			if err := s.Insert(ctx, drivertest.Key(p, i), []byte("v")); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
	}
	if err := d.(driver.Cleaner).Cleanup(ctx); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	for _, i := range []int{0, 1234, 2499} {
		if _, err := s.Read(ctx, drivertest.Key(mine, i), nil); !errors.Is(err, driver.ErrNotFound) {
			t.Errorf("after Cleanup: Read(%q) = %v, want ErrNotFound", drivertest.Key(mine, i), err)
		}
		if _, err := s.Read(ctx, drivertest.Key(other, i), nil); err != nil {
			t.Errorf("after Cleanup: Read(%q) of another prefix = %v, want the value", drivertest.Key(other, i), err)
		}
	}
	// The index lost the prefix's keys: a scan from the prefix starts at
	// the other prefix's first key, or later.
	var first string
	if _, err := s.Scan(ctx, []byte(mine), 1, func(k, v []byte) { first = string(k) }); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if strings.HasPrefix(first, mine) {
		t.Errorf("after Cleanup: Scan(%q, 1) visited %q, an index entry of the deleted prefix", mine, first)
	}
	// Tidy the other prefix.
	d2 := openDriver(t, "redis://"+testAddr+"/15", map[string]string{"key_prefix": other})
	defer d2.Close()
	if err := d2.(driver.Cleaner).Cleanup(ctx); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
}

// TestCleanupNeedsPrefix: without a key prefix Cleanup refuses, rather than
// deleting the whole database.
func TestCleanupNeedsPrefix(t *testing.T) {
	needRedis(t)
	d := openDriver(t, "redis://"+testAddr+"/15", nil)
	defer d.Close()
	if err := d.(driver.Cleaner).Cleanup(context.Background()); err == nil {
		t.Fatalf("Cleanup() without key_prefix = nil, want an error")
	}
}

// TestPipelineDepth: the pipeline option is the sessions' batch depth,
// which the engine reads to batch a worker's operations.
func TestPipelineDepth(t *testing.T) {
	needRedis(t)
	for _, n := range []int{1, 16} {
		d := openDriver(t, fmt.Sprintf("redis://%s/15?pipeline=%d", testAddr, n), nil)
		s, err := d.Session(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := s.(driver.Batcher).Depth(); got != n {
			t.Errorf("Depth() with pipeline=%d = %d, want %d", n, got, n)
		}
		s.Close()
		d.Close()
	}
}

// TestBatchKeepsValuesApart: batch after batch through one session (whose
// argument arena is reused), every update stores its own value under its
// own key, in both layouts.
func TestBatchKeepsValuesApart(t *testing.T) {
	needRedis(t)
	for _, layout := range []string{"string", "hash"} {
		d := openDriver(t, "redis://"+testAddr+"/15?pipeline=64&layout="+layout, map[string]string{"fields": "3"})
		ctx := context.Background()
		s, err := d.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := drivertest.Prefix()
		for round := 0; round < 3; round++ {
			reqs := make([]driver.Request, 64)
			for i := range reqs {
				reqs[i] = driver.Request{Op: workload.Update, Key: drivertest.Key(p, i), Value: []byte(fmt.Sprintf("round %d value %d", round, i))}
				if i%5 == 0 {
					reqs[i].Op = workload.Insert
				}
			}
			s.(driver.Batcher).Do(ctx, reqs)
			for i, r := range reqs {
				if r.Err != nil {
					t.Fatalf("%s round %d: request %d: %v", layout, round, i, r.Err)
				}
				got, err := s.Read(ctx, r.Key, nil)
				if want := fmt.Sprintf("round %d value %d", round, i); err != nil || string(got) != want {
					t.Errorf("%s round %d: Read(%q) = %q, %v; want %q", layout, round, r.Key, got, err, want)
				}
			}
		}
		s.Close()
		d.Close()
	}
}
