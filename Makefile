# Basalt: the two commands a newcomer needs are `make run` and `make test`.
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: run build test bench bench-query clean

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

# The query suite over 2 million web events, loaded in-process (about 2.5 GB
# of temporary disk; 5 to 10 minutes on 2 cores). Pass flags with ARGS, e.g.
# make bench-query ARGS="--events 500000 --ingest-rate 10000".
bench-query:
	go run ./cmd/basalt bench query $(ARGS)

clean:
	rm -rf bin basalt-data
