package cli

import (
	"strings"
	"testing"
)

// runMemory records one run of the memory driver against target in e's
// store: a closed loop of 4 workers, 1 s of warm-up and 5 s measured.
func runMemory(t *testing.T, e *storeEnv, target string) {
	t.Helper()
	code, _, stderr := e.run(t, "", "run", "--driver", "memory", "--target", target,
		"--duration", "5s", "--warmup", "1s", "--records", "1000", "--concurrency", "4",
		"--observe", "none", "--benchmark", "e2e")
	if code != 0 {
		t.Fatalf("run --target %s = exit %d: %s", target, code, stderr)
	}
}

// From run to gate, in-process: a candidate with 200µs of injected latency
// fails compare --fail-on-regression with exit code 4, naming the
// operation; two runs of the same configuration pass it.
//
// The second pair is not required to show ~ everywhere: on a shared machine
// two back-to-back runs of one configuration can differ by a few percent in
// every window (other work on the machine), and the U test rightly calls a
// consistent shift significant. The threshold is what keeps the gate from
// failing on it, so that is what the test checks.
func TestCompareEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four 6-second benchmarks")
	}
	t.Run("regression", func(t *testing.T) {
		e := newStoreEnv(t)
		runMemory(t, e, "memory://")
		runMemory(t, e, "memory://?latency=200us")
		code, stdout, stderr := e.run(t, "", "compare", "latest~1", "latest", "--fail-on-regression")
		if code != ExitRegression {
			t.Fatalf("compare = exit %d, want %d\n%s\n%s", code, ExitRegression, stdout, stderr)
		}
		if !strings.Contains(stderr, "statebench: regression beyond 5%: ") || !strings.Contains(stderr, "read p50 +") {
			t.Errorf("compare stderr = %q, want it to name read p50", stderr)
		}
		if !strings.Contains(stdout, "environment.target.latency") {
			t.Errorf("compare stdout lacks the target's latency change:\n%s", stdout)
		}
	})
	t.Run("same", func(t *testing.T) {
		e := newStoreEnv(t)
		// Injected latency in both runs makes each operation's time a
		// sleep, so that a loaded machine shifts both alike; the threshold
		// leaves room for the scheduler's jitter around the sleep.
		runMemory(t, e, "memory://?latency=1ms")
		runMemory(t, e, "memory://?latency=1ms")
		code, stdout, stderr := e.run(t, "", "compare", "latest~1", "latest", "--fail-on-regression", "--threshold", "25%")
		if code != ExitOK {
			t.Fatalf("compare = exit %d, want 0\n%s\n%s", code, stdout, stderr)
		}
		for _, op := range []string{"read", "update"} {
			f := row(stdout, op, "p50")
			if len(f) < 6 || !(f[5] == "~" || f[5] == "better" || f[5] == "worse") {
				t.Errorf("compare %s p50 row = %q, want a verdict (~, better or worse)", op, f)
			}
		}
	})
}

// row returns the fields of the comparison table's row for op and metric,
// units joined to their figures: op, metric, base, candidate, delta,
// verdict, ...
func row(table, op, metric string) []string {
	for _, l := range strings.Split(table, "\n") {
		f := strings.Fields(strings.NewReplacer(" µs", "µs", " ops/s", "ops/s").Replace(l))
		if len(f) > 1 && f[0] == op && f[1] == metric {
			return f
		}
	}
	return nil
}
