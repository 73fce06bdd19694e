#!/usr/bin/env bash
# bench-engine.sh: the engine's own overhead with the memory driver, next to
# go-ycsb's no-op database and a bare timing loop, measured back to back in
# alternating rounds and printed as ratios; then the recorder's cost per
# latency, the hot path's allocations, open-loop rate accuracy and the RSS of
# a long run. Installs nothing; bounded in time (about 4-5 minutes).
#
#   scripts/bench-engine.sh
#   GO_YCSB=/path/to/go-ycsb ROUNDS=5 scripts/bench-engine.sh
#
# Figures:
#   - peers: 50 closed-loop workers. go-ycsb runs `basic` (a no-op database)
#     with workloada's shape (50/50 read/update, uniform keys, 100k records,
#     one 100-byte field) for YCSB_OPS operations; the engine runs the same
#     shape on a no-op driver (engine BenchmarkEngineClosedNoop: 1 s warm-up,
#     3 s measure), and the statebench CLI on the memory driver (a sharded
#     map: real work, not a no-op); the bare loop is 50 goroutines that time a
#     no-op and count it (engine BenchmarkBareLoop), the ceiling of any Go
#     load generator here. Throughput is ops/s of the measured span; CPU is
#     the process's user+system time per operation issued (statebench: load,
#     warm-up and measure operations). Ratios are medians over the rounds,
#     with their range.
#   - open loop: achieved = measured operations / measure duration; achieved
#     plus skipped is what the pacer scheduled.
#   - RSS: VmRSS of a 60 s closed-loop run, sampled every 5 s.
# Other processes on the machine skew every figure: the load average is
# printed before and after; compare ratios, not absolute rates.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}        # seconds of statebench's measure phase, per round
YCSB_OPS=${YCSB_OPS:-1000000}  # go-ycsb operations per round
RATES=${RATES:-"1000 10000 50000"}
RSS_SECONDS=${RSS_SECONDS:-60}
WORKERS=50

die() { echo "bench-engine: $*" >&2; exit 1; }
for c in go python3; do
	command -v "$c" >/dev/null || die "$c not found"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (GNU time measures process CPU)"
ycsb=${GO_YCSB:-$(command -v go-ycsb || true)}

cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/sb" ./cmd/statebench
go test -c -o "$work/engine.test" ./engine/

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), $(go env GOVERSION)"
echo "load average at start: $(load)"
echo

# statebench_closed DIST: the CLI on the memory driver; prints "ops_per_s cpu_ns_per_op".
statebench_closed() {
	timeout $((DURATION + 60)) /usr/bin/time -f '%U %S' -o "$work/sb.time" \
		"$work/sb" run --driver memory -c $WORKERS -d "${DURATION}s" --warmup 0s --records 100000 \
		--set keys.distribution="$1" --no-store --observe none -o json >"$work/sb.json" 2>/dev/null
	python3 - "$work/sb.json" "$work/sb.time" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
n = sum(o["count"] for o in d["ops"].values())
issued = sum(o["count"] for w in d["windows"] for o in (w.get("ops") or {}).values())
issued += (d.get("load") or {}).get("records", 0)
print(f"{n / d['measure']['duration_s']:.0f} {(u + s) * 1e9 / max(issued, 1):.0f}")
EOF
}

# go_ycsb: prints "ops_per_s cpu_ns_per_op".
go_ycsb() {
	timeout 120 /usr/bin/time -f '%U %S' -o "$work/ycsb.time" \
		"$ycsb" run basic -P /dev/null -p workload=core -p readproportion=0.5 -p updateproportion=0.5 \
		-p requestdistribution=uniform -p recordcount=100000 -p operationcount="$YCSB_OPS" -p fieldcount=1 -p fieldlength=100 \
		-p threadcount=$WORKERS >"$work/ycsb.out" 2>&1
	python3 - "$work/ycsb.out" "$work/ycsb.time" <<'EOF'
import re, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("TOTAL")]
m = re.search(r"Takes\(s\): ([0-9.]+), Count: ([0-9]+)", lines[-1])
secs, n = float(m.group(1)), int(m.group(2))
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
print(f"{n / secs:.0f} {(u + s) * 1e9 / n:.0f}")
EOF
}

# gobench NAME: runs engine benchmark NAME once; prints "ops_per_s cpu_ns_per_op".
gobench() {
	"$work/engine.test" -test.run '^$' -test.bench "^$1\$" -test.benchtime 1x >"$work/bare.out"
	python3 - "$work/bare.out" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
print(re.search(r"([0-9.]+) ops/s", t).group(1), re.search(r"([0-9.]+) cpu-ns/op", t).group(1))
EOF
}

: >"$work/rounds"
[ -n "$ycsb" ] || echo "go-ycsb not found: skipped (set GO_YCSB or put go-ycsb on PATH)"
for r in $(seq "$ROUNDS"); do
	y="- -"
	[ -n "$ycsb" ] && y=$(go_ycsb)
	n=$(gobench BenchmarkEngineClosedNoop)
	u=$(statebench_closed uniform)
	b=$(gobench BenchmarkBareLoop)
	echo "round $r: go-ycsb $y  engine-noop $n  statebench-memory $u  bare $b  (ops/s cpu-ns/op; load $(load))"
	echo "$y $n $u $b" >>"$work/rounds"
