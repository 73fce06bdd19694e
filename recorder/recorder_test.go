package recorder

import (
	"runtime"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/workload"
)

const sec = time.Second

func newTest(intended bool) *Recorder {
	return New(time.Now(), Options{Ops: []workload.Op{workload.Read, workload.Update}, Intended: intended})
}

// do records one operation that starts at `at` and takes `took`.
func do(w *Worker, at, took time.Duration, op workload.Op, class driver.Class) {
	win := w.Begin(at)
	w.End(win, op, class, took, took)
}

// A second in which no operation started is a final window with count 0
// and no percentiles; its neighbours hold their operations.
func TestQuietSecond(t *testing.T) {
	r := newTest(false)
	w := r.Worker()
	r.Collect(0)
	do(w, 100*time.Millisecond, time.Millisecond, workload.Read, driver.OK)
	r.Collect(sec + 500*time.Millisecond)
	r.Collect(2*sec + 500*time.Millisecond)
	do(w, 2*sec+600*time.Millisecond, 2*time.Millisecond, workload.Read, driver.OK)
	r.Collect(3*sec + 500*time.Millisecond)
	ws := r.Windows()
	if len(ws) != 3 {
		t.Fatalf("got %d windows, want 3: %+v", len(ws), ws)
	}
	for i, want := range []int64{1, 0, 1} {
		got := ws[i].Ops["read"]
		if ws[i].State != result.WindowFinal || got.Count != want {
			t.Errorf("window %d: state %s, read count %d; want final, %d", i, ws[i].State, got.Count, want)
		}
		if (got.LatencyUs == nil) != (want == 0) {
			t.Errorf("window %d: latency %+v with count %d: want percentiles exactly when count > 0", i, got.LatencyUs, want)
		}
	}
}

// A window becomes final only once every operation started in it has
// been recorded, however long the operation takes.
func TestFinalWaitsForInflight(t *testing.T) {
	r := newTest(false)
	w1, w2 := r.Worker(), r.Worker()
	r.Collect(0)
	slow := w1.Begin(200 * time.Millisecond)
	do(w2, 300*time.Millisecond, time.Millisecond, workload.Update, driver.OK)
	r.Collect(1200 * time.Millisecond)
	do(w2, 1300*time.Millisecond, time.Millisecond, workload.Update, driver.OK)
	r.Collect(2500 * time.Millisecond)
	if n := len(r.Windows()); n != 0 {
		t.Fatalf("%d windows final while an operation started in window 0 is in flight, want 0", n)
	}
	w1.End(slow, workload.Read, driver.Timeout, 2*sec, 2*sec)
	r.Collect(2600 * time.Millisecond)
	ws := r.Windows()
	if len(ws) != 2 {
		t.Fatalf("after the slow operation ended: %d windows, want 2", len(ws))
	}
	if got := ws[0].Ops["read"]; got.Count != 1 || got.Errors != 1 || got.ErrorsByClass["timeout"] != 1 {
		t.Errorf("window 0 read = %+v, want the slow timed-out read counted in the window it started in", got)
	}
	if got := ws[1].Ops["update"].Count; got != 1 {
		t.Errorf("window 1 update count = %d, want 1", got)
	}
}

// An operation whose worker was delayed past its window's sealing goes
// to the current window, never into a sealed one.
func TestSealedWindowTakesNothing(t *testing.T) {
	r := newTest(false)
	w := r.Worker()
	r.Collect(0)
	r.Collect(1100 * time.Millisecond) // seals and finalizes window 0
	win := w.Begin(900 * time.Millisecond)
	if win != nil && win.index == 0 {
		t.Fatalf("Begin at 0.9 s after window 0 was sealed returned window 0")
	}
	w.End(win, workload.Read, driver.OK, time.Millisecond, time.Millisecond)
	if got := r.Windows()[0].Ops["read"].Count; got != 0 {
		t.Errorf("sealed window 0 read count = %d, want 0", got)
	}
}

