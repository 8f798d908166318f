#!/usr/bin/env bash
# The platform with every device signing, against the same load unsigned, in one run: for each
# fleet size in RATES (vehicles at 10 Hz, plus 20 RSUs sending RSM and SPAT at 10 Hz),
#   1. `serve --allow-unsigned`, the bench sending bare MessageFrames;
#   2. `serve --v2x-trust`, the bench signing with P-256 certificates (`--v2x-pki`);
#   3. the same with SM2.
# Each device signs by digest and sends its certificate in full once a second. Prints the
# bench's table: sent and delivered (admitted) per second, loss, ingest latency, and BSM to
# advisory latency. The signing happens in the bench, on the same cores as the platform.
#
#   RATES="200 500" bench/security/platform.sh [--seconds 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../mqtt/common.sh
source bench/mqtt/common.sh

fleets=${RATES:-"200 500"}
results=()
for algorithm in p256 sm2; do
  "$bin" pki v2x init --dir "$work/v2x-$algorithm" --algorithm "$algorithm" >/dev/null
done
for vehicles in $fleets; do
  for mode in unsigned p256 sm2; do
    mqtt=$(free_port); http=$(free_port)
    case $mode in
      unsigned) trust=(--allow-unsigned); sign=() ;;
      *) trust=(--v2x-trust "$work/v2x-$mode"); sign=(--v2x-pki "$work/v2x-$mode") ;;
    esac
    "$bin" serve "${trust[@]}" --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" \
      --udp-listen off --data-dir "$work/data-$mode-$vehicles" >"$work/roadcloud-$mode.log" 2>&1 &
    pid=$!; pids+=("$pid"); wait_port "$http"
    results+=("$("$bin" bench --broker "mqtt://127.0.0.1:$mqtt" --api "http://127.0.0.1:$http" \
      --vehicles "$vehicles" --label "rc-$mode" --json "${sign[@]}" "$@")")
    stop "$pid"
  done
done

printf '%s\n' "${results[@]}" | tee "${RESULTS_JSON:-/dev/null}" | python3 bench/mqtt/table.py
