#!/usr/bin/env bash
# Runs the write-throughput benchmarks of internal/store (docs/benchmarks.md,
# "Write throughput") and a CPU profile of the 16-client SQLite run.
# PostgreSQL runs too when ATRIUM_TEST_POSTGRES_URL is set, e.g.
#   ATRIUM_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
# (each run gets a schema of its own, dropped afterwards).
# Usage: scripts/bench-writes.sh [count] [out-dir]
set -euo pipefail
count=${1:-3}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
go test -c -o "$out/store.test" ./internal/store/
cd "$out"
./store.test -test.run '^$' -test.bench 'BenchmarkStoreWrites' -test.benchtime 3s -test.count "$count" | tee store.txt
./store.test -test.run '^$' -test.bench 'BenchmarkWriteCeiling|BenchmarkFsync' -test.benchtime 2s -test.count "$count" | tee ceiling.txt
for sync in full normal; do
	./store.test -test.run '^$' -test.bench "BenchmarkStoreWrites/sqlite/CreateUseCase/clients=16/sync=$sync" \
		-test.benchtime 5s -test.cpuprofile "cpu-$sync.prof" >/dev/null
	go tool pprof -top -cum -nodecount 40 store.test "cpu-$sync.prof" >"pprof-$sync.txt" 2>/dev/null
done
echo "results and profiles in $out"
