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

.PHONY: test build

# test is the project's test command (the README's, and CI's): it starts
# the services the tests talk to if they are down, then vets and runs every
# test, with the race detector on the packages that run goroutines.
test:
	scripts/services.sh
	go vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go test -race -timeout 20m ./recorder/... ./engine/... ./driver/... ./store/... ./observe/... ./value/... ./cli/...
	go test -timeout 20m $$(go list ./... | grep -v -e /recorder -e /engine -e /driver -e /store -e /observe -e /value -e /cli)
	scripts/check-bpf.sh

# build writes the statebench binary.
build:
	go build -o statebench ./cmd/statebench
