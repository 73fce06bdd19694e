# Makefile: developer shortcuts. Building and testing need only the go tool;
# see docs/observe.md for what generate needs.

.PHONY: generate check-bpf

# generate rebuilds the committed eBPF objects and Go bindings from the C
# sources in observe/bpf (needs clang, llvm-strip and libbpf headers:
# apt-get install -y clang llvm libbpf-dev).
generate:
	go generate ./observe/bpf

# check-bpf checks that the committed eBPF objects match their sources.
check-bpf:
	scripts/check-bpf.sh
