#!/usr/bin/env bash
# check-bpf.sh: check that the committed eBPF objects and their Go bindings
# (observe/bpf/*_bpfel.{o,go}) are what the C sources compile to. It runs
# the go:generate lines of observe/bpf/gen.go in a copy of the directory and
# compares the outputs byte for byte. It installs nothing: without clang it
# says so and exits 0 (CI installs clang, llvm and libbpf-dev first; see
# docs/observe.md).
set -euo pipefail
cd "$(dirname "$0")/.."
src=observe/bpf

if ! command -v clang >/dev/null 2>&1; then
	echo "check-bpf: skipped: clang not installed (apt-get install -y clang llvm libbpf-dev)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$src"/*.c "$src"/*.h "$src"/gen.go "$tmp"/

# Each "//go:generate CMD" line of gen.go, run as go generate would.
grep '^//go:generate ' "$src/gen.go" | sed 's#^//go:generate ##' | while read -r line; do
	(cd "$tmp" && GOPACKAGE=bpf GOFLAGS=-mod=mod bash -c "$line") >/dev/null
done

status=0
for f in "$tmp"/*_bpfel.o "$tmp"/*_bpfel.go; do
	name=$(basename "$f")
	if ! cmp -s "$f" "$src/$name"; then
		echo "check-bpf: $src/$name differs from what its source compiles to: run make generate and commit" >&2
		status=1
	fi
done
for f in "$src"/*_bpfel.o; do
	[ -e "$tmp/$(basename "$f")" ] || { echo "check-bpf: $f has no source" >&2; status=1; }
done
[ $status -eq 0 ] && echo "check-bpf: ok: committed eBPF objects match their sources ($(clang --version | head -1))"
exit $status
