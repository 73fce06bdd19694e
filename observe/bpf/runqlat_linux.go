package bpf

import (
	"fmt"
)

// RunQueue is the loaded runqlat program. Its methods may not be called
// concurrently.
type RunQueue struct {
	a   *attached
	val []uint64
}

// LoadRunQueue loads and attaches the run-queue latency programs. A non-zero
// tgid also keeps a histogram for the tasks (threads) of that process.
func LoadRunQueue(tgid uint32) (*RunQueue, error) { return loadRunQueue(tgid, attachOrder) }

func loadRunQueue(tgid uint32, modes []Mode) (*RunQueue, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	spec, err := loadRunqlat()
	if err != nil {
		return nil, err
	}
	if err := spec.Variables["targ_tgid"].Set(tgid); err != nil {
		return nil, fmt.Errorf("setting targ_tgid: %w", err)
	}
	a, err := load(spec, []hook{
		{"sched_wakeup", "tp_btf_sched_wakeup", "raw_tp_sched_wakeup"},
		{"sched_wakeup_new", "tp_btf_sched_wakeup_new", "raw_tp_sched_wakeup_new"},
		{"sched_switch", "tp_btf_sched_switch", "raw_tp_sched_switch"},
	}, modes)
	if err != nil {
		return nil, err
	}
	return &RunQueue{a: a}, nil
}

// Mode says how the programs were attached.
func (r *RunQueue) Mode() Mode { return r.a.mode }

// Read stores the cumulative run-queue latency histograms, in microseconds
// and summed over CPUs: the whole host's, and the process's given to
// LoadRunQueue (all zero without one).
func (r *RunQueue) Read(host, process *[Slots]uint64) error {
	m := r.a.coll.Maps["hists"]
	for i := uint32(0); i < 2*Slots; i++ {
		if err := m.Lookup(i, &r.val); err != nil {
			return fmt.Errorf("reading run-queue histogram slot %d: %w", i, err)
		}
		var sum uint64
		for _, v := range r.val {
			sum += v
		}
		if i < Slots {
			host[i] = sum
		} else {
			process[i-Slots] = sum
		}
	}
	return nil
}

// Close detaches and unloads the programs.
func (r *RunQueue) Close() error { return r.a.Close() }
