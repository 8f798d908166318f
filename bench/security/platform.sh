#!/usr/bin/env bash
# The platform with every device signing, against the same load unsigned, in one run: for each
# fleet size in RATES (vehicles at 10 Hz, plus 20 RSUs sending RSM and SPAT at 10 Hz), each
# mode in MODES:
#   unsigned   `serve --allow-unsigned`, the bench sending bare MessageFrames;
#   p256       `serve --v2x-trust` (verify on demand, the default), the bench signing with
#              P-256 certificates (`--v2x-pki`);
#   p256-all   the same with `serve --verify all`: every signature checked on arrival;
#   sm2, sm2-all   the same with SM2.
# Each device signs by digest and sends its certificate in full once a second. The bench signs
# the whole run beforehand (`--presign`), as devices sign in their own hardware: the platform
# has the machine's cores to itself while it runs; the unsigned rows' messages are made
# beforehand too, so that every row is sent the same way. Prints the bench's table: sent and
# delivered (admitted) per second, loss, ingest latency, and BSM to advisory latency.
#
#   RATES="1000 5000" MODES="unsigned p256 p256-all" bench/security/platform.sh [--seconds 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../mqtt/common.sh
source bench/mqtt/common.sh

fleets=${RATES:-"1000 5000"}
modes=${MODES:-"unsigned p256 p256-all sm2 sm2-all"}
results=()
for algorithm in p256 sm2; do
  "$bin" pki v2x init --dir "$work/v2x-$algorithm" --algorithm "$algorithm" >/dev/null
done
for vehicles in $fleets; do
  for mode in $modes; do
    mqtt=$(free_port); http=$(free_port)
    algorithm=${mode%-all}
    case $mode in
      unsigned) trust=(--allow-unsigned); sign=(--presign) ;;
      *-all) trust=(--v2x-trust "$work/v2x-$algorithm" --verify all)
             sign=(--v2x-pki "$work/v2x-$algorithm" --presign) ;;
      *) trust=(--v2x-trust "$work/v2x-$algorithm")
         sign=(--v2x-pki "$work/v2x-$algorithm" --presign) ;;
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
