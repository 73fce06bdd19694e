package observe

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkObserverOverhead measures what the eBPF observers cost a
// direct-I/O workload: rounds of random O_DIRECT 4 KiB reads by four
// goroutines, each round two seconds, alternate without an observer and
// with one, back to back, so that both see the same machine. It reports the
// rates and their ratio (with/without: 1 is free); observer "none" is an
// A/A control whose ratio shows the machine's noise. Run it with
// scripts/bench-observe.sh; it needs root.
func BenchmarkObserverOverhead(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("skipped: needs root for eBPF")
	}
	const fileSize = 256 << 20
	dir, _ := tempDirOnDisk(b)
	path := filepath.Join(dir, "bench")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Truncate(fileSize); err != nil {
		b.Fatal(err)
	}
	// Write the blocks so that reads reach the disk rather than holes.
	chunk := make([]byte, 1<<20)
	for off := int64(0); off < fileSize; off += int64(len(chunk)) {
		if _, err := f.WriteAt(chunk, off); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	f.Close()

	rounds := 4
	round := 2 * time.Second
	// "none" is the control: its ratio shows the noise between rounds.
	for _, observer := range []string{"none", "biolatency", "runqlat"} {
		var without, with float64
		observed := func() float64 {
			o, err := Start(context.Background(), Config{Names: []string{observer}})
			if err != nil {
				b.Fatal(err)
			}
			rate := directReadRate(b, path, fileSize, round)
			for _, r := range o.Stop() {
				if r.Status != "ok" {
					b.Fatalf("%s: %s", observer, r.Reason)
				}
			}
			return rate
		}
		// Alternate the order (off on, on off, ...) so that a drift of the
		// machine during a pair does not favour one side.
		for i := range rounds {
			if i%2 == 0 {
				without += directReadRate(b, path, fileSize, round)
				with += observed()
			} else {
				with += observed()
				without += directReadRate(b, path, fileSize, round)
			}
		}
		b.ReportMetric(without/float64(rounds), observer+"-off-ops/s")
		b.ReportMetric(with/float64(rounds), observer+"-on-ops/s")
		b.ReportMetric(with/without, observer+"-ratio")
	}
}

// directReadRate reads random 4 KiB blocks of path with O_DIRECT from four
// goroutines for d and returns the reads per second.
func directReadRate(b *testing.B, path string, size int64, d time.Duration) float64 {
	var ops atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECT, 0)
			if err != nil {
				b.Error(err)
				return
			}
			defer unix.Close(fd)
			buf, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
			if err != nil {
				b.Error(err)
				return
			}
			defer unix.Munmap(buf)
			blocks := size / 4096
			for n := 0; ; n++ {
				if n%64 == 0 && time.Now().After(deadline) {
					return
				}
				if _, err := unix.Pread(fd, buf, rand.Int64N(blocks)*4096); err != nil {
					b.Error(err)
					return
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(ops.Load()) / time.Since(start).Seconds()
}
