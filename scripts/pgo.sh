#!/usr/bin/env bash
# Regenerates cmd/basalt/default.pgo, the CPU profile `go build` uses for
# profile-guided optimization of the basalt binary (Go's -pgo=auto): the
# three `basalt bench ingest` workloads against a server, and the timed part
# of `basalt bench query`, merged. Run it after large changes to the hot
# paths; it takes a few minutes on two cores (2m21s at stop 22, with a
# warm build cache).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
# Profiles of a binary built with the previous profile would steer the
# next one by its own inlining: start from an unoptimized build.
go build -pgo=off -o "$work/basalt" ./cmd/basalt

ingest() { # mode duration
	local data="$work/data-$1"
	"$work/basalt" serve --pprof --data-dir "$data" --http-addr 127.0.0.1:3097 --pg-addr 127.0.0.1:5497 >"$work/serve-$1.log" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do curl -sf 127.0.0.1:3097/v1/orgs/self/ws >/dev/null && break; sleep 0.1; done
	# Profile the steady state: after the preload of mixed and patch runs.
	(sleep 12 && curl -sf -o "$work/$1.prof" "127.0.0.1:3097/debug/pprof/profile?seconds=15") &
	local prof=$!
	"$work/basalt" bench ingest --url http://127.0.0.1:3097 --mode "$1" --duration "$2" >/dev/null
	wait $prof
	kill $pid && wait $pid || true
	rm -rf "$data"
}
ingest insert 30s
ingest mixed 30s
ingest patch 30s
"$work/basalt" bench query --events 500000 --rockbench-docs 100000 --runs 30 \
	--cpuprofile "$work/query.prof" >/dev/null

go tool pprof -proto "$work"/{insert,mixed,patch,query}.prof >cmd/basalt/default.pgo
echo "wrote cmd/basalt/default.pgo ($(wc -c <cmd/basalt/default.pgo) bytes)"
