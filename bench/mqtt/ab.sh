#!/usr/bin/env bash
# This build's `roadcloud serve` against a baseline build, in alternating rounds on this
# machine (it is noisy: a ratio from rounds side by side, never a figure from another day).
#
#   BASE_REV=ed24ca2 bench/mqtt/ab.sh                      # 5,000 vehicles, 15 s, 2 rounds
#   BASE_REV=ed24ca2 RATES="1000 5000" ROUNDS=3 SECONDS_EACH=20 bench/mqtt/ab.sh
#   BASE=/path/to/roadcloud bench/mqtt/ab.sh --no-apps     # a baseline binary at hand
#   BASE=target/ci/roadcloud BASE_ARGS="--workers 1" THIS_ARGS="--workers 2" PROFILE=ci bench/mqtt/ab.sh
#                                                        # one build, two settings
#   BASE_REV=e01f187 SIGN=sm2 SECONDS_EACH=10 bench/mqtt/ab.sh   # every device signing
#
# BASE_REV builds that revision (git worktree, with PROFILE: release, or ci for a quicker
# look) into target/ab-base; extra arguments go to `roadcloud serve` of both, BASE_ARGS and
# THIS_ARGS to one side's only. The load is `roadcloud
# bench` (this build's): N vehicles publishing UPER BSMs at 10 Hz and 20 RSUs publishing
# RSM and SPAT at 10 Hz, QoS 0; each row is one serve, fresh, with the applications on
# unless --no-apps is given. SIGN=sm2 or SIGN=p256: every device signs (a test zone's PKI,
# `serve --v2x-trust` instead of `--allow-unsigned`, the bench signing the whole run
# beforehand with `--presign`, as bench/security/platform.sh does).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
source bench/mqtt/common.sh
if [ -n "${BASE_REV:-}" ]; then
  base_dir=target/ab-base
  if [ ! -d "$base_dir/src" ]; then
    git worktree add -f --detach "$base_dir/src" "$BASE_REV" >/dev/null
  else
    git -C "$base_dir/src" checkout -q --detach "$BASE_REV"
  fi
  (cd "$base_dir/src" && CARGO_TARGET_DIR="$PWD/../target" cargo build --profile "$profile" -q -p roadcloud)
  BASE="$base_dir/target/$profile/roadcloud"
fi
: "${BASE:?give BASE=path/to/roadcloud or BASE_REV=git-revision}"
seconds=${SECONDS_EACH:-15}
trust=(--allow-unsigned); sign=()
if [ -n "${SIGN:-}" ]; then
  "$bin" pki v2x init --dir "$work/v2x" --algorithm "$SIGN" >/dev/null
  trust=(--v2x-trust "$work/v2x"); sign=(--v2x-pki "$work/v2x" --presign)
fi
serve_args=()
for a in "$@"; do serve_args+=("$a"); done
results=()
for vehicles in ${RATES:-5000}; do
  for round in $(seq "${ROUNDS:-2}"); do
    for which in base this; do
      if [ "$which" = base ]; then server=$BASE; side_args=${BASE_ARGS:-}; else server=$bin; side_args=${THIS_ARGS:-}; fi
      mqtt=$(free_port); http=$(free_port)
      "$server" serve "${trust[@]}" "${detection[@]}" --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" \
        --udp-listen off --data-dir "$work/data-$which-$vehicles-$round" "${serve_args[@]}" $side_args \
        >"$work/serve.log" 2>&1 &
      pid=$!; pids+=("$pid"); wait_port "$http"
      results+=("$($bin bench --broker "mqtt://127.0.0.1:$mqtt" --api "http://127.0.0.1:$http" \
        --vehicles "$vehicles" --seconds "$seconds" --label "$which-r$round" --json --quiet "${sign[@]}")")
      stop "$pid"
    done
  done
done
printf '%s\n' "${results[@]}" | tee "${RESULTS_JSON:-/dev/null}" | python3 bench/mqtt/table.py
