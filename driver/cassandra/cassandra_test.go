package cassandra_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gocql/gocql"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/cassandra"
	"github.com/statebench/statebench/driver/drivertest"
)

// hostsEnv names the Cassandra the tests run against, as a comma-separated
// host list (host or host:port). No Cassandra can be installed on the
// development machines, so without it these tests skip, and the driver is
// unverified against a server.
const hostsEnv = "STATEBENCH_CASSANDRA_HOSTS"

func target(t *testing.T, query string) string {
	t.Helper()
	hosts := os.Getenv(hostsEnv)
	if hosts == "" {
		t.Skipf("%s is not set: no Cassandra to test against (the driver is unverified against a server here)", hostsEnv)
	}
	return "cassandra://" + hosts + "/statebench_test" + query
}

func open(t *testing.T, target string) driver.Driver {
	t.Helper()
	d, err := cassandra.Open(context.Background(), driver.Config{
		Target:      target,
		Concurrency: 8,
		Timeout:     10 * time.Second,
		Logger:      slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatalf("Open(%q): %v", target, err)
	}
	return d
}

// TestConformance runs the driver suite against a real Cassandra, at
// consistency ONE so that a one-node cluster serves it. Scans run in token
// order (see the package documentation), so the suite checks only their
// bounds; TestScanTokenOrder checks the order.
func TestConformance(t *testing.T) {
	tg := target(t, "?consistency=ONE")
	drivertest.RunWith(t, func(t *testing.T) driver.Driver { return open(t, tg) }, drivertest.Options{TokenOrderScans: true})
}

// TestScanTokenOrder: a scan visits records in ascending token order from
// the start key's token, at most n of them, the start key first when it
// exists.
func TestScanTokenOrder(t *testing.T) {
	tg := target(t, "?consistency=ONE")
	d := open(t, tg)
	defer d.Close()
	ctx := context.Background()
	s, err := d.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := drivertest.Prefix()
	for i := 0; i < 50; i++ {
		if err := s.Insert(ctx, drivertest.Key(p, i), []byte(fmt.Sprint(i))); err != nil {
			t.Fatalf("Insert: %v", err)
		}
	}
	cl := gocql.NewCluster(strings.Split(os.Getenv(hostsEnv), ",")...)
	cl.Keyspace = "statebench_test"
	cl.Consistency = gocql.One
	raw, err := cl.CreateSession()
	if err != nil {
		t.Fatalf("connecting to check tokens: %v", err)
	}
	defer raw.Close()
	token := func(k []byte) int64 {
		var tok int64
		if err := raw.Query("SELECT token(k) FROM "+cassandra.DefaultTable+" WHERE k = ?", k).Scan(&tok); err != nil {
			t.Fatalf("token(%q): %v", k, err)
		}
		return tok
	}
	start := drivertest.Key(p, 7)
	var keys [][]byte
	n, err := s.Scan(ctx, start, 5, func(k, v []byte) { keys = append(keys, append([]byte(nil), k...)) })
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if n != len(keys) || n > 5 || n == 0 {
		t.Fatalf("Scan(%q, 5) = %d visiting %d keys, want 1 to 5 and the same", start, n, len(keys))
	}
	if string(keys[0]) != string(start) {
		t.Errorf("Scan(%q, 5) first key = %q, want the start key", start, keys[0])
	}
	prev := token(start)
	for _, k := range keys[1:] {
		tok := token(k)
		if tok < prev {
			t.Errorf("Scan(%q, 5) visited %q (token %d) after token %d: not in token order", start, k, tok, prev)
		}
		prev = tok
	}
}

// TestDescribe: the fingerprint holds the release version and the table's
// compaction and compression.
func TestDescribe(t *testing.T) {
	d := open(t, target(t, "?consistency=ONE"))
	defer d.Close()
	m, err := d.Describe(context.Background())
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	for _, k := range []string{"release_version", "compaction", "compression", "replication", "driver_read_consistency"} {
		if m[k] == "" {
			t.Errorf("Describe()[%q] is empty; got %v", k, m)
		}
	}
}
