#!/usr/bin/env bash
# Ingestion throughput (issue 9): builds atrium and atrium-load, starts
# `atrium serve` on a fresh data folder on a free loopback port, creates a
# use case, a model with a version and an ingestion key through the API, and
# drives the ingestion endpoints with atrium-load:
#   - the batch endpoint, 1,000 events a request, at 4 and 8 concurrent
#     clients (JSON arrays), at 8 with NDJSON and gzip, and at 8 with random
#     ids (as clients sending UUIDs make);
#   - the single-event endpoint at 2,000 requests a second (open loop);
#   - overload: batches from 256 clients, more than the server queues.
# Each run's JSON report is kept in the output folder; a table of events/s,
# requests/s, latency percentiles, statuses and the server's resident memory
# is printed at the end.
#
# Usage: scripts/bench-ingest.sh [--postgres URL] [--seconds N] [--out DIR]
#   --postgres URL  store in PostgreSQL instead of SQLite: a schema of its own
#                   is created in that database (psql needed) and dropped after
#   --seconds N     length of each run (default 10)
#   --out DIR       where reports and the server log go (default: a temp folder)
set -euo pipefail

postgres=""
seconds=10
out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--postgres) postgres=${2:?--postgres needs a URL}; shift 2 ;;
	--seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
	--out) out=${2:?--out needs a folder}; shift 2 ;;
	-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-ingest: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
out=${out:-$(mktemp -d)}
mkdir -p "$out"
root=$(cd "$(dirname "$0")/.." && pwd)

(cd "$root" && go build -o "$out/atrium" ./cmd/atrium && go build -o "$out/atrium-load" ./cmd/atrium-load)
cd "$out"

data=$(mktemp -d)
schema=""
cleanup() {
	if [ -n "${server:-}" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	if [ -n "$schema" ]; then
		psql -q "$postgres" -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null || echo "(could not drop schema $schema)"
	fi
	rm -rf "$data"
}
trap cleanup EXIT

dbflags=()
store="SQLite ($data)"
if [ -n "$postgres" ]; then
	command -v psql >/dev/null || { echo "bench-ingest: --postgres needs psql to create the schema" >&2; exit 2; }
	schema="atrium_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	psql -q "$postgres" -c "CREATE SCHEMA $schema" >/dev/null
	case "$postgres" in *\?*) sep='&' ;; *) sep='?' ;; esac
	dbflags=(--db "${postgres}${sep}search_path=$schema")
	store="PostgreSQL (schema $schema)"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# Rate limits off: the benchmark measures the write path, not the throttle
# (ingestion keys are otherwise limited to 2,000 requests a second).
./atrium serve --data "$data" "${dbflags[@]}" --addr "127.0.0.1:$port" --rate-limit 0 --rate-limit-ingest 0 \
	--log-format json --log-level warn >server.log 2>&1 &
server=$!
for _ in $(seq 200); do
	curl -fsS "$base/healthz" >/dev/null 2>&1 && break
	kill -0 "$server" 2>/dev/null || { echo "the server exited; see $out/server.log" >&2; cat server.log >&2; exit 1; }
	sleep 0.1
done

export ATRIUM_TOKEN
ATRIUM_TOKEN=$(./atrium token create --data "$data" "${dbflags[@]}" --user admin@atrium.localhost --name bench-ingest --expires 1d)
api() { # method path [json]
	curl -fsS -X "$1" -H "Authorization: Bearer $ATRIUM_TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"} "$base/api/v1$2"
}
slug=bench-ingest
model=churn-scorer
api POST /usecases '{"slug": "'$slug'", "name": "Ingestion benchmark", "team": "default"}' >/dev/null
api POST /usecases/$slug/assets '{"kind": "model", "name": "'$model'"}' >/dev/null
api POST /usecases/$slug/assets/model/$model/versions \
	'{"uri": "s3://bench/churn-scorer/1/model.onnx", "digest": "'"$(printf bench | sha256sum | cut -c1-64)"'", "model": {"framework": "xgboost"}}' >/dev/null
export ATRIUM_INGEST_KEY
ATRIUM_INGEST_KEY=$(api POST /usecases/$slug/ingest-keys '{"name": "bench-ingest", "model": "'$model'"}' |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')

echo "store: $store; server pid $server on $base; $seconds s a run; reports in $out"
load() { # name args...
	local name=$1
	shift
	echo "== $name"
	./atrium-load -url "$base" -usecase "$slug" -model "$model" -duration "${seconds}s" -pid "$server" -json "$@" \
		>"load-$name.json" 2>"load-$name.err" || echo "($name failed: $(tail -1 "load-$name.err"))"
}
load batch1000-c4 -scenario ingest-batch -batch 1000 -clients 4
load batch1000-c8 -scenario ingest-batch -batch 1000 -clients 8
load batch1000-c8-ndjson-gzip -scenario ingest-batch -batch 1000 -clients 8 -format ndjson -gzip
load batch1000-c8-random-ids -scenario ingest-batch -batch 1000 -clients 8 -random-ids
load single-2000rps -scenario ingest-single -rate 2000 -clients 64
# Overload: 256 clients with 1,000 events each in flight is more than the
# ingester queues (--ingest-max-pending), so the server must answer 503 with
# Retry-After and keep its memory flat instead of buffering.
load overload-c256 -scenario ingest-batch -batch 1000 -clients 256

python3 - "$store" load-batch1000-c4.json load-batch1000-c8.json load-batch1000-c8-ndjson-gzip.json load-batch1000-c8-random-ids.json load-single-2000rps.json load-overload-c256.json <<'PY'
import json, sys
store, files = sys.argv[1], sys.argv[2:]
print()
print("store:", store)
head = ("run", "events/s", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "statuses", "RSS MiB start/peak/end", "check")
rows = []
for f in files:
    try:
        r = json.load(open(f))
    except (OSError, ValueError):
        rows.append((f[5:-5], "-", "-", "-", "-", "-", "-", "-", "-", "no report"))
        continue
    rss = r.get("server_rss") or {}
    rows.append((f[5:-5], "%.0f" % r.get("events_per_second", 0), "%.0f" % r.get("requests_per_second", 0),
                 "%.1f" % r["p50_ms"], "%.1f" % r["p95_ms"], "%.1f" % r["p99_ms"], "%.1f" % r["max_ms"],
                 " ".join("%s:%d" % kv for kv in sorted(r.get("statuses", {}).items())),
                 "%.0f/%.0f/%.0f" % (rss.get("start_mib", 0), rss.get("peak_mib", 0), rss.get("end_mib", 0)),
                 "ok" if not r.get("check", "").startswith("FAILED") else r["check"]))
w = [max(len(str(x[i])) for x in rows + [head]) for i in range(len(head))]
for row in [head] + rows:
    print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(row)).rstrip())
PY