// Errors and not-found reads are counted apart: a read of a key never
// written is not an error, and its latency is a success's.
func TestClasses(t *testing.T) {
	r := newTest(true)
	w := r.Worker()
	r.Collect(0)
	for _, c := range []driver.Class{driver.OK, driver.NotFound, driver.Connection, driver.Connection, driver.Other} {
		do(w, 10*time.Millisecond, time.Millisecond, workload.Read, c)
	}
	r.Flush(sec)
	got := r.Windows()[0].Ops["read"]
	if got.Count != 5 || got.Errors != 3 || got.NotFound != 1 || got.ErrorsByClass["connection"] != 2 || got.ErrorsByClass["other"] != 1 {
		t.Errorf("read = %+v, want count 5, errors 3 (connection 2, other 1), not found 1", got)
	}
	ops, hists := r.Totals(sec)
	if ops["read"].Count != 5 || ops["read"].LatencyUs == nil || ops["read"].IntendedLatencyUs == nil {
		t.Errorf("totals read = %+v", ops["read"])
	}
	var okCount, errCount int64
	for _, h := range hists {
		if h.Op == "read" && h.Kind == "service" {
			if h.Outcome == "ok" {
				okCount = h.Count
			} else {
				errCount = h.Count
			}
		}
	}
	if okCount != 2 || errCount != 3 {
		t.Errorf("service histograms hold %d ok and %d error values, want 2 and 3", okCount, errCount)
	}
}

// The totals are the exact merge of the measure windows' histograms;
// warm-up windows are not counted.
func TestTotalsMergeWindows(t *testing.T) {
	r := New(time.Now(), Options{Ops: []workload.Op{workload.Read}, MeasureStart: 2 * sec})
	w := r.Worker()
	r.Collect(0)
	do(w, 100*time.Millisecond, 50*time.Millisecond, workload.Read, driver.OK) // warm-up
	r.Collect(1100 * time.Millisecond)
	r.Collect(1500 * time.Millisecond)
	want := hdr.New(hdr.Latency)
	for i := 0; i < 3000; i++ {
		at := 2*sec + time.Duration(i)*time.Millisecond
		d := time.Duration(100+i%977) * time.Microsecond
		if i%500 == 0 {
			r.Collect(at)
		}
		do(w, at, d, workload.Read, driver.OK)
		want.Record(int64(d))
	}
	r.Flush(5 * sec)
	ops, hists := r.Totals(3 * sec)
	if ops["read"].Count != 3000 {
		t.Fatalf("total reads = %d, want 3000 (the warm-up read excluded)", ops["read"].Count)
	}
	got, err := hdr.Decode(hists[0].Encoding, hists[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Errorf("total histogram differs from the histogram of every measured value")
	}
	if ops["read"].ThroughputOpsS != 1000 {
		t.Errorf("throughput = %v, want 1000", ops["read"].ThroughputOpsS)
	}
	ws := r.Windows()
	if ws[0].Phase != "warmup" || ws[1].Phase != "warmup" || ws[2].Phase != "measure" {
		t.Errorf("phases = %s %s %s, want warmup warmup measure", ws[0].Phase, ws[1].Phase, ws[2].Phase)
	}
}

// A gap in collection (the process was paused) leaves missing windows,
// not zero ones.
func TestMissingWindows(t *testing.T) {
	r := newTest(false)
	r.Worker()
	r.Collect(0)
	r.Collect(100 * sec) // nothing collected or prepared in between
	ws := r.Windows()
	missing := 0
	for _, w := range ws {
		if w.State == result.WindowMissing {
			missing++
			if w.Ops != nil {
				t.Errorf("missing window %v has figures %+v", w.StartS, w.Ops)
			}
		}
	}
	if missing < 90 {
		t.Errorf("%d missing windows after a 100 s gap, want about 98", missing)
	}
}

// A long run keeps one-second windows for the full span and one-minute
// windows before it, so its memory stays flat.
func TestLongRunMemoryFlat(t *testing.T) {
	r := New(time.Now(), Options{Ops: []workload.Op{workload.Read}, FullSpan: 2 * time.Minute})
	w := r.Worker()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	simulate := func(from, to int) {
		for s := from; s < to; s++ {
			at := time.Duration(s) * sec
			r.Collect(at)
			do(w, at+time.Millisecond, time.Duration(100+s%50)*time.Microsecond, workload.Read, driver.OK)
		}
	}
	simulate(0, 1200)
	h1, n1 := heap(), len(r.Windows())
	simulate(1200, 3600)
	h3, n3 := heap(), len(r.Windows())
	// One-second windows for the last 2 to 3 minutes (a minute is replaced
	// whole), and a one-minute window for each minute before.
	if n1 > 180+20 || n3 > 180+60 {
		t.Errorf("windows kept: %d after 20 min, %d after 1 h; want at most 180 one-second windows plus one per older minute", n1, n3)
	}
	if grow := int64(h3) - int64(h1); grow > 256<<10 {
		t.Errorf("heap grew by %d bytes between minute 20 and hour 1, want under 256 KiB", grow)
	}
	ws := r.Windows()
	if ws[0].DurationS != 60 || ws[0].Ops["read"].Count != 60 {
		t.Errorf("oldest window = %v s with %d reads, want a 60 s window of 60 reads", ws[0].DurationS, ws[0].Ops["read"].Count)
	}
	ops, _ := r.Totals(0)
	if ops["read"].Count != 3600-2 {
		t.Errorf("total reads = %d, want every read but the last two (their windows are not final yet)", ops["read"].Count)
	}
}

func BenchmarkRecordOperation(b *testing.B) {
	r := New(time.Now(), Options{Ops: []workload.Op{workload.Read}, Intended: true})
	done := make(chan struct{})
	go r.Run(done)
	defer close(done)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := r.Worker()
		for pb.Next() {
			now := r.Now()
			win := w.Begin(now)
			w.End(win, workload.Read, driver.OK, 1500, 2500)
		}
	})
}

