package drivertest

import (
	"testing"
	"time"

	"github.com/statebench/statebench/result"
)

// CheckOutage checks the result document of a run whose server a fault test
// took away, on the run clock (time since doc.StartedAt): the server had
// stopped answering at down, was started again at restart, and the run's
// operations could be expected to succeed again from back on.
//
// Every final measure window wholly inside [down, restart] must count
// connection errors and no successful operation, and there must be one;
// every final measure window that starts at or after back must count
// successful operations, and there must be one. Windows between restart and
// back are not judged (a server answers some sessions before it answers the
// test, and clients reconnect at their own pace), nor is a window that
// starts at the measure phase's end (it holds only what was in flight).
//
// It only reads doc, so that it can serve tests that run the whole run
// command without this package importing the command.
func CheckOutage(t testing.TB, doc *result.Document, down, restart, back time.Duration) {
	t.Helper()
	downS, restartS, backS := down.Seconds(), restart.Seconds(), back.Seconds()
	end := doc.Measure.StartS + doc.Measure.DurationS
	t.Logf("run clock: measure %.1f-%.1fs, server down %.1f-%.1fs, back by %.1fs", doc.Measure.StartS, end, downS, restartS, backS)
	var outage, recovered int
	for _, w := range doc.Windows {
		if w.Phase != "measure" || w.State != result.WindowFinal || w.StartS > end-0.5 {
			continue
		}
		var ok, conn int64
		var p99 float64
		classes := map[string]int64{}
		for _, o := range w.Ops {
			ok += o.Count - o.Errors
			conn += o.ErrorsByClass["connection"]
			if o.LatencyUs != nil {
				p99 = max(p99, o.LatencyUs.P99)
			}
			for c, n := range o.ErrorsByClass {
				classes[c] += n
			}
		}
		t.Logf("window %4.1fs: %4d ok (p99 %4.0f ms), %4d skipped, errors %v", w.StartS, ok, p99/1000, w.Skipped, classes)
		switch {
		case w.StartS >= downS && w.StartS+w.DurationS <= restartS:
			outage++
			if conn == 0 {
				t.Errorf("window at %.1fs, while the server was down: connection errors = 0, want > 0", w.StartS)
			}
			if ok != 0 {
				t.Errorf("window at %.1fs, while the server was down: successful operations = %d, want 0", w.StartS, ok)
			}
		case w.StartS >= backS:
			recovered++
			if ok == 0 {
				t.Errorf("window at %.1fs, %.1fs after the server was back: successful operations = 0, want > 0", w.StartS, w.StartS-backS)
			}
		}
	}
	if outage == 0 {
		t.Errorf("no final measure window lies wholly within the outage [%.1fs, %.1fs]", downS, restartS)
	}
	if recovered == 0 {
		t.Errorf("no final measure window starts after the server was back (at %.1fs); the measure phase ended at %.1fs", backS, end)
	}
}
