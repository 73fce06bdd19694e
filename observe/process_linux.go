package observe

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/procfs"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// processReading is one reading of a process's cumulative counters.
type processReading struct {
	stat   procfs.ProcStat
	io     procfs.ProcIO
	status procfs.ProcStatus
}

// processObserver reads one process's CPU, memory, I/O and context-switch
// counters from /proc/PID.
type processObserver struct {
	target target
	proc   procfs.Proc
	prev   processReading
}

var _ Observer = (*processObserver)(nil)

func newProcess(t target, _ *slog.Logger) Observer { return &processObserver{target: t} }

func (p *processObserver) Start() error {
	var err error
	if p.proc, err = procfs.NewProc(p.target.pid); err != nil {
		return fmt.Errorf("opening /proc/%d: %w", p.target.pid, err)
	}
	p.prev, err = p.read()
	return err
}

func (p *processObserver) read() (processReading, error) {
	var r processReading
	var err error
	if r.stat, err = p.proc.Stat(); err != nil {
		return r, fmt.Errorf("reading %s stat: %w", p.target, err)
	}
	if r.io, err = p.proc.IO(); err != nil {
		return r, fmt.Errorf("reading %s io (needs the same user or root): %w", p.target, err)
	}
	if r.status, err = p.proc.NewStatus(); err != nil {
		return r, fmt.Errorf("reading %s status: %w", p.target, err)
	}
	return r, nil
}

func (p *processObserver) Sample(w *Window) error {
	cur, err := p.read()
	if err != nil {
		return err
	}
	prev := p.prev
	p.prev = cur
	// CPU as a percentage of one CPU: a process busy on two CPUs shows 200.
	elapsedTicks := w.Elapsed.Seconds() * clockTicks
	w.Ratio("cpu.user", "%", nil, float64(cur.stat.UTime-prev.stat.UTime), elapsedTicks, 100)
	w.Ratio("cpu.system", "%", nil, float64(cur.stat.STime-prev.stat.STime), elapsedTicks, 100)
	w.Gauge("mem.rss", "bytes", nil, float64(cur.stat.ResidentMemory()))
	w.Gauge("threads", "threads", nil, float64(cur.stat.NumThreads))
	w.Rate("io.read_bytes", "bytes/s", nil, float64(cur.io.ReadBytes-prev.io.ReadBytes))
	w.Rate("io.write_bytes", "bytes/s", nil, float64(cur.io.WriteBytes-prev.io.WriteBytes))
	w.Rate("io.read_chars", "bytes/s", nil, float64(cur.io.RChar-prev.io.RChar))
	w.Rate("io.write_chars", "bytes/s", nil, float64(cur.io.WChar-prev.io.WChar))
	w.Rate("sched.voluntary_switches", "switches/s", nil,
		float64(cur.status.VoluntaryCtxtSwitches-prev.status.VoluntaryCtxtSwitches))
	w.Rate("sched.involuntary_switches", "switches/s", nil,
		float64(cur.status.NonVoluntaryCtxtSwitches-prev.status.NonVoluntaryCtxtSwitches))
	return nil
}

func (p *processObserver) Stop() error { return nil }

// ErrNoProcess is wrapped by Start's error when the process to observe,
// named by PID or by name, cannot be found, or a name matches several.
var ErrNoProcess = errors.New("process to observe not found")

// resolveTarget finds the process to observe: pid, or the one process whose
// command name is name, or statebench itself.
func resolveTarget(pid int, name string) (target, error) {
	fs, err := procfs.NewFS(procfs.DefaultMountPoint)
	if err != nil {
		return target{}, fmt.Errorf("opening /proc: %w", err)
	}
	switch {
	case pid != 0:
		p, err := fs.Proc(pid)
		if err != nil {
			return target{}, fmt.Errorf("%w: pid %d: %v", ErrNoProcess, pid, err)
		}
		comm, _ := p.Comm()
		return target{pid: pid, comm: comm, explicit: true}, nil
	case name != "":
		procs, err := fs.AllProcs()
		if err != nil {
			return target{}, fmt.Errorf("listing processes: %w", err)
		}
		var found []target
		for _, p := range procs {
			if p.PID == os.Getpid() {
				continue
			}
			comm, err := p.Comm()
			if err != nil {
				continue // gone since the listing
			}
			if commMatches(comm, name) || argv0Matches(p, name) {
				found = append(found, target{pid: p.PID, comm: comm, explicit: true})
			}
		}
		switch len(found) {
		case 0:
			return target{}, fmt.Errorf("%w: no process is named %q", ErrNoProcess, name)
		case 1:
			return found[0], nil
		default:
			var pids []string
			for _, t := range found {
				pids = append(pids, fmt.Sprint(t.pid))
			}
			return target{}, fmt.Errorf("%w: %d processes are named %q (pids %s): choose one by pid",
				ErrNoProcess, len(found), name, strings.Join(pids, ", "))
		}
	default:
		comm, _ := fs.Self()
		c, _ := comm.Comm()
		return target{pid: os.Getpid(), comm: c}, nil
	}
}

// commMatches says whether a comm, which the kernel truncates to 15 bytes,
// is name's.
func commMatches(comm, name string) bool {
	const taskCommLen = 15
	if len(name) > taskCommLen {
		name = name[:taskCommLen]
	}
	return comm == name
}

func argv0Matches(p procfs.Proc, name string) bool {
	args, err := p.CmdLine()
	if err != nil || len(args) == 0 {
		return false
	}
	return filepath.Base(args[0]) == name
}
