package bpf

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// requireRoot skips a test that needs eBPF when not root. As root (CI), eBPF
// must work: the tests fail rather than skip.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: loading eBPF programs needs root (CI runs these as root, where they must pass)")
	}
}

// TestBlockIOCountsDirectReads: in either attach mode, n O_DIRECT reads of a
// file add at least n to the 4 KiB bucket of the size histogram (counted at
// issue) of the file's disk for op read, and device times to its
// device-time histogram (counted at completion; on the Linux 6.18 VMs of
// this project a few percent of block_rq_complete events never reach the
// program, see docs/observe.md, so only half are required).
func TestBlockIOCountsDirectReads(t *testing.T) {
	requireRoot(t)
	for _, mode := range []Mode{ModeTPBTF, ModeRawTP} {
		t.Run(string(mode), func(t *testing.T) {
			path, dev := directFile(t, 256)
			b, err := loadBlockIO([]Mode{mode})
			if err != nil {
				t.Fatalf("loadBlockIO(%s) = %v", mode, err)
			}
			defer b.Close()
			if b.Mode() != mode {
				t.Fatalf("Mode() = %s, want %s", b.Mode(), mode)
			}
			before := map[HistKey]uint64{}
			if err := b.Read(before); err != nil {
				t.Fatal(err)
			}
			const n = 256
			directReads(t, path, n)
			after := map[HistKey]uint64{}
			if err := b.Read(after); err != nil {
				t.Fatal(err)
			}
			var reads, size4k uint64
			for k, v := range after {
				if k.Major() != dev[0] || k.Minor() != dev[1] || k.Op != 0 {
					continue
				}
				switch {
				case k.Kind == Device:
					reads += v - before[k]
				case k.Kind == Size && k.Slot == 12:
					size4k += v - before[k]
				}
			}
			if size4k < n || reads < n/2 {
				t.Errorf("after %d direct reads on %d:%d: 4 KiB size count %d, want >= %d; device-time count %d, want >= %d", n, dev[0], dev[1], size4k, n, reads, n/2)
			}
		})
	}
}

// TestRunQueueSeesContention: in either attach mode, more spinning threads
// than CPUs make the host and the process histograms count waits of a
// millisecond or more.
func TestRunQueueSeesContention(t *testing.T) {
	requireRoot(t)
	for _, mode := range []Mode{ModeTPBTF, ModeRawTP} {
		t.Run(string(mode), func(t *testing.T) {
			r, err := loadRunQueue(uint32(os.Getpid()), []Mode{mode})
			if err != nil {
				t.Fatalf("loadRunQueue(%s) = %v", mode, err)
			}
			defer r.Close()
			spin(4*runtime.NumCPU(), 500*time.Millisecond)
			var host, proc [Slots]uint64
			if err := r.Read(&host, &proc); err != nil {
				t.Fatal(err)
			}
			for name, h := range map[string][Slots]uint64{"host": host, "process": proc} {
				var slow uint64
				for _, c := range h[10:] { // 2^10 us and up
					slow += c
				}
				if slow == 0 {
					t.Errorf("%s histogram %v has no wait of 1 ms or more, want some", name, h)
				}
			}
		})
	}
}

// spin keeps n OS threads runnable for d.
func spin(n int, d time.Duration) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for time.Now().Before(deadline) {
			}
		}()
	}
	wg.Wait()
}

// directFile writes a file of n 4 KiB blocks and fsyncs it, returning its
// path and its whole disk's major and minor numbers.
func directFile(t *testing.T, n int) (string, [2]uint32) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "blocks")
	if err := os.WriteFile(path, make([]byte, n*4096), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	maj, min := unix.Major(st.Dev), unix.Minor(st.Dev)
	link, err := filepath.EvalSymlinks(fmt.Sprintf("/sys/dev/block/%d:%d", maj, min))
	if err != nil {
		t.Fatalf("temp dir is on %d:%d, which is not a block device: %v", maj, min, err)
	}
	if _, err := os.Stat(filepath.Join(link, "partition")); err == nil {
		link = filepath.Dir(link)
	}
	var dmaj, dmin uint32
	devText, err := os.ReadFile(filepath.Join(link, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Sscanf(string(devText), "%d:%d", &dmaj, &dmin); err != nil {
		t.Fatal(err)
	}
	return path, [2]uint32{dmaj, dmin}
}

// directReads reads the first n 4 KiB blocks of path with O_DIRECT, one at a
// time, so that each is one block I/O.
func directReads(t *testing.T, path string, n int) {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECT, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	buf, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(buf)
	for i := range n {
		if _, err := unix.Pread(fd, buf, int64(i)*4096); err != nil {
			t.Fatalf("direct read of block %d: %v", i, err)
		}
	}
}
