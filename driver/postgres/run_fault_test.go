package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statebench/statebench/cli"
	"github.com/statebench/statebench/result"
)

// The whole run command goes through an outage: a 10 s open-loop run is cut
// off from its server for 2 s in the middle. It completes; the outage's
// windows count connection errors, the last windows count successful
// operations again, and verify finds every acknowledged write.
func TestRunThroughOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s run")
	}
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"run", "--driver", "postgres", "--target", srv.target() + "&table=outage",
			"--rate", "1000", "-c", "32", "-d", "10s", "--warmup", "0", "--records", "1000",
			"--verify", "--no-store", "-o", "json"},
			cli.Env{Stdout: &out, Stderr: &errb, LookupEnv: func(string) (string, bool) { return "", false }})
	}()
	// The outage starts 2 s into the measure phase, which starts when the
	// load phase has written its records (about 4 s into the run), and the
	// server stays down for 2 s.
	waitLoaded(t, done, &errb, 1000, func(ctx context.Context) (n int, err error) {
		c, err := pgx.Connect(ctx, srv.target())
		if err != nil {
			return 0, err
		}
		defer c.Close(ctx)
		err = c.QueryRow(ctx, "SELECT count(*) FROM outage").Scan(&n)
		return n, err
	})
	select {
	case code := <-done:
		t.Fatalf("run ended before the outage with exit code %d: %s", code, errb.String())
	case <-time.After(2 * time.Second):
	}
	srv.stop()
	down := time.Now()
	time.Sleep(2 * time.Second)
	restarting := time.Now()
	srv.start()
	up := time.Now()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		t.Fatalf("run did not end within 90 s; stderr: %s", errb.String())
	}
	if code != 0 {
		t.Fatalf("run exit code = %d, want 0; stderr: %s", code, errb.String())
	}
	checkOutageDocument(t, out.Bytes(), down, restarting, up)
}

// waitLoaded waits, at most 60 s, until count reports at least n records,
// failing the test if the run ends first.
func waitLoaded(t *testing.T, done <-chan int, errb *bytes.Buffer, n int, count func(context.Context) (int, error)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case code := <-done:
			t.Fatalf("run ended during the load phase with exit code %d: %s", code, errb.String())
		case <-time.After(100 * time.Millisecond):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		got, err := count(ctx)
		cancel()
		if err == nil && got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load phase did not write %d records within 60 s (last count %d, %v)", n, got, err)
		}
	}
}

// checkOutageDocument checks the result document of a run whose server was
// down (fully stopped) from down to restarting, and answered again at up.
func checkOutageDocument(t *testing.T, b []byte, down, restarting, up time.Time) {
	t.Helper()
	var doc result.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("stdout is not a result document: %v\n%.2000s", err, b)
	}
	// The outage on the run clock.
	at := func(x time.Time) float64 { return x.Sub(doc.StartedAt).Seconds() }
	downS, restartingS, upS := at(down), at(restarting), at(up)
	end := doc.Measure.StartS + doc.Measure.DurationS
	t.Logf("run clock: measure %.1f-%.1fs, server down %.1f-%.1fs, answering again at %.1fs", doc.Measure.StartS, end, downS, restartingS, upS)

	var outage, recovered int
	for _, w := range doc.Windows {
		// A window that starts at the measure phase's end holds only what
		// was still in flight.
		if w.Phase != "measure" || w.State != result.WindowFinal || w.StartS > end-0.5 {
			continue
		}
		var ok, conn int64
		var p99 float64
		for _, o := range w.Ops {
			ok += o.Count - o.Errors
			conn += o.ErrorsByClass["connection"]
			if o.LatencyUs != nil {
				p99 = max(p99, o.LatencyUs.P99)
			}
		}
		classes := map[string]int64{}
		for _, o := range w.Ops {
			for c, n := range o.ErrorsByClass {
				classes[c] += n
			}
		}
		t.Logf("window %4.1fs: %4d ok (p99 %4.0f ms), %4d skipped, errors %v", w.StartS, ok, p99/1000, w.Skipped, classes)
		switch {
		case w.StartS >= downS && w.StartS+w.DurationS <= restartingS:
			// Entirely while the server was down.
			outage++
			if conn == 0 {
				t.Errorf("window at %.1fs, while the server was down, counts no connection errors", w.StartS)
			}
			if ok != 0 {
				t.Errorf("window at %.1fs, while the server was down, counts %d successful operations", w.StartS, ok)
			}
		case w.StartS >= upS:
			// Started after the server answered again. (Its first
			// operations may still be slow: all the workers reconnect at
			// once, and a freshly started server builds each new session's
			// caches.)
			recovered++
			if ok == 0 {
				t.Errorf("window at %.1fs, %.1fs after the server was back, has no successful operation; want throughput back", w.StartS, w.StartS-upS)
			}
		}
	}
	if outage == 0 {
		t.Errorf("no final measure window lies entirely within the outage")
	}
	if recovered == 0 {
		t.Errorf("no final measure window starts after the server was back (at %.1fs); the run ended at %.1fs", upS, end)
	}
	v := doc.Verify
	if v == nil {
		t.Fatalf("result has no verify section; want one with --verify")
	}
	if v.Acknowledged == 0 {
		t.Errorf("verify.acknowledged = 0; want the run's acknowledged writes")
	}
	if v.Lost != 0 || v.Missing != 0 || v.Failed {
		t.Errorf("verify = lost %d, missing %d, failed %v; want no acknowledged write lost with durable settings", v.Lost, v.Missing, v.Failed)
	}
}
