package redis_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/drivertest"
)

// startCluster starts a Redis Cluster of three masters of the test's own
// (no replicas, no persistence) and returns its seed list.
func startCluster(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skipf("redis-cli is not installed: %v", err)
	}
	var addrs []string
	for i := 0; i < 3; i++ {
		s := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", s.port))
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Wait until every node sees the cluster as ok.
	deadline := time.Now().Add(20 * time.Second)
	for _, a := range addrs {
		host, port, _ := strings.Cut(a, ":")
		for {
			out, _ := exec.Command("redis-cli", "-h", host, "-p", port, "cluster", "info").Output()
			if strings.Contains(string(out), "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster node %s not ok within 20s: %s", a, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return strings.Join(addrs, ",")
}

// TestClusterConformance runs the driver suite against a Redis Cluster of
// three masters: keys, index and pipelines spread over the nodes.
func TestClusterConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three redis-servers; skipped with -short")
	}
	seeds := startCluster(t)
	for _, q := range []string{"", "?layout=hash&pipeline=16"} {
		t.Run("seeds"+q, func(t *testing.T) {
			drivertest.Run(t, func(t *testing.T) driver.Driver {
				return openDriver(t, "redis://"+seeds+q, map[string]string{"fields": "2"})
			})
		})
	}
	// One seed and cluster=true finds the rest.
	first, _, _ := strings.Cut(seeds, ",")
	d := openDriver(t, "redis://"+first+"?cluster=true", map[string]string{"key_prefix": "cl:"})
	defer d.Close()
	m, err := d.Describe(context.Background())
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if m["cluster_enabled"] != "1" || m["driver_cluster"] != "true" {
		t.Errorf("Describe() cluster_enabled = %q, driver_cluster = %q; want 1, true", m["cluster_enabled"], m["driver_cluster"])
	}
	// Cleanup finds the prefix's keys on every master.
	ctx := context.Background()
	s, err := d.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 100; i++ {
		if err := s.Insert(ctx, drivertest.Key("cl:", i), []byte("v")); err != nil {
			t.Fatalf("Insert: %v", err)
		}
	}
	if err := d.(driver.Cleaner).Cleanup(ctx); err != nil {
		t.Fatalf("Cleanup on a cluster: %v", err)
	}
	for i := 0; i < 100; i++ {
		if _, err := s.Read(ctx, drivertest.Key("cl:", i), nil); err != driver.ErrNotFound {
			t.Fatalf("after Cleanup: Read(%q) = %v, want ErrNotFound", drivertest.Key("cl:", i), err)
		}
	}
}
