#!/usr/bin/env bash
# bench-observe.sh: measure what the eBPF observers cost a direct-I/O
# workload. Rounds of random O_DIRECT 4 KiB reads alternate without and with
# each observer, back to back, and the ratio with/without is printed (1.00 is
# free; the goal is at least 0.98). Needs root. See docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-observe: needs root to load eBPF programs" >&2
	exit 1
fi

out=$(go test -run '^$' -bench '^BenchmarkObserverOverhead$' -benchtime 1x -count "${COUNT:-1}" ./observe/)
echo "$out" | grep -E '^(goos|goarch|cpu|Benchmark)'
echo "$out" | awk '/^BenchmarkObserverOverhead/ {
	for (i = 1; i <= NF; i++) {
		if ($i ~ /-ratio$/) { printf "%s: with/without = %.4f (%.2f%% throughput cost)\n", $i, $(i-1), (1-$(i-1))*100 }
	}
}'
