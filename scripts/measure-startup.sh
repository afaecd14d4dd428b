#!/usr/bin/env bash
# Measures start-up (process start until /healthz answers) and resident
# memory of an idle server, on a data folder that already exists.
# Usage: scripts/measure-startup.sh [runs]   (loopback only; stops by itself)
set -euo pipefail
runs=${1:-10}
port=18499
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -trimpath -ldflags "-s -w" -o "$dir/atrium" ./cmd/atrium
"$dir/atrium" migrate --data "$dir/data" >/dev/null
"$dir/atrium" user add --data "$dir/data" --email admin@example.org --admin >/dev/null
for i in $(seq "$runs"); do
	start=$(date +%s%N)
	"$dir/atrium" serve --data "$dir/data" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 2000); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.001; done
	end=$(date +%s%N)
	echo "run $i: ready in $(((end - start) / 1000000)) ms"
	if [ "$i" = "$runs" ]; then
		for _ in $(seq 50); do curl -s "127.0.0.1:$port/login" >/dev/null; done
		sleep 10
		echo "idle after 50 page loads: $(grep VmRSS /proc/$pid/status)"
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null || true
done
