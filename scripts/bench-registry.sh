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
# --rate-limit 0: the per-token limit would answer most of the load with 429.
./atrium serve --data "$data" --addr "127.0.0.1:$port" --rate-limit 0 --log-format json >server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
export ATRIUM_TOKEN
ATRIUM_TOKEN=$(./atrium token create --data "$data" --user admin@atrium.localhost --name atrium-load --expires 1d)
load() { # scenario clients [token]
	ATRIUM_TOKEN=${3:-$ATRIUM_TOKEN} ./atrium-load -url "http://127.0.0.1:$port" -team default -scenario "$1" -clients "$2" \
		-duration "${seconds}s" -json >"load-$1-$2.json" || echo "($1 with $2 clients failed; see above)"
	cat "load-$1-$2.json" 2>/dev/null || true
}
for clients in 1 16; do
	for scenario in create-version get-version list-versions; do
		echo "== $scenario, $clients clients"
		load "$scenario" "$clients"
	done
done
# The MLflow API wants a token bound to one use case: the one create-version made.
if mlflow=$(./atrium token create --data "$data" --user admin@atrium.localhost --name atrium-load-mlflow --usecase atrium-load --expires 1d); then
	for clients in 1 16; do
		echo "== mlflow-log-batch, $clients clients"
		load mlflow-log-batch "$clients" "$mlflow"
	done
else
	echo "(no use-case-bound token: this server has no MLflow API yet)"
fi
echo "results in $out"
