package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/spf13/cobra"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/engine"
	"github.com/statebench/statebench/fingerprint"
	"github.com/statebench/statebench/observe"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/workload"
)

// runFlags are the flags of `statebench run`.
type runFlags struct {
	workload    string
	sets        []string
	labels      []string
	benchmark   string
	output      string
	trigger     string
	storeURL    string
	noStore     bool
	observe     string
	observePID  int
	observeProc string
}

// flagPaths maps run flags to the workload fields they set, in the order
// they are applied (after the environment, before --set).
var flagPaths = []struct{ flag, path string }{
	{"driver", "driver.name"},
	{"target", "driver.target"},
	{"records", "records"},
	{"duration", "phases.duration"},
	{"warmup", "phases.warmup"},
	{"concurrency", "load.concurrency"},
	{"seed", "seed"},
	{"verify", "verify"},
	{"cleanup", "driver.cleanup"},
}

func newRunCmd(env *Env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a workload against a data store and record the result",
		Long: `Run a workload against a data store and record the result.

With no flags, runs the built-in workload ycsb-a for 10 s against the
embedded store (Pebble in a temporary directory), shows progress on
stderr and prints a summary on stdout. The run is saved to the results
store; -o json prints its result document instead of the summary.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRun(cmd, env, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.workload, "workload", "w", "", "workload file or built-in name (default ycsb-a; see: statebench workloads)")
	fl.String("driver", "", "driver: "+strings.Join(driverNames(), ", ")+" (default embedded)")
	fl.String("target", "", "target URL, or a directory for the embedded driver (default: a temporary directory)")
	fl.StringP("duration", "d", "", "measure phase length, 0 or forever = until interrupted (default from the workload)")
	fl.String("warmup", "", "warm-up length, not counted (default from the workload)")
	fl.String("records", "", "records in the keyspace, written by the load phase")
	fl.StringP("concurrency", "c", "", "workers or connections; in an open loop also the most operations in flight")
	fl.String("rate", "", "target rate in operations per second; 0 = closed loop")
	fl.String("seed", "", "random seed: the same seed gives the same key sequences")
	fl.Bool("verify", false, "check every value read and read back every acknowledged write at the end")
	fl.Bool("skip-load", false, "skip the load phase: the target already holds the records")
	fl.Bool("cleanup", false, "remove what statebench created on the target after the run")
	fl.StringArrayVar(&f.sets, "set", nil, "set any workload field, path=value (repeatable), e.g. --set load.arrival=poisson")
	fl.StringArrayVar(&f.labels, "label", nil, "label the run, k=v (repeatable)")
	fl.StringVar(&f.benchmark, "benchmark", "", "benchmark name the run belongs to (default: the workload's name)")
	fl.StringVarP(&f.output, "output", "o", "text", "output: text (a summary) or json (the result document)")
	fl.StringVar(&f.trigger, "trigger", "manual", "what started the run: manual, schedule, webhook, launch")
	fl.BoolVar(&f.noStore, "no-store", false, "do not save the run to the results store")
	addStoreFlag(cmd, &f.storeURL)
	fl.StringVar(&f.observe, "observe", "auto", "host observers: auto, none, or a list of host, process, biolatency, runqlat")
	fl.IntVar(&f.observePID, "observe-pid", 0, "observe this process (for example a local server) with the process and runqlat observers")
	fl.StringVar(&f.observeProc, "observe-process", "", "observe the one process with this name")
	return cmd
}

func driverNames() []string {
	return slices.Sorted(maps.Keys(drivers))
}

// overrides returns the flag layer of the workload: the flags the user set,
// in flagPaths order, then --rate, --skip-load and the --set arguments.
func (f *runFlags) overrides(cmd *cobra.Command) ([]workload.Override, error) {
	fl := cmd.Flags()
	var out []workload.Override
	for _, fp := range flagPaths {
		if fl.Changed(fp.flag) {
			v, _ := fl.GetString(fp.flag)
			if fl.Lookup(fp.flag).Value.Type() == "bool" {
				b, _ := fl.GetBool(fp.flag)
				v = strconv.FormatBool(b)
			}
			out = append(out, workload.Override{Path: fp.path, Value: v, Origin: "--" + fp.flag})
		}
	}
	if fl.Changed("rate") {
		v, _ := fl.GetString("rate")
		out = append(out, workload.RateOverrides(v, "--rate")...)
	}
	if skip, _ := fl.GetBool("skip-load"); skip {
		out = append(out, workload.Override{Path: "phases.load", Value: "false", Origin: "--skip-load"})
	}
	for _, s := range f.sets {
		o, err := workload.ParseSet(s)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// resolveWorkload builds the run's workload from its layers: built-in
// defaults < file < environment < flags.
func (f *runFlags) resolveWorkload(cmd *cobra.Command, env *Env) (workload.Spec, error) {
	flags, err := f.overrides(cmd)
	if err != nil {
		return workload.Spec{}, err
	}
	src := f.workload
	if src == "" {
		src = env.getenv("STATEBENCH_WORKLOAD")
	}
	return workload.Resolve(workload.Layers{Source: src, Env: workload.EnvOverrides(env.LookupEnv), Flags: flags})
}

func parseLabels(args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	labels := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, invalidf("--label %q: want k=v", a)
		}
		labels[k] = v
	}
	return labels, nil
}

func runRun(cmd *cobra.Command, env *Env, f *runFlags) (err error) {
	if f.output != "text" && f.output != "json" {
		return invalidf("--output %q: want text or json", f.output)
	}
	switch f.trigger {
	case "manual", "schedule", "webhook", "launch":
	default:
		return invalidf("--trigger %q: want manual, schedule, webhook or launch", f.trigger)
	}
	spec, err := f.resolveWorkload(cmd, env)
	if err != nil {
		return withCode(ExitInvalid, err)
	}
	labels, err := parseLabels(f.labels)
	if err != nil {
		return err
	}
	open, ok := drivers[spec.Driver.Name]
	if !ok {
		return invalidf("driver.name: unknown driver %q (known: %s)", spec.Driver.Name, strings.Join(driverNames(), ", "))
	}
	obsCfg := observe.Config{Names: splitList(f.observe), PID: f.observePID, ProcessName: f.observeProc, Logger: env.Logger, Notices: env.Stderr}
	if err := obsCfg.Validate(); err != nil {
		return withCode(ExitInvalid, err)
	}

	// The progress line and the interrupt notice share stderr.
	env.Stderr = &lockedWriter{w: env.Stderr}

	// Ctrl-C (SIGINT or SIGTERM) ends the measure phase at once; a second
	// one exits at once.
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	sigs := env.Signals
	if sigs == nil {
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(ch)
		sigs = ch
	}
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		fmt.Fprintln(env.Stderr, "\nstatebench: interrupted: finishing the current window (Ctrl-C again to quit at once)")
		cancel()
		select {
		case <-sigs:
			if env.Signals == nil {
				os.Exit(ExitInterrupted)
			}
		case <-cmd.Context().Done():
		}
	}()

	home, err := env.home()
	if err != nil {
		return err
	}
	opts := maps.Clone(spec.Driver.Options)
	if opts == nil {
		opts = map[string]string{}
	}
	opts["fields"] = strconv.Itoa(spec.Values.Fields)
	opts["key_prefix"] = spec.Keys.Prefix
	drv, err := open(ctx, driver.Config{
		Target: spec.Driver.Target, Options: opts, Concurrency: spec.Load.Workers(),
		Timeout: spec.Timeout.D(), Logger: env.Logger.With("component", "driver", "driver", spec.Driver.Name),
	})
	if err != nil {
		if errors.Is(err, driver.ErrUnreachable) {
			return withCode(ExitUnreachable, fmt.Errorf("opening %s target %q: %w", spec.Driver.Name, spec.Driver.Target, err))
		}
		return withCode(ExitInvalid, fmt.Errorf("driver %s: %w", spec.Driver.Name, err))
	}
	defer func() {
		if cerr := drv.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the driver: %w", cerr)
		}
	}()

	doc := &result.Document{
		SchemaVersion: result.SchemaVersion,
		ID:            ulid.Make().String(),
		Benchmark:     f.benchmark,
		Labels:        labels,
		Status:        result.Running,
		Trigger:       f.trigger,
		StartedAt:     time.Now().UTC(),
		Workload:      spec,
		Environment:   fingerprint.Host(env.LookupEnv, Version),
		Windows:       []result.Window{},
		Histograms:    []result.Histogram{},
		Events:        []result.Event{},
		Ops:           map[string]result.OpSummary{},
	}
	if doc.Benchmark == "" {
		doc.Benchmark = spec.Name
	}
	doc.Environment.Driver = spec.Driver.Name
	if desc, derr := drv.Describe(ctx); derr == nil {
		doc.Environment.Target = desc
	} else {
		env.Logger.Warn("describing the target", "err", derr)
	}

	var st store.Store
	if !f.noStore {
		if st, err = env.openStore(ctx, f.storeURL); err != nil {
			if exitCode(err) == ExitInvalid {
				return err
			}
			fmt.Fprintf(env.Stderr, "statebench: %s; the run will be saved to %s/runs/ instead\n", oneLine(err.Error()), home)
			st = nil
		} else {
			defer closeStore(st, &err)
			if berr := st.Begin(ctx, doc); berr != nil {
				fmt.Fprintf(env.Stderr, "statebench: recording the run's start: %s\n", oneLine(berr.Error()))
			}
		}
	}

	obsCfg.Start = doc.StartedAt
	obs, err := observe.Start(ctx, obsCfg)
	if err != nil {
		return withCode(ExitInvalid, err)
	}
	eng, err := engine.New(engine.Config{Spec: spec, Driver: drv, Logger: env.Logger, Start: doc.StartedAt})
	if err != nil {
		obs.Stop()
		return withCode(ExitInvalid, err)
	}
	stopProgress := startProgress(env, eng, spec)
	out, runErr := eng.Run(ctx)
	stopProgress()
	doc.Observers = obs.Stop()

	end := time.Now().UTC()
	doc.EndedAt = &end
	fillDocument(doc, out)
	if desc, derr := drv.Describe(context.Background()); derr == nil && !maps.Equal(desc, doc.Environment.Target) {
		doc.Environment.TargetAfter = desc
	}
	code := ExitOK
	switch {
	case runErr != nil:
		doc.Status, doc.Error = result.Failed, oneLine(runErr.Error())
		code = ExitUnreachable
	case out.Interrupted:
		doc.Status = result.Interrupted
		code = ExitInterrupted
	case neverAnswered(out):
		doc.Status, doc.Error = result.Failed, "the target never answered: every operation failed with a connection error or timeout"
		code = ExitUnreachable
	default:
		doc.Status = result.Completed
		if doc.Verify != nil && doc.Verify.Failed {
			code = ExitVerifyFailed
		}
	}
	if spec.Driver.Cleanup {
		if c, ok := drv.(driver.Cleaner); ok {
			if cerr := c.Cleanup(context.Background()); cerr != nil {
				fmt.Fprintf(env.Stderr, "statebench: cleaning up the target: %s\n", oneLine(cerr.Error()))
			}
		}
	}

	// Save: to the store, and to a file when the store cannot take it, so
	// nothing measured is lost.
	saved := ""
	if st != nil {
		if ferr := st.Finish(context.Background(), doc); ferr != nil {
			fmt.Fprintf(env.Stderr, "statebench: saving the run to the results store: %s\n", oneLine(ferr.Error()))
			st = nil
		} else {
			saved = "results store"
		}
	}
	if st == nil && !f.noStore {
		path, ferr := saveFallback(home, doc)
		if ferr != nil {
			fmt.Fprintf(env.Stderr, "statebench: %s\n", oneLine(ferr.Error()))
			if code == ExitOK {
				code = ExitInternal
			}
		} else {
			saved = path
			if code == ExitOK {
				code = ExitInternal // the store failed; the run is safe in the file
			}
		}
	}

	if f.output == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		writeSummary(env.Stdout, doc)
		if saved != "" {
			fmt.Fprintf(env.Stdout, "\nsaved: %s (statebench show %s)\n", saved, doc.ID)
		}
	}
	switch code {
	case ExitOK:
		return nil
	case ExitInterrupted:
		return withCode(code, errSilent)
	case ExitVerifyFailed:
		v := doc.Verify
		return withCode(code, fmt.Errorf("data verification failed: %d missing, %d lost, %d corrupt, %d stale acknowledged writes", v.Missing, v.Lost, v.Corrupt, v.Stale))
	case ExitInternal:
		if saved == "" {
			return withCode(code, errors.New("the run is not saved: neither the results store nor a file took it (see above)"))
		}
		return withCode(code, fmt.Errorf("the run is saved to %s, not to the results store (see above); store it later with: statebench import %s", saved, saved))
	}
	return withCode(code, fmt.Errorf("run failed: %s", doc.Error))
}

// fillDocument copies the engine's figures into the document.
func fillDocument(doc *result.Document, out *engine.Outcome) {
	if out == nil {
		return
	}
	doc.Load, doc.Measure, doc.Skipped, doc.Late, doc.Verify = out.Load, out.Measure, out.Skipped, out.Late, out.Verify
	if out.Ops != nil {
		doc.Ops = out.Ops
	}
	if out.Windows != nil {
		doc.Windows = out.Windows
	}
	if out.Histograms != nil {
		doc.Histograms = out.Histograms
	}
	if out.Events != nil {
		doc.Events = out.Events
	}
}

// neverAnswered reports whether the measure phase had operations and every
// one of them failed to reach the target.
func neverAnswered(out *engine.Outcome) bool {
	var n, unreachable int64
	for _, o := range out.Ops {
		n += o.Count
		unreachable += o.ErrorsByClass["connection"] + o.ErrorsByClass["timeout"]
	}
	return n > 0 && unreachable == n
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
