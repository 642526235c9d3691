# Basalt: the two commands a newcomer needs are `make run` and `make test`.
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: run build test bench clean

# Build and run a server on the embedded default (./basalt-data,
# HTTP on 127.0.0.1:3030).
run:
	go run ./cmd/basalt serve

build:
	go build -o bin/basalt ./cmd/basalt

# The whole test suite; installs what the tests need on a fresh machine.
test:
	./scripts/test.sh

# Micro-benchmarks of the hot paths.
bench:
	go test -run='^$$' -bench=. -benchmem ./types ./index ./storage/... ./sql/...

clean:
	rm -rf bin basalt-data
