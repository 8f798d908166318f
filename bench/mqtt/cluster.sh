#!/usr/bin/env bash
# A two-node cluster (docs/scale.md#cluster) against one node, on this machine, in
# alternating rounds: the same load, two `roadcloud bench` processes of half the fleet each
# (vehicles 0.. and N/2..), both to the one node, or one to each node of the cluster; a
# fresh nats-server with JetStream for each cluster round.
#
#   PROFILE=ci bench/mqtt/cluster.sh                    # 5,000 vehicles, 15 s, 2 rounds
#   VEHICLES=1000 ROUNDS=3 SECONDS_EACH=20 bench/mqtt/cluster.sh --no-apps
#
# Extra arguments go to every `roadcloud serve`. On one machine the ratio shows what the
# cluster costs (NATS, routing, a second process), not how it scales: every process shares
# the same cores. Each row is one load generator's view: ingest latency and `deliv/s` come
# from the node it talks to (in the cluster, what that node admitted: the uplinks of its
# partitions, whoever sent them), advisories are those its vehicles received; the summary
# adds the two up.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
source bench/mqtt/common.sh
need_packages nats-server
vehicles=${VEHICLES:-5000}
half=$((vehicles / 2))
seconds=${SECONDS_EACH:-15}
serve_args=("$@")
results=()

serve() { # name mqtt http [extra...]
  local name=$1 mqtt=$2 http=$3; shift 3
  "$bin" serve --allow-unsigned "${detection[@]}" --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" \
    --udp-listen off --data-dir "$work/data-$name" "${serve_args[@]}" "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!"); wait_port "$http"
}

load() { # label mqtt http first count rsus
  "$bin" bench --broker "mqtt://127.0.0.1:$2" --api "http://127.0.0.1:$3" --first-vehicle "$4" \
    --vehicles "$5" --rsus "$6" --seconds "$seconds" --label "$1" --json --quiet
}

for round in $(seq "${ROUNDS:-2}"); do
  # One node, both halves of the fleet.
  m=$(free_port); h=$(free_port)
  serve "one-$round" "$m" "$h"
  node=${pids[-1]}
  load "one-r$round-a" "$m" "$h" 0 "$half" 20 >"$work/a.json" &
  la=$!
  load "one-r$round-b" "$m" "$h" "$half" "$half" 0 >"$work/b.json"
  wait "$la"
  results+=("$(cat "$work/a.json")" "$(cat "$work/b.json")")
  stop "$node"

  # Two nodes in a cluster, a half to each.
  np=$(free_port)
  nats-server -js -a 127.0.0.1 -p "$np" -sd "$work/js-$round" >"$work/nats-$round.log" 2>&1 &
  nats=$!; pids+=("$nats"); wait_port "$np"
  ma=$(free_port); ha=$(free_port); mb=$(free_port); hb=$(free_port)
  serve "a-$round" "$ma" "$ha" --cluster "nats://127.0.0.1:$np" --node-id "node-a"
  node_a=${pids[-1]}
  serve "b-$round" "$mb" "$hb" --cluster "nats://127.0.0.1:$np" --node-id "node-b"
  node_b=${pids[-1]}
  # Until the partitions are shared out.
  for _ in $(seq 100); do
    shared=$(curl -s "http://127.0.0.1:$ha/api/v1/cluster" | python3 -c \
      'import json,sys; n=json.load(sys.stdin)["nodes"]; print(len(n)==2 and all(len(x["partitions"])==8 for x in n))')
    [ "$shared" = True ] && break
    sleep 0.2
  done
  load "two-r$round-a" "$ma" "$ha" 0 "$half" 20 >"$work/a.json" &
  la=$!
  load "two-r$round-b" "$mb" "$hb" "$half" "$half" 0 >"$work/b.json"
  wait "$la"
  results+=("$(cat "$work/a.json")" "$(cat "$work/b.json")")
  stop "$node_a"; stop "$node_b"; stop "$nats"
done
printf '%s\n' "${results[@]}" | tee "${RESULTS_JSON:-/dev/null}" | python3 bench/mqtt/table.py
printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
for i in range(0, len(rows), 2):
    a, b = rows[i], rows[i + 1]
    setup = a["system"].rsplit("-", 1)[0]
    sent = a["sent_per_s"] + b["sent_per_s"]
    # One node: both generators read the same counters; two: each node its own.
    deliv = a["delivered_per_s"] if setup.startswith("one") else a["delivered_per_s"] + b["delivered_per_s"]
    adv = [r.get("advice_latency_ms") or {} for r in (a, b)]
    p99 = max((x.get("p99") or 0) for x in adv)
    print("%-10s sent/s %7.0f  admitted/s %7.0f  BSM-to-advisory p99 (worse half) %.1f ms" % (setup, sent, deliv, p99))
'
