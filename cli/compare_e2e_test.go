package cli

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// runMemory records one run of the memory driver against target in e's
// store: a closed loop of 4 workers, 1 s of warm-up and 8 s measured (the
// gate needs about 7 windows a side to survive its adjustment for the
// number of metrics).
func runMemory(t *testing.T, e *storeEnv, target string) error {
	code, _, stderr := e.run(t, "", "run", "--driver", "memory", "--target", target,
		"--duration", "8s", "--warmup", "1s", "--records", "1000", "--concurrency", "4",
		"--observe", "none", "--benchmark", "e2e")
	if code != 0 {
		return fmt.Errorf("run --target %s = exit %d: %s", target, code, stderr)
	}
	return nil
}

// From run to gate, in-process: a candidate with 200µs of injected latency
// fails compare --fail-on-regression with exit code 4, naming the
// operation; two runs of the same configuration pass it.
func TestCompareEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four 9-second benchmarks")
	}
	t.Run("regression", func(t *testing.T) {
		e := newStoreEnv(t)
		for _, target := range []string{"memory://", "memory://?latency=200us"} {
			if err := runMemory(t, e, target); err != nil {
				t.Fatal(err)
			}
		}
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
		// The two runs run at the same time, so that both see the same
		// machine: run one after the other, other work on a shared machine
		// can make them differ for real. Injected latency makes each
		// operation's time mostly a sleep.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() { errs[i] = runMemory(t, e, "memory://?latency=1ms") })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		code, stdout, stderr := e.run(t, "", "compare", "latest~1", "latest", "--fail-on-regression")
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
