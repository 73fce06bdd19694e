package bpf

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// Kind is what a block I/O histogram measures.
type Kind uint8

// The block I/O histogram kinds (enum hist_kind in biolatency.bpf.c).
const (
	// Device time: from issue to the driver to completion, in microseconds.
	Device Kind = 0
	// Queue time: from insertion into the I/O scheduler to issue, in
	// microseconds; only requests that were queued have one.
	Queue Kind = 1
	// Size: the request's size in bytes at issue.
	Size Kind = 2
)

// HistKey names one bucket of one block I/O histogram.
type HistKey struct {
	// Dev is the disk as the kernel's MKDEV: major<<20 | minor.
	Dev uint32
	// Op is the request operation (REQ_OP_*): 0 read, 1 write, 2 flush,
	// 3 discard, 5 secure erase, 9 write zeroes, others rarer.
	Op   uint8
	Kind Kind
	Slot uint8
}

// Major and Minor split Dev into the disk's device numbers.
func (k HistKey) Major() uint32 { return k.Dev >> 20 }

// Minor returns the disk's minor device number.
func (k HistKey) Minor() uint32 { return k.Dev & (1<<20 - 1) }

// BlockIO is the loaded biolatency program. Its methods may not be called
// concurrently.
type BlockIO struct {
	a   *attached
	key biolatencyHistKey
	val []uint64
}

// LoadBlockIO loads and attaches the block I/O programs.
func LoadBlockIO() (*BlockIO, error) { return loadBlockIO(attachOrder) }

func loadBlockIO(modes []Mode) (*BlockIO, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	spec, err := loadBiolatency()
	if err != nil {
		return nil, err
	}
	arg, err := requestArg()
	if err != nil {
		return nil, err
	}
	if err := spec.Variables["rq_arg"].Set(arg); err != nil {
		return nil, fmt.Errorf("setting rq_arg: %w", err)
	}
	a, err := load(spec, []hook{
		{"block_rq_insert", "tp_btf_block_rq_insert", "raw_tp_block_rq_insert"},
		{"block_rq_issue", "tp_btf_block_rq_issue", "raw_tp_block_rq_issue"},
		{"block_rq_complete", "tp_btf_block_rq_complete", "raw_tp_block_rq_complete"},
	}, modes)
	if err != nil {
		return nil, err
	}
	return &BlockIO{a: a}, nil
}

// requestArg finds, in the kernel's BTF, which argument of block_rq_issue is
// the struct request *: the first after the tracepoint's context pointer in
// Linux 5.11 and later (and kernels that backported that change), the second
// before, where the request queue came first.
func requestArg() (uint32, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNoBTF, err)
	}
	var td *btf.Typedef
	if err := spec.TypeByName("btf_trace_block_rq_issue", &td); err != nil {
		return 0, fmt.Errorf("finding the block_rq_issue tracepoint in kernel BTF: %w", err)
	}
	ptr, ok := td.Type.(*btf.Pointer)
	if !ok {
		return 0, fmt.Errorf("btf_trace_block_rq_issue is a %v, want a function pointer", td.Type)
	}
	proto, ok := ptr.Target.(*btf.FuncProto)
	if !ok {
		return 0, fmt.Errorf("btf_trace_block_rq_issue points to %v, want a function", ptr.Target)
	}
	// Params[0] is the tracepoint's void *__data; program arguments start after it.
	for i, p := range proto.Params[1:] {
		if pp, ok := btf.UnderlyingType(p.Type).(*btf.Pointer); ok {
			if s, ok := btf.UnderlyingType(pp.Target).(*btf.Struct); ok && s.Name == "request" {
				return uint32(i), nil
			}
		}
	}
	return 0, errors.New("block_rq_issue takes no struct request * in this kernel")
}

// Mode says how the programs were attached.
func (b *BlockIO) Mode() Mode { return b.a.mode }

// Read sets into[k] to the cumulative count of every non-empty bucket, summed
// over CPUs. It does not clear into: keys absent from the kernel map keep
// their value.
func (b *BlockIO) Read(into map[HistKey]uint64) error {
	it := b.a.coll.Maps["hists"].Iterate()
	for it.Next(&b.key, &b.val) {
		var sum uint64
		for _, v := range b.val {
			sum += v
		}
		into[HistKey{Dev: b.key.Dev, Op: b.key.Op, Kind: Kind(b.key.Kind), Slot: b.key.Slot}] = sum
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("reading block I/O histograms: %w", err)
	}
	return nil
}

// Close detaches and unloads the programs.
func (b *BlockIO) Close() error { return b.a.Close() }
