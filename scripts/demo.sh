#!/usr/bin/env bash
# The main job on an embedded default: a Temporal dev server (SQLite file
# under .data/demo), the Console Connect API simulator, the worker, and the
# sample orders in examples/orders submitted with --wait, then the actions
# in examples/actions (adopt, modify, decommission a connection ordered
# before this project) one after the other. Stops everything it started
# on exit or Ctrl-C.
#
# Ports: Temporal 7233 (UI 8233), simulator 8081, the worker's /metrics
# 9464. Override with DEMO_TEMPORAL_PORT, DEMO_UI_PORT, DEMO_SIM_PORT,
# DEMO_METRICS_PORT. (No test uses these: tests pick free ports.)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

temporal_port="${DEMO_TEMPORAL_PORT:-7233}"
ui_port="${DEMO_UI_PORT:-8233}"
sim_port="${DEMO_SIM_PORT:-8081}"
metrics_port="${DEMO_METRICS_PORT:-9464}"
sim_key="sim-demo-key"
data=".data/demo"
orders=(examples/orders/*.json)
actions=(examples/actions/*.json)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if ((${#pids[@]})); then
    say "Stopping the worker, the simulator and the dev server"
    # Reverse order: the worker first, so it stops polling a live server.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
      kill -TERM "${pids[i]}" 2>/dev/null || true
      wait "${pids[i]}" 2>/dev/null || true
    done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# port_free fails when something already listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# wait_for runs "$@" until it succeeds, for up to a minute.
wait_for() {
  local what=$1; shift
  for _ in $(seq 1 240); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  echo "demo: $what did not come up; see $data/*.log" >&2
  return 1
}

for port in "$temporal_port" "$ui_port" "$sim_port" "$metrics_port"; do
  port_free "$port" || { echo "demo: port $port is in use (set DEMO_*_PORT)" >&2; exit 1; }
done

scripts/install-temporal.sh
say "Building the worker, the starter and the simulator"
go build -o bin/ ./cmd/worker ./cmd/starter ./cmd/ccapi-sim

# A fresh database each run, so the sample order ids start new workflows;
# the file stays for inspection afterwards.
mkdir -p "$data"
rm -f "$data"/temporal.db*

say "Starting the Temporal dev server ($data/temporal.db)"
# The orders' search attributes (workflows/search.go), for starter list.
search_attributes=()
for attribute in OrderId=Keyword Company=Keyword DestCompany=Keyword OrderKind=Keyword \
  OrderStage=Keyword ConnectionId=Keyword OrderedAt=Datetime; do
  search_attributes+=(--search-attribute "$attribute")
done
bin/temporal server start-dev --ip 127.0.0.1 --port "$temporal_port" --ui-port "$ui_port" \
  --db-filename "$data/temporal.db" --log-level warn "${search_attributes[@]}" >"$data/temporal.log" 2>&1 &
pids+=($!)
wait_for "the Temporal dev server" bin/temporal operator cluster health --address "127.0.0.1:$temporal_port"

say "Starting the Console Connect API simulator on 127.0.0.1:$sim_port"
bin/ccapi-sim -addr "127.0.0.1:$sim_port" -api-key "$sim_key" -activation-delay 4s -auto-approve-delay 3s \
  >"$data/ccapi-sim.log" 2>&1 &
pids+=($!)
wait_for "the simulator" bash -c "exec 3<>/dev/tcp/127.0.0.1/$sim_port"

say "Starting the worker (log: $data/worker.log, metrics: http://127.0.0.1:$metrics_port/metrics)"
TEMPORAL_ADDRESS="127.0.0.1:$temporal_port" \
  CC_API_BASE_URL="http://127.0.0.1:$sim_port" CC_API_KEY="$sim_key" \
  POLL_INITIAL=1s POLL_MAX=5s LOG_FORMAT=console WORKER_HTTP_ADDR="127.0.0.1:$metrics_port" \
  bin/worker >"$data/worker.log" 2>&1 &
pids+=($!)

say "Submitting ${#orders[@]} sample orders and waiting for each to end"
# In the background with `wait`, so Ctrl-C reaches the trap at once rather
# than after the orders end.
TEMPORAL_ADDRESS="127.0.0.1:$temporal_port" bin/starter submit --wait "${orders[@]}" > >(tee "$data/outcomes.txt") &
pids+=($!)
wait "$!" || true

say "Adopting, modifying and decommissioning connection LEGACY-HKG-SIN, one action at a time"
# One after the other: each acts on the same connection.
for action in "${actions[@]}"; do
  TEMPORAL_ADDRESS="127.0.0.1:$temporal_port" bin/starter submit --wait "$action" > >(tee -a "$data/outcomes.txt") &
  pids+=($!)
  wait "$!" || true
done

echo
say "Temporal UI: http://localhost:$ui_port (every order's workflow and history)"
# Two orders succeed and one fails its pre-check by design (so the starter
# exits 1); the demo checks each order ended as it should.
outcome() { awk -v id="$1" '$1 == id && NF >= 2 && $2 != "l2-order-"id { print $2 }' "$data/outcomes.txt"; }
demo_ok=1
for want in DEMO-P2P-001=active DEMO-B2B-001=active DEMO-B2B-SYD=failed \
  DEMO-ADOPT-001=active DEMO-MODIFY-001=modified DEMO-DECOM-001=decommissioned; do
  id=${want%=*} expected=${want#*=}
  got=$(outcome "$id")
  if [[ "$got" != "$expected" ]]; then
    echo "demo: order $id ended '${got:-?}', expected '$expected'; see $data/worker.log" >&2
    demo_ok=0
  fi
done
((demo_ok)) || exit 1
say "All three sample orders and the three actions ended as expected"
if [[ -t 0 ]]; then
  read -r -p "Press Enter to stop everything (the UI stays up until then)... " _ || true
fi
