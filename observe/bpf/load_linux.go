package bpf

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// BTFPath is where the kernel exposes its own BTF.
const BTFPath = "/sys/kernel/btf/vmlinux"

// ErrPermission means the process lacks the capabilities to load eBPF
// programs; the error's text says which and how to grant them.
var ErrPermission = errors.New("not permitted to load eBPF programs")

// ErrNoBTF means the kernel exposes no BTF at BTFPath, without which the
// programs cannot be relocated to its structures.
var ErrNoBTF = errors.New("kernel BTF not available")

// Mode says how programs were attached: "tp_btf" or "raw_tp".
type Mode string

// The attach modes, in the order Load tries them.
const (
	ModeTPBTF Mode = "tp_btf"
	ModeRawTP Mode = "raw_tp"
)

// Check reports why this process cannot load the programs, or nil if it
// should be able to. Its errors wrap ErrNoBTF or ErrPermission and end with
// how to remedy.
func Check() error {
	if _, err := os.Stat(BTFPath); err != nil {
		return fmt.Errorf("%w: %s not found (the kernel needs CONFIG_DEBUG_INFO_BTF=y)", ErrNoBTF, BTFPath)
	}
	has, err := effectiveCaps()
	if err != nil {
		return fmt.Errorf("reading capabilities: %w", err)
	}
	if has(unix.CAP_SYS_ADMIN) || (has(unix.CAP_BPF) && has(unix.CAP_PERFMON)) {
		return nil
	}
	return permissionError()
}

func permissionError() error {
	return fmt.Errorf("%w: needs root or CAP_BPF and CAP_PERFMON (run as root, or grant them once: sudo setcap cap_bpf,cap_perfmon+ep $(command -v statebench))", ErrPermission)
}

// effectiveCaps returns a test for the calling thread's effective capabilities.
func effectiveCaps() (func(capability int) bool, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return nil, err
	}
	return func(c int) bool {
		return data[c/32].Effective&(1<<(uint(c)%32)) != 0
	}, nil
}

// hook is one tracepoint and the names of its two program variants.
type hook struct {
	tracepoint string
	tpBTF      string
	rawTP      string
}

// attached is a loaded collection and its links.
type attached struct {
	coll  *ebpf.Collection
	links []link.Link
	mode  Mode
}

func (a *attached) Close() error {
	var errs []error
	for _, l := range a.links {
		errs = append(errs, l.Close())
	}
	a.coll.Close()
	return errors.Join(errs...)
}

// attachOrder is the order in which load tries the attach modes.
var attachOrder = []Mode{ModeTPBTF, ModeRawTP}

// load loads spec with one variant of each hook's program, trying the modes
// in order, and attaches them.
func load(spec *ebpf.CollectionSpec, hooks []hook, modes []Mode) (*attached, error) {
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; newer ones
	// use memory cgroups and this is a no-op.
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, classify(fmt.Errorf("removing the memlock limit: %w", err))
	}
	var errs []error
	for _, mode := range modes {
		a, err := loadMode(spec, hooks, mode)
		if err == nil {
			return a, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", mode, err))
		if errors.Is(err, ErrPermission) {
			break // the other mode needs the same capabilities
		}
	}
	return nil, errors.Join(errs...)
}

func loadMode(spec *ebpf.CollectionSpec, hooks []hook, mode Mode) (*attached, error) {
	spec = spec.Copy()
	for _, h := range hooks {
		keep, drop := h.tpBTF, h.rawTP
		if mode == ModeRawTP {
			keep, drop = drop, keep
		}
		if spec.Programs[keep] == nil {
			return nil, fmt.Errorf("program %s missing from the object", keep)
		}
		delete(spec.Programs, drop)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return nil, classify(fmt.Errorf("loading programs: %w", err))
	}
	a := &attached{coll: coll, mode: mode}
	for _, h := range hooks {
		var l link.Link
		if mode == ModeTPBTF {
			l, err = link.AttachTracing(link.TracingOptions{
				Program:    coll.Programs[h.tpBTF],
				AttachType: ebpf.AttachTraceRawTp,
			})
		} else {
			l, err = link.AttachRawTracepoint(link.RawTracepointOptions{
				Name:    h.tracepoint,
				Program: coll.Programs[h.rawTP],
			})
		}
		if err != nil {
			a.Close()
			return nil, classify(fmt.Errorf("attaching to %s: %w", h.tracepoint, err))
		}
		a.links = append(a.links, l)
	}
	return a, nil
}

// classify marks permission failures with ErrPermission.
func classify(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%w (%v)", permissionError(), err)
	}
	return err
}