// Downsampling never merges a missing window into a minute: a minute with
// a gap keeps the gap as missing one-second windows, and the parts with
// data as windows of their own length.
func TestDownsampleKeepsGaps(t *testing.T) {
	r := New(time.Now(), Options{Ops: []workload.Op{workload.Read}, FullSpan: time.Minute})
	w := r.Worker()
	for s := 0; s < 300; s++ {
		at := time.Duration(s) * sec
		if s >= 20 && s < 25 {
			continue // the collector does not run: windows 20-24 are missing
		}
		r.Collect(at)
		do(w, at+time.Millisecond, time.Millisecond, workload.Read, driver.OK)
	}
	var ws []result.Window
	for _, x := range r.Windows() {
		if x.StartS < 60 {
			ws = append(ws, x)
		}
	}
	// [0,21) with data (window 20 was prepared, so it is a final window
	// in which nothing started), four missing seconds, [25,60) with data.
	if len(ws) != 6 {
		t.Fatalf("first minute downsampled into %d windows, want 6: %+v", len(ws), ws)
	}
	if ws[0].DurationS != 21 || ws[0].Ops["read"].Count != 20 || ws[0].State != result.WindowFinal {
		t.Errorf("first part = %+v, want a final 21 s window of 20 reads", ws[0])
	}
	for _, m := range ws[1:5] {
		if m.State != result.WindowMissing || m.DurationS != 1 || m.Ops != nil {
			t.Errorf("gap window = %+v, want a missing 1 s window with no figures", m)
		}
	}
	if ws[5].StartS != 25 || ws[5].DurationS != 35 || ws[5].Ops["read"].Count != 35 {
		t.Errorf("last part = %+v, want 35 reads over [25, 60)", ws[5])
	}
}
