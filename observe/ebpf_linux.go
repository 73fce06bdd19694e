package observe

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/statebench/statebench/observe/bpf"
)

// opNames names the block request operations (REQ_OP_* in
// include/linux/blk_types.h) that histograms are labelled with.
var opNames = map[uint8]string{
	0: "read", 1: "write", 2: "flush", 3: "discard",
	5: "secure_erase", 9: "write_zeroes",
}

func opName(op uint8) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return fmt.Sprintf("op%d", op)
}

// histKinds names the block I/O histograms.
var histKinds = map[bpf.Kind]struct {
	name, unit string
	perWindow  bool
}{
	bpf.Device: {"disk.latency", "us", true},
	bpf.Queue:  {"disk.queue_time", "us", true},
	bpf.Size:   {"disk.io_size", "bytes", false},
}

// biolatencyObserver keeps block I/O latency and size histograms per disk
// and operation, from the kernel's block tracepoints.
type biolatencyObserver struct {
	logger    *slog.Logger
	prog      *bpf.BlockIO
	prev, cur map[bpf.HistKey]uint64
	names     map[uint32]string // disk device number -> name
}

var _ Observer = (*biolatencyObserver)(nil)

func newBiolatency(_ target, logger *slog.Logger) Observer {
	return &biolatencyObserver{logger: logger, names: map[uint32]string{}}
}

func (b *biolatencyObserver) Start() error {
	var err error
	if b.prog, err = bpf.LoadBlockIO(); err != nil {
		return err
	}
	b.prev, b.cur = map[bpf.HistKey]uint64{}, map[bpf.HistKey]uint64{}
	if err := b.prog.Read(b.prev); err != nil {
		b.prog.Close()
		return err
	}
	return nil
}

func (b *biolatencyObserver) Info() map[string]string {
	return map[string]string{"attach": string(b.prog.Mode())}
}

// histID names one histogram: all the buckets of a disk, op and kind.
type histID struct {
	dev  uint32
	op   uint8
	kind bpf.Kind
}

func (b *biolatencyObserver) Sample(w *Window) error {
	clear(b.cur)
	if err := b.prog.Read(b.cur); err != nil {
		return err
	}
	deltas := map[histID]*[bpf.Slots]uint64{}
	for k, v := range b.cur {
		d := v - b.prev[k]
		if d == 0 {
			continue
		}
		id := histID{k.Dev, k.Op, k.Kind}
		if deltas[id] == nil {
			deltas[id] = new([bpf.Slots]uint64)
		}
		deltas[id][min(int(k.Slot), bpf.Slots-1)] += d
	}
	b.prev, b.cur = b.cur, b.prev
	ids := make([]histID, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y histID) int {
		return cmp.Or(cmp.Compare(x.dev, y.dev), cmp.Compare(x.op, y.op), cmp.Compare(x.kind, y.kind))
	})
	for _, id := range ids {
		kind, ok := histKinds[id.kind]
		if !ok {
			continue
		}
		d := deltas[id]
		labels := map[string]string{"disk": b.diskName(id.dev), "op": opName(id.op)}
		w.Histogram(kind.name, kind.unit, labels, d[:], kind.perWindow)
	}
	return nil
}

// diskName names a disk by its device number, as /sys/dev/block does.
func (b *biolatencyObserver) diskName(dev uint32) string {
	if n, ok := b.names[dev]; ok {
		return n
	}
	k := bpf.HistKey{Dev: dev}
	id := fmt.Sprintf("%d:%d", k.Major(), k.Minor())
	name := id
	if p, err := os.Readlink(filepath.Join("/sys/dev/block", id)); err == nil {
		name = filepath.Base(p)
	}
	b.names[dev] = name
	return name
}

func (b *biolatencyObserver) Stop() error { return b.prog.Close() }

// runqlatObserver keeps run-queue latency histograms for the host and, when
// one was named, for the observed process.
type runqlatObserver struct {
	target target
	prog   *bpf.RunQueue
	// prev and cur hold the host histogram then the process's.
	prev, cur [2][bpf.Slots]uint64
}

var _ Observer = (*runqlatObserver)(nil)

func newRunqlat(t target, _ *slog.Logger) Observer { return &runqlatObserver{target: t} }

func (r *runqlatObserver) Start() error {
	var tgid uint32
	if r.target.explicit {
		tgid = uint32(r.target.pid)
	}
	var err error
	if r.prog, err = bpf.LoadRunQueue(tgid); err != nil {
		return err
	}
	if err := r.prog.Read(&r.prev[0], &r.prev[1]); err != nil {
		r.prog.Close()
		return err
	}
	return nil
}

func (r *runqlatObserver) Info() map[string]string {
	return map[string]string{"attach": string(r.prog.Mode())}
}

func (r *runqlatObserver) Sample(w *Window) error {
	if err := r.prog.Read(&r.cur[0], &r.cur[1]); err != nil {
		return err
	}
	var d [2][bpf.Slots]uint64
	for s := range d {
		for i := range d[s] {
			d[s][i] = r.cur[s][i] - r.prev[s][i]
		}
	}
	r.prev = r.cur
	w.Histogram("runq.latency", "us", map[string]string{"scope": "host"}, d[0][:], true)
	if r.target.explicit {
		w.Histogram("runq.latency", "us", map[string]string{"scope": "process"}, d[1][:], true)
	}
	return nil
}

func (r *runqlatObserver) Stop() error { return r.prog.Close() }
