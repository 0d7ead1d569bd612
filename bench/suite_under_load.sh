#!/usr/bin/env bash
# Run `make test` N times in a row while bench/load.py keeps the CPUs busy (issue 8:
# "make test passes three times in a row on a loaded machine").
#
#     bash bench/suite_under_load.sh            # 3 runs
#     RUNS=5 LOAD_CONNECTIONS=64 bash bench/suite_under_load.sh
#
# The load is bench/load.py --serve in a loop (gunicorn -w 2 and LOAD_CONNECTIONS client
# connections on loopback, 16 by default: enough to keep both cores busy), started before
# the first run and stopped after the last. Each run's
# output goes to var/suite-under-load/run-N.log. Prints one line per run and a last line
#
#     suite_under_load runs=N passed=P load_avg_mean=…
#
# and exits non-zero when any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
LOAD_CONNECTIONS="${LOAD_CONNECTIONS:-16}"
OUT=var/suite-under-load
mkdir -p "$OUT"
make setup >/dev/null

set -m # the load loop gets its own process group, so one kill stops it and its servers
(
  while true; do
    .venv/bin/python bench/load.py --serve --duration 20 --connections "$LOAD_CONNECTIONS" >>"$OUT/load.log" 2>&1
    sleep 1
  done
) &
LOADER=$!
set +m
trap 'kill -- -$LOADER 2>/dev/null' EXIT

passed=0
loads=()
for ((run = 1; run <= RUNS; run++)); do
  start=$(date +%s)
  make test >"$OUT/run-$run.log" 2>&1
  rc=$?
  seconds=$(($(date +%s) - start))
  load=$(cut -d' ' -f1 /proc/loadavg)
  loads+=("$load")
  summary=$(grep -E "^(=+ )?[0-9]+ (passed|failed)" "$OUT/run-$run.log" | tr '\n' ' ')
  echo "suite_under_load run=$run rc=$rc seconds=$seconds load_avg_1m=$load pytest: $summary"
  [ "$rc" = 0 ] && passed=$((passed + 1))
done
mean=$(printf '%s\n' "${loads[@]}" | awk '{s += $1} END {printf "%.2f", s / NR}')
echo "suite_under_load runs=$RUNS passed=$passed load_avg_mean=$mean"
[ "$passed" = "$RUNS" ]
