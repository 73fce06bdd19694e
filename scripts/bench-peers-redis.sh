#!/usr/bin/env bash
# bench-peers-redis.sh: statebench's Redis driver against redis-benchmark (and
# go-ycsb where installed), measured back to back on the same server, printed
# as ratios. Loopback only; installs nothing; bounded in time (about 4 minutes
# on an idle 2-core machine; every step has a timeout).
#
#   scripts/bench-peers-redis.sh            # against 127.0.0.1:6379, database 15
#   REDIS_PORT=6380 DURATION=10 ROUNDS=5 scripts/bench-peers-redis.sh
#
# What is compared: 50 connections, 50/50 GET/SET of 100-byte values on
# uniformly chosen keys, first without pipelining, then with pipelines of 16.
# Throughput is operations per second; client CPU is the client process's
# user+system time (from /usr/bin/time) per operation.
#   - redis-benchmark runs SET then GET (-n each); its combined rate is the
#     harmonic mean: 2n / (n/rps_set + n/rps_get).
#   - statebench's CPU per operation counts every operation it issued (load,
#     warm-up and measure), since the process's CPU time covers all of them.
set -euo pipefail

PORT=${REDIS_PORT:-6379}
DB=${REDIS_DB:-15}
DURATION=${DURATION:-5}    # seconds of statebench's measure phase
ROUNDS=${ROUNDS:-3}        # back-to-back pairs per comparison; the median ratio is reported
CONNS=50
RECORDS=${RECORDS:-100000}
N=${N:-300000}             # redis-benchmark requests per test, unpipelined
NP=${NP:-1500000}          # redis-benchmark requests per test, pipelined

die() { echo "bench-peers-redis: $*" >&2; exit 1; }
for c in redis-cli redis-benchmark python3 go; do
	command -v "$c" >/dev/null || die "$c not found"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (GNU time measures client CPU)"
redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1 || die "no Redis on 127.0.0.1:$PORT"

cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/sb" ./cmd/statebench

# redis_benchmark PIPELINE: prints "ops_per_s cpu_us_per_op".
redis_benchmark() {
	local p=$1 n=$2
	timeout 120 /usr/bin/time -f '%U %S' -o "$work/rb.time" \
		redis-benchmark -h 127.0.0.1 -p "$PORT" --dbnum "$DB" -t set,get -c $CONNS -d 100 \
		-r "$RECORDS" -n "$n" -P "$p" --csv >"$work/rb.csv" 2>"$work/rb.err" ||
		{ cat "$work/rb.err" >&2; die "redis-benchmark failed"; }
	python3 - "$work/rb.csv" "$work/rb.time" "$n" <<'EOF'
import csv, sys
rows = {r["test"]: float(r["rps"]) for r in csv.DictReader(open(sys.argv[1]))}
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
n = int(sys.argv[3])
rate = 2 * n / (n / rows["SET"] + n / rows["GET"])
print(f"{rate:.0f} {(u + s) * 1e6 / (2 * n):.2f}")
EOF
}

# statebench TARGET_QUERY: prints "ops_per_s cpu_us_per_op".
statebench() {
	local q=$1
	timeout $((DURATION + 90)) /usr/bin/time -f '%U %S' -o "$work/sb.time" \
		"$work/sb" run --driver redis --target "redis://127.0.0.1:$PORT/$DB$q" -w ycsb-a -c $CONNS \
		--records "$RECORDS" --set keys.distribution=uniform --set values.size=100 \
		-d "${DURATION}s" --warmup 1s --no-store -o json >"$work/sb.json" 2>"$work/sb.err" ||
		{ cat "$work/sb.err" >&2; die "statebench run failed"; }
	python3 - "$work/sb.json" "$work/sb.time" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
rate = sum(o["throughput_ops_s"] for o in d["ops"].values())
issued = sum(o["count"] for w in d["windows"] for o in (w.get("ops") or {}).values())
issued += (d.get("load") or {}).get("records", 0)
print(f"{rate:.0f} {(u + s) * 1e6 / max(issued, 1):.2f}")
EOF
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}' if b else 'n/a')" "$1" "$2"; }

echo "machine: $(nproc) CPUs, $(uname -r); redis $(redis-cli -p "$PORT" info server | tr -d '\r' | sed -n 's/^redis_version://p') on 127.0.0.1:$PORT db $DB"
echo "workload: $CONNS connections, 50/50 GET/SET, 100-byte values, uniform keys over $RECORDS records"
echo

# compare LABEL PIPELINE N QUERY GOAL: ROUNDS rounds, each redis-benchmark
# then statebench back to back, so that both see the same machine; prints
# each round and the median ratios, which are steadier than any one round
# on a shared machine.
compare() {
	local label=$1 p=$2 n=$3 q=$4 goal=$5 r rb_ops rb_cpu sb_ops sb_cpu
	: >"$work/ratios"
	printf '%-22s %5s %12s %10s %12s %10s %8s %8s\n' "$label" round "peer ops/s" "peer µs" "sb ops/s" "sb µs" "ops" "cpu"
	for r in $(seq 1 "$ROUNDS"); do
		redis_benchmark "$p" "$n" >"$work/res"
		read -r rb_ops rb_cpu <"$work/res"
		statebench "$q" >"$work/res"
		read -r sb_ops sb_cpu <"$work/res"
		echo "$(ratio "$sb_ops" "$rb_ops") $(ratio "$sb_cpu" "$rb_cpu")" >>"$work/ratios"
		printf '%-22s %5s %12s %10s %12s %10s %8s %8s\n' "" "$r" "$rb_ops" "$rb_cpu" "$sb_ops" "$sb_cpu" $(tail -1 "$work/ratios")
	done
	python3 - "$work/ratios" "$goal" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
ops = statistics.median(r[0] for r in rows)
cpu = statistics.median(r[1] for r in rows)
print(f"  median: throughput statebench/peer {ops:.2f} (goal >= {sys.argv[2]}), client CPU per op statebench/peer {cpu:.2f}")
PY
	echo
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
compare "no pipelining" 1 "$N" "" 0.95
compare "pipelines of 16" 16 "$NP" "?pipeline=16" 0.8

if command -v go-ycsb >/dev/null; then
	# go-ycsb's workload A with the same shape, for a second peer.
	timeout $((DURATION + 90)) go-ycsb run redis -P /dev/null -p redis.addr="127.0.0.1:$PORT" -p redis.db="$DB" \
		-p workload=core -p readproportion=0.5 -p updateproportion=0.5 -p requestdistribution=uniform \
		-p recordcount="$RECORDS" -p operationcount=100000000 -p maxexecutiontime="$DURATION" \
		-p fieldcount=1 -p fieldlength=100 -p threadcount=$CONNS >"$work/ycsb.out" 2>&1 || true
	ycsb_ops=$(sed -n 's/^TOTAL .*OPS: \([0-9.]*\).*/\1/p' "$work/ycsb.out" | tail -1)
	statebench "" >"$work/res"
	read -r sb_ops sb_cpu <"$work/res"
	[ -n "$ycsb_ops" ] && echo "go-ycsb: $ycsb_ops ops/s, statebench $sb_ops ops/s: statebench/go-ycsb $(ratio "$sb_ops" "$ycsb_ops")"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
