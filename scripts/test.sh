#!/usr/bin/env bash
# The whole test suite, runnable on a fresh Debian machine with Go installed:
# formatting, vet, unit and integration tests, the race detector on the
# concurrent packages, the crash loop, and a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
# The basalt binary is built with profile-guided optimization
# (cmd/basalt/default.pgo); its test binary would be too, compiling every
# package a second time (about 3 minutes on 2 cores) for no difference in
# behaviour.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-pgo=off"

# Packages the tests need from the system: a C compiler (cgo), Node.js
# with npm (the Rockset JS client and node-postgres tests), a JDK and the
# PostgreSQL JDBC driver (the JDBC and DBeaver tests); later stages (PostgreSQL
# as an oracle, Chromium for the console) are installed here, with apt-get,
# only when missing.
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v node >/dev/null || need+=(nodejs npm)
# javac and pgjdbc (/usr/share/java/postgresql.jar): server/pgwire's JDBC tests
# compile and run small Java programs against Basalt.
command -v javac >/dev/null || need+=(default-jdk-headless)
[ -f /usr/share/java/postgresql.jar ] || need+=(libpostgresql-jdbc-java)
# PostgreSQL's server binaries: the oracle for SQL correctness tests.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need+=(postgresql)
if ((${#need[@]})); then
	if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq "${need[@]}"
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
# Tests that compare with PostgreSQL fail rather than skip when it is absent.
export BASALT_REQUIRE_POSTGRES=1
go test -count=1 -timeout 15m ./...

echo "== go test -race (concurrent packages)"
go test -count=1 -race -short -timeout 15m ./storage/... ./server/... ./auth/ ./ingest/ ./ingest/filesource/
# The SQL executor's parallel operators, over many segments.
go test -count=1 -race -timeout 15m -run 'TestParallelMatchesSerial|TestJoinBuildSide|TestJoinBuildCache|TestJoinBuildKeptSegments|TestIndexLookupJoin|TestLogic|TestParseCacheShared|TestPlanCache|TestParallelBlockRuns|TestCountsFromIndex|TestTopNFloatKey' ./sql/
# The join table's parallel build and key encoding.
go test -count=1 -race -timeout 15m ./sql/exec/

echo "== fuzz (short runs; longer before a release)"
# A count of executions rather than a duration: a duration that ends while
# the coordinator is busy fails with "context deadline exceeded".
fuzz() { go test -run='^$' -fuzz="^$2\$" -fuzztime="${FUZZTIME:-20000x}" "$1"; }
fuzz ./types FuzzDecodeJSON
fuzz ./types FuzzDecodeBinary
fuzz ./index FuzzOpenInverted
fuzz ./storage/encoding FuzzDecodeBlock
fuzz ./storage/rowlog FuzzParseRecords
fuzz ./sql/parse FuzzParse
fuzz ./sql/fn FuzzParseInterval
fuzz ./sql/fn FuzzParseTimestamp
fuzz ./server/pgwire FuzzConnection
fuzz ./server/pgwire FuzzParseCopy
fuzz ./server/pgwire FuzzCopyBinary
fuzz ./auth FuzzSCRAM
fuzz ./ingest/file FuzzNDJSON
fuzz ./ingest/file FuzzJSON
fuzz ./ingest/file FuzzCSV

echo "== all tests passed"
