package observe

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/statebench/statebench/result"
)

// TestQuantile: the quantile is interpolated linearly inside the log2 bucket
// that holds its rank.
func TestQuantile(t *testing.T) {
	tests := []struct {
		name   string
		first  int
		counts []uint64
		q      float64
		want   float64
	}{
		// All values in [4, 8): the median is the bucket's middle.
		{"one bucket", 2, []uint64{10}, 0.5, 6},
		// Bucket 0 runs from 0 to 2.
		{"bucket zero", 0, []uint64{4}, 0.5, 1},
		// 99 values in [1024, 2048) and one in [2^20, 2^21): p99 is the top
		// of the first bucket, p100 the top of the last.
		{"tail", 10, append(append([]uint64{99}, make([]uint64, 9)...), 1), 0.99, 2048},
		{"max", 10, append(append([]uint64{99}, make([]uint64, 9)...), 1), 1, 1 << 21},
		// Empty buckets between are skipped.
		{"gap", 3, []uint64{1, 0, 0, 1}, 0.75, 96},
	}
	for _, tt := range tests {
		if got := Quantile(tt.first, tt.counts, tt.q); got != tt.want {
			t.Errorf("%s: Quantile(%d, %v, %v) = %v, want %v", tt.name, tt.first, tt.counts, tt.q, got, tt.want)
		}
	}
	if got := Quantile(0, nil, 0.5); !math.IsNaN(got) {
		t.Errorf("Quantile of an empty histogram = %v, want NaN", got)
	}
}

// recorded is a small run: three windows, the middle one missing.
var recorded = []result.Observer{
	{
		Name: "host", Status: result.ObserverOK, StartS: 10, Windows: 3, MissingS: []float64{11},
		Series: []result.Series{
			{Name: "cpu.iowait", Unit: "%", Values: result.Values{10, math.NaN(), 30}},
			{Name: "cpu.idle", Unit: "%", Values: result.Values{50, math.NaN(), 40}},
			{Name: "disk.reads", Unit: "ops/s", Labels: map[string]string{"disk": "vda"}, Values: result.Values{100, math.NaN(), 300}, Total: ptr(400.0)},
			{Name: "disk.writes", Unit: "ops/s", Labels: map[string]string{"disk": "vda"}, Values: result.Values{1, math.NaN(), 3}, Total: ptr(4.0)},
			{Name: "disk.write_await", Unit: "ms", Labels: map[string]string{"disk": "vda"}, Values: result.Values{2, math.NaN(), 4}},
			{Name: "net.rx_bytes", Unit: "bytes/s", Labels: map[string]string{"iface": "lo"}, Values: result.Values{1, math.NaN(), 1}},
		},
	},
	{
		Name: "biolatency", Status: result.ObserverOK, StartS: 10, Windows: 3, MissingS: []float64{11},
		Histograms: []result.LogHistogram{{
			Name: "disk.latency", Unit: "us", Labels: map[string]string{"disk": "vda", "op": "write"},
			Count: 12, Counts: []uint64{0, 0, 0, 0, 0, 0, 0, 0, 10, 2},
			// Window 12 had values in [256, 512) and [512, 1024); window 10 had none.
			Windows: []result.WindowBuckets{{StartS: 12, First: 8, Counts: []uint64{10, 2}}},
		}},
	},
	{Name: "runqlat", Status: result.ObserverUnavailable, Reason: "not permitted to load eBPF programs"},
}

func ptr(v float64) *float64 { return &v }

// TestSamples: headline series come out under stable keys with their
// direction; histogram quantiles per window; missing windows stay NaN; an
// unavailable observer contributes nothing; other series are left out.
func TestSamples(t *testing.T) {
	got := Samples(recorded)
	tests := []struct {
		key  string
		unit string
		dir  Direction
		want []float64
	}{
		{"cpu.iowait_pct", "%", HigherIsWorse, []float64{10, math.NaN(), 30}},
		{"cpu.idle_pct", "%", LowerIsWorse, []float64{50, math.NaN(), 40}},
		{"disk.vda.read_iops", "ops/s", NoDirection, []float64{100, math.NaN(), 300}},
		{"disk.vda.write_await_ms", "ms", HigherIsWorse, []float64{2, math.NaN(), 4}},
		// Window 10 had no I/O, window 11 is missing: both have no quantile.
		{"disk.vda.write_latency_p50_us", "us", HigherIsWorse, []float64{math.NaN(), math.NaN(), 256 + 0.6*256}},
	}
	for _, tt := range tests {
		m, ok := got[tt.key]
		if !ok {
			t.Errorf("Samples()[%q] absent, want %v", tt.key, tt.want)
			continue
		}
		if m.Unit != tt.unit || m.Direction != tt.dir || m.StartS != 10 || !sameValues(m.Values, tt.want) {
			t.Errorf("Samples()[%q] = %+v, want unit %s direction %v start 10 values %v", tt.key, m, tt.unit, tt.dir, tt.want)
		}
	}
	for key := range got {
		if strings.HasPrefix(key, "net.") || strings.HasPrefix(key, "runq") {
			t.Errorf("Samples() has %q, want no network or run-queue keys here", key)
		}
	}
}

// TestHeatmaps: one column per window, nil for a missing window, zeros for
// a window without values, rows from the lowest bucket seen.
func TestHeatmaps(t *testing.T) {
	got := Heatmaps(recorded)
	if len(got) != 1 {
		t.Fatalf("Heatmaps() = %d maps, want 1", len(got))
	}
	m := got[0]
	if m.Name != "disk.latency" || m.Labels["op"] != "write" || m.StartS != 10 || m.First != 8 || len(m.Counts) != 3 {
		t.Fatalf("Heatmaps()[0] = %+v, want disk.latency op=write from 10 s, first bucket 8, 3 columns", m)
	}
	if m.Counts[1] != nil {
		t.Errorf("column of missing window 11 = %v, want nil", m.Counts[1])
	}
	if len(m.Counts[0]) != 2 || m.Counts[0][0] != 0 || m.Counts[0][1] != 0 {
		t.Errorf("column of empty window 10 = %v, want [0 0]", m.Counts[0])
	}
	if len(m.Counts[2]) != 2 || m.Counts[2][0] != 10 || m.Counts[2][1] != 2 {
		t.Errorf("column of window 12 = %v, want [10 2]", m.Counts[2])
	}
}

// TestWriteSummary: the summary gives CPU means over the windows that have
// them, disk figures and percentiles, and says why an observer is missing.
func TestWriteSummary(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSummary(&b, recorded); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"iowait 20.0%", "idle 45.0%",
		"disk vda    reads 200/s  writes 2.00/s", "write await 3.00 ms",
		"disk vda    write   latency p50 410 us", // 256 + (6/10)*256
		"runqlat     unavailable: not permitted to load eBPF programs",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteSummary() =\n%s\nwant it to contain %q", b.String(), want)
		}
	}
}
