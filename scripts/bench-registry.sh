#!/usr/bin/env bash
# The registry's write-path measurements (docs/benchmarks.md, "Registry:
# group commit"): BenchmarkCreateVersion through the store at 1 and 16
# clients — the group-commit writer, the writer without its linger, and a
# transaction per create — then atrium-load against a real server on
# loopback for each scenario. PostgreSQL runs too when
# ATRIUM_TEST_POSTGRES_URL is set, e.g.
#   ATRIUM_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
# The load part needs a server with the native registry API (and, for
# mlflow-log-batch, MLflow's run endpoints); a scenario whose routes the
# server lacks fails at set-up and the script goes on.
# Usage: scripts/bench-registry.sh [count] [out-dir] [seconds]
set -euo pipefail
count=${1:-3}
out=${2:-$(mktemp -d)}
seconds=${3:-10}
mkdir -p "$out"
go test -c -o "$out/store.test" ./internal/store/
go build -o "$out/atrium" ./cmd/atrium
go build -o "$out/atrium-load" ./cmd/atrium-load
cd "$out"
./store.test -test.run '^$' -test.bench 'BenchmarkCreateVersion' -test.benchtime 3s -test.count "$count" | tee create-version.txt
./store.test -test.run '^$' -test.bench 'BenchmarkWriteCeiling/.*/versions' -test.benchtime 2s -test.count "$count" | tee ceiling-versions.txt

# A server of its own on a free loopback port, SQLite in a fresh folder.
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
./atrium serve --data "$data" --addr "127.0.0.1:$port" --log-format json >server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
export ATRIUM_TOKEN
ATRIUM_TOKEN=$(./atrium token create --data "$data" --user admin@atrium.localhost --name atrium-load --expires 1d)
for clients in 1 16; do
	for scenario in create-version get-version list-versions mlflow-log-batch; do
		echo "== $scenario, $clients clients"
		./atrium-load -url "http://127.0.0.1:$port" -team default -scenario "$scenario" -clients "$clients" \
			-duration "${seconds}s" -json >"load-$scenario-$clients.json" || echo "($scenario failed; see above)"
		cat "load-$scenario-$clients.json" 2>/dev/null || true
	done
done
echo "results in $out"