done
python3 - "$work/rounds" "$WORKERS" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
col = lambda i: [float(r[i]) for r in rows if r[i] != "-"]
def fig(v):
    return f"{statistics.median(v):,.0f} ({min(v):,.0f}-{max(v):,.0f})" if v else "n/a"
def ratio(a, b):  # column a / column b, per round
    if not col(a) or not col(b):
        return "n/a"
    rs = [float(r[a]) / float(r[b]) for r in rows if r[a] != "-" and r[b] != "-"]
    return f"{statistics.median(rs):.2f} ({min(rs):.2f}-{max(rs):.2f})"
w = sys.argv[2]
print()
print(f"closed loop, {w} workers: ops/s median (range) over {len(rows)} rounds; cpu-ns/op")
for name, i in (("go-ycsb basic (no-op db)", 0), ("engine, no-op driver", 2), ("statebench CLI, memory driver", 4), ("bare timing loop", 6)):
    print(f"  {name:30s} {fig(col(i)):>32s} ops/s  {fig(col(i + 1)):>22s} cpu-ns/op")
print(f"  engine no-op / go-ycsb, throughput (goal >= 3):       {ratio(2, 0)}")
print(f"  engine no-op / go-ycsb, ops per CPU-second:           {ratio(1, 3)}")
print(f"  statebench memory / go-ycsb, throughput (goal >= 3):  {ratio(4, 0)}")
print(f"  statebench memory / go-ycsb, ops per CPU-second:      {ratio(1, 5)}")
print(f"  engine no-op / bare loop, throughput:                 {ratio(2, 6)}")
print(f"  engine no-op / bare loop, ops per CPU-second:         {ratio(7, 3)}")
EOF
echo

echo "recording one latency (recorder/hdr, recorder) and the engine's hot path (one worker, memory driver):"
go test -run '^$' -bench 'BenchmarkRecord' -benchtime 0.5s ./recorder/hdr/ ./recorder/ | grep '^Benchmark' | sed 's/^/  /'
"$work/engine.test" -test.run '^$' -test.bench '^Benchmark(HotPath|HotPathParallel|Clock)$' -test.benchtime 0.5s | grep '^Benchmark' | sed 's/^/  /'
"$work/engine.test" -test.run '^$' -test.bench '^BenchmarkEngineClosedMemory$' -test.benchtime 1x | grep '^Benchmark' | sed 's/^/  /'
echo

echo "open loop, memory driver, -c 64 -d 10s --warmup 1s: achieved / target"
for rate in $RATES; do
	timeout 90 "$work/sb" run --driver memory --rate "$rate" -c 64 -d 10s --warmup 1s --records 100000 \
		--no-store --observe none -o json >"$work/open.json" 2>/dev/null
	python3 - "$work/open.json" "$rate" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
target = float(sys.argv[2])
dur = d["measure"]["duration_s"]
achieved = sum(o["count"] for o in d["ops"].values()) / dur
scheduled = achieved + d.get("skipped", 0) / dur
# Steady state: the median one-second measure window, which a stall at the
# start (its catch-up spilling into the measure phase) does not move.
wins = sorted(sum(o["count"] for o in (w.get("ops") or {}).values()) / w["duration_s"]
              for w in d["windows"] if w["phase"] == "measure" and w["duration_s"] >= 0.999)
med = wins[len(wins) // 2] if wins else 0
print(f"  rate {target:>8,.0f}: achieved {achieved:>10,.1f} ops/s  ratio {achieved / target:.4f}  "
      f"(with skipped {scheduled / target:.4f}, skipped {d.get('skipped', 0)}; median window {med / target:.4f})  "
      f"load {open('/proc/loadavg').read().split()[0]}")
EOF
done
echo

echo "RSS of a ${RSS_SECONDS}s closed-loop run ($WORKERS workers, memory driver), every 5 s:"
"$work/sb" run --driver memory -c $WORKERS -d "${RSS_SECONDS}s" --warmup 1s --records 100000 \
	--no-store --observe none -o json >/dev/null 2>&1 &
pid=$!
: >"$work/rss"
for _ in $(seq 0 5 $((RSS_SECONDS + 5))); do
	sleep 5
	kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null || true)
	[ -n "$kb" ] || break
	echo "$kb" >>"$work/rss"
done
wait "$pid" || true
python3 - "$work/rss" <<'EOF'
import sys
kb = [int(l) for l in open(sys.argv[1]) if l.strip()]
print("  VmRSS MiB at 5 s steps: " + " ".join(f"{k / 1024:.1f}" for k in kb))
if len(kb) >= 3:
    print(f"  last / at 10 s: {kb[-1] / kb[1]:.3f}; max / at 10 s: {max(kb[1:]) / kb[1]:.3f}")
EOF
echo "load average at end: $(load)"
