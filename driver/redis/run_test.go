package redis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/statebench/statebench/cli"
	"github.com/statebench/statebench/driver/drivertest"
	"github.com/statebench/statebench/result"
)

// TestRunSurvivesRestart runs the whole run command in-process, open loop at
// 2000 ops/s for 10 s, against a redis-server that is killed about 4 s in
// and started again on the same port 2 s later. The run must go on: the
// outage's windows hold connection errors and no successes, the last windows
// hold successful operations again and no connection errors, and nothing
// hangs.
//
// The restarted server has no persistence, so it comes back empty: the
// acknowledged writes made before the kill are lost. That loss is the truth
// about this target, and verify must report it (lost or missing > 0) rather
// than hide it; the run then exits with code 5 (verify failed), which is
// what this test expects.
func TestRunSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s run; skipped with -short")
	}
	srv := startRedis(t)
	target := fmt.Sprintf("redis://127.0.0.1:%d/0", srv.port)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var out, errb bytes.Buffer
	done := make(chan int, 1)
	began := time.Now()
	go func() {
		done <- cli.Main(ctx, []string{"run", "--driver", "redis", "--target", target,
			"--rate", "2000", "-c", "32", "-d", "10s", "--warmup", "0", "--records", "1000",
			"--verify", "--no-store", "-o", "json"}, cli.Env{Stdout: &out, Stderr: &errb})
	}()

	time.Sleep(4 * time.Second)
	srv.kill()
	killedAt := time.Now()
	time.Sleep(2 * time.Second)
	restarting := time.Now()
	srv.start()
	restartedAt := time.Now()

	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		t.Fatalf("run did not finish within 90s (began %v ago); stderr:\n%s", time.Since(began), errb.String())
	}
	var doc result.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("run exited %d with stdout that is not a result document: %v\nstdout: %.2000s\nstderr: %s", code, err, out.String(), errb.String())
	}
	if doc.Status != result.Completed {
		t.Errorf("run status = %q, want %q (error %q)", doc.Status, result.Completed, doc.Error)
	}

	// Windows wholly inside the outage hold connection errors and no
	// successes; windows a second or more after the restart hold
	// successes again (go-redis's pool dials again once a second after
	// failed dials).
	at := func(x time.Time) time.Duration { return x.Sub(doc.StartedAt) }
	back := at(restartedAt) + time.Second
	drivertest.CheckOutage(t, &doc, at(killedAt), at(restarting), back)
	// ... and no connection errors.
	for _, w := range doc.Windows {
		if w.Phase != "measure" || w.State != result.WindowFinal || w.StartS < back.Seconds() {
			continue
		}
		for _, op := range w.Ops {
			if n := op.ErrorsByClass["connection"]; n != 0 {
				t.Errorf("window at %.0fs, after the restart at %.1fs: connection errors = %d, want 0", w.StartS, at(restartedAt).Seconds(), n)
			}
		}
	}
	t.Logf("verify %+v; exit %d", doc.Verify, code)

	// The restarted server is empty: verify reports the loss, and the exit
	// code says so.
	if doc.Verify == nil {
		t.Fatalf("result has no verify section; want one (--verify)")
	}
	v := doc.Verify
	if v.Lost+v.Missing == 0 {
		t.Errorf("verify after a restart without persistence: lost %d, missing %d (acknowledged %d), want lost+missing > 0", v.Lost, v.Missing, v.Acknowledged)
	}
	if !v.Failed {
		t.Errorf("verify.failed = false after lost writes, want true")
	}
	if code != cli.ExitVerifyFailed {
		t.Errorf("exit code = %d, want %d (verify failed); stderr:\n%s", code, cli.ExitVerifyFailed, errb.String())
	}
}
