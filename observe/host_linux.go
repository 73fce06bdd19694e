package observe

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/prometheus/procfs"
	"github.com/prometheus/procfs/blockdevice"
)

// sectorBytes is the unit of /proc/diskstats' sector counts, whatever the
// device's own sector size.
const sectorBytes = 512

// hostReading is one reading of the host's cumulative counters.
type hostReading struct {
	stat    procfs.Stat
	load    *procfs.LoadAvg
	mem     procfs.Meminfo
	disks   map[string]blockdevice.IOStats
	net     procfs.NetDev
	retrans float64
	haveRet bool
}

// hostObserver reads the host's CPU, memory, disk and network counters from
// /proc and /sys.
type hostObserver struct {
	logger *slog.Logger
	proc   procfs.FS
	self   procfs.Proc
	block  blockdevice.FS
	prev   hostReading
}

var _ Observer = (*hostObserver)(nil)

func newHost(_ target, logger *slog.Logger) Observer { return &hostObserver{logger: logger} }

func (h *hostObserver) Start() error {
	var err error
	if h.proc, err = procfs.NewFS(procfs.DefaultMountPoint); err != nil {
		return fmt.Errorf("opening /proc: %w", err)
	}
	if h.block, err = blockdevice.NewFS(procfs.DefaultMountPoint, "/sys"); err != nil {
		return fmt.Errorf("opening /sys: %w", err)
	}
	if h.self, err = h.proc.Self(); err != nil {
		return fmt.Errorf("opening /proc/self: %w", err)
	}
	h.prev, err = h.read()
	return err
}

func (h *hostObserver) read() (hostReading, error) {
	var r hostReading
	var err error
	if r.stat, err = h.proc.Stat(); err != nil {
		return r, fmt.Errorf("reading /proc/stat: %w", err)
	}
	if r.load, err = h.proc.LoadAvg(); err != nil {
		return r, fmt.Errorf("reading /proc/loadavg: %w", err)
	}
	if r.mem, err = h.proc.Meminfo(); err != nil {
		return r, fmt.Errorf("reading /proc/meminfo: %w", err)
	}
	if r.disks, err = h.readDisks(); err != nil {
		return r, err
	}
	if r.net, err = h.proc.NetDev(); err != nil {
		return r, fmt.Errorf("reading /proc/net/dev: %w", err)
	}
	// TCP counters are per network namespace: statebench's own, which is
	// the one its connections to the target use.
	if snmp, err := h.self.Snmp(); err == nil && snmp.Tcp.RetransSegs != nil {
		r.retrans, r.haveRet = *snmp.Tcp.RetransSegs, true
	}
	return r, nil
}

// readDisks reads /proc/diskstats for whole disks (those in /sys/block),
// leaving out loop and RAM disks.
func (h *hostObserver) readDisks() (map[string]blockdevice.IOStats, error) {
	stats, err := h.block.ProcDiskstats()
	if err != nil {
		return nil, fmt.Errorf("reading /proc/diskstats: %w", err)
	}
	whole, err := h.block.SysBlockDevices()
	if err != nil {
		return nil, fmt.Errorf("listing /sys/block: %w", err)
	}
	disks := map[string]blockdevice.IOStats{}
	for _, d := range stats {
		name := d.DeviceName
		if !slices.Contains(whole, name) || strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "ram") {
			continue
		}
		disks[name] = d.IOStats
	}
	return disks, nil
}

