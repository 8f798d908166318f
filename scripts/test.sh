#!/usr/bin/env bash
# Runs every test of roadcloud, as CI does: formatting, lints, the test suites (unit,
# integration, property and robustness tests), the doc tests and the API docs' build.
#
#   scripts/test.sh            # everything
#   scripts/test.sh -E 'test(vectors)'   # extra arguments go to cargo nextest
#
# Needs the reference vectors in ../shared/reference/vectors (beside the repository), or
# ROADCLOUD_VECTORS pointing at them.
set -euo pipefail
cd "$(dirname "$0")/.."

vectors=${ROADCLOUD_VECTORS:-../shared/reference/vectors}
if [ ! -d "$vectors/csae53-2020" ]; then
  echo "error: reference vectors not found at $vectors; set ROADCLOUD_VECTORS to their folder" >&2
  exit 1
fi

# Real components the tests run against: Mosquitto and nats-server (the external-broker
# tests), Chromium and its WebDriver (the web map's tests), and a Chinese font for the map's
# Chinese interface in their screenshots, and RTKLIB's str2str as the NTRIP caster the
# differential corrections are relayed from.
need_apt=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need_apt+=(nats-server)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need_apt+=(fonts-wqy-zenhei)
command -v str2str >/dev/null 2>&1 || need_apt+=(rtklib)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (Debian packages)..." >&2
  sudo_=""
  [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q "${need_apt[@]}" >/dev/null
fi

# Eclipse SUMO for the co-simulation tests (PyPI eclipse-sumo 1.28.0 in a venv; sets
# SUMO_HOME). Python's venv module comes from Debian's python3-venv.
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  sudo_=""
  [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q python3-venv >/dev/null
fi
# shellcheck source=sumo.sh
source scripts/sumo.sh

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "installing cargo-nextest..." >&2
  cargo install --locked cargo-nextest
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --profile ci -- -D warnings
echo "== doc tests"
cargo test --workspace --doc --profile ci
echo "== cargo doc (every public item's docs build, links resolve)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --profile ci
echo "== cargo nextest"
cargo nextest run --workspace --cargo-profile ci --no-fail-fast "$@"
