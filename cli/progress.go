package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/statebench/statebench/engine"
	"github.com/statebench/statebench/workload"
)

// startProgress shows a run's progress on stderr: a live line on a
// terminal, a plain line every 5 s otherwise. It returns the function that
// stops it.
func startProgress(env *Env, eng *engine.Engine, spec workload.Spec) func() {
	live := isTerminal(env.Stderr)
	every := 5 * time.Second
	if live {
		every = 250 * time.Millisecond
	}
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		phase := ""
		// Off a terminal, a line at each phase change as well as every 5 s.
		phaseTick := time.NewTicker(100 * time.Millisecond)
		defer phaseTick.Stop()
		for {
			select {
			case <-done:
				if live {
					fmt.Fprint(env.Stderr, "\r\033[K")
				}
				return
			case <-phaseTick.C:
				if p := eng.Phase(); p != phase && !live {
					phase = p
					fmt.Fprintln(env.Stderr, progressLine(eng, spec, time.Since(start)))
				}
			case <-t.C:
				line := progressLine(eng, spec, time.Since(start))
				if live {
					fmt.Fprintf(env.Stderr, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(env.Stderr, line)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressLine is one line of progress: phase, elapsed and remaining time,
// throughput and p99 of the last final window, errors so far.
func progressLine(eng *engine.Engine, spec workload.Spec, elapsed time.Duration) string {
	phase := eng.Phase()
	var b strings.Builder
	fmt.Fprintf(&b, "%-7s %6s", phase, elapsed.Round(time.Second))
	switch phase {
	case "load":
		pct := 0.0
		if spec.Records > 0 {
			pct = 100 * float64(eng.Loaded()) / float64(spec.Records)
		}
		fmt.Fprintf(&b, "  loaded %d/%d records (%.0f%%)", eng.Loaded(), spec.Records, pct)
		return b.String()
	}
	rec := eng.Recorder()
	if rec == nil {
		return b.String()
	}
	p := rec.Progress()
	if d := spec.Phases.Duration.D(); d > 0 && phase == "measure" {
		left := spec.Phases.Warmup.D() + d - rec.Now()
		fmt.Fprintf(&b, "  %s left", max(left, 0).Round(time.Second))
	}
	if w := p.Last; w != nil {
		var n int64
		p99 := 0.0
		for _, o := range w.Ops {
			n += o.Count
			if o.LatencyUs != nil && o.LatencyUs.P99 > p99 {
				p99 = o.LatencyUs.P99
			}
		}
		fmt.Fprintf(&b, "  %9.0f ops/s  p99 %s", float64(n)/w.DurationS, fmtMicros(p99))
	}
	fmt.Fprintf(&b, "  errors %d", p.Errors)
	return b.String()
}