func (h *hostObserver) Sample(w *Window) error {
	cur, err := h.read()
	if err != nil {
		return err
	}
	p := h.prev
	h.prev = cur

	// CPU: guest time is already counted in user time, so it is left out
	// of the total.
	c, pc := cur.stat.CPUTotal, p.stat.CPUTotal
	user := (c.User + c.Nice) - (pc.User + pc.Nice)
	system := (c.System + c.IRQ + c.SoftIRQ) - (pc.System + pc.IRQ + pc.SoftIRQ)
	iowait, steal, idle := c.Iowait-pc.Iowait, c.Steal-pc.Steal, c.Idle-pc.Idle
	total := user + system + iowait + steal + idle
	w.Ratio("cpu.user", "%", nil, user, total, 100)
	w.Ratio("cpu.system", "%", nil, system, total, 100)
	w.Ratio("cpu.iowait", "%", nil, iowait, total, 100)
	w.Ratio("cpu.steal", "%", nil, steal, total, 100)
	w.Ratio("cpu.idle", "%", nil, idle, total, 100)

	w.Gauge("load.1m", "tasks", nil, cur.load.Load1)
	w.Gauge("sched.procs_running", "tasks", nil, float64(cur.stat.ProcessesRunning))
	w.Gauge("sched.procs_blocked", "tasks", nil, float64(cur.stat.ProcessesBlocked))
	w.Rate("sched.context_switches", "switches/s", nil, float64(cur.stat.ContextSwitches-p.stat.ContextSwitches))

	m := cur.mem
	if m.MemTotalBytes != nil && m.MemAvailableBytes != nil {
		w.Gauge("mem.used", "bytes", nil, float64(*m.MemTotalBytes-*m.MemAvailableBytes))
	}
	if m.CachedBytes != nil {
		w.Gauge("mem.page_cache", "bytes", nil, float64(*m.CachedBytes))
	}
	if m.DirtyBytes != nil {
		w.Gauge("mem.dirty", "bytes", nil, float64(*m.DirtyBytes))
	}
	if m.WritebackBytes != nil {
		w.Gauge("mem.writeback", "bytes", nil, float64(*m.WritebackBytes))
	}

	elapsedMs := float64(w.Elapsed.Milliseconds())
	for _, name := range sortedKeys(cur.disks) {
		d, ok := p.disks[name]
		if !ok {
			continue // appeared since the last reading
		}
		n := cur.disks[name]
		l := map[string]string{"disk": name}
		reads, writes := float64(n.ReadIOs-d.ReadIOs), float64(n.WriteIOs-d.WriteIOs)
		w.Rate("disk.reads", "ops/s", l, reads)
		w.Rate("disk.writes", "ops/s", l, writes)
		w.Rate("disk.read_bytes", "bytes/s", l, float64(n.ReadSectors-d.ReadSectors)*sectorBytes)
		w.Rate("disk.write_bytes", "bytes/s", l, float64(n.WriteSectors-d.WriteSectors)*sectorBytes)
		w.Ratio("disk.read_await", "ms", l, float64(n.ReadTicks-d.ReadTicks), reads, 1)
		w.Ratio("disk.write_await", "ms", l, float64(n.WriteTicks-d.WriteTicks), writes, 1)
		w.Ratio("disk.queue_depth", "requests", l, float64(n.WeightedIOTicks-d.WeightedIOTicks), elapsedMs, 1)
		w.Ratio("disk.util", "%", l, float64(n.IOsTotalTicks-d.IOsTotalTicks), elapsedMs, 100)
	}

	prevNet := p.net
	for _, name := range sortedKeys(cur.net) {
		d, ok := prevNet[name]
		if !ok {
			continue
		}
		n := cur.net[name]
		l := map[string]string{"iface": name}
		w.Rate("net.rx_bytes", "bytes/s", l, float64(n.RxBytes-d.RxBytes))
		w.Rate("net.tx_bytes", "bytes/s", l, float64(n.TxBytes-d.TxBytes))
		w.Rate("net.rx_packets", "packets/s", l, float64(n.RxPackets-d.RxPackets))
		w.Rate("net.tx_packets", "packets/s", l, float64(n.TxPackets-d.TxPackets))
	}
	if cur.haveRet && p.haveRet {
		w.Rate("tcp.retransmits", "segments/s", nil, cur.retrans-p.retrans)
	}
	return nil
}

func (h *hostObserver) Stop() error { return nil }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
