#!/usr/bin/env bash
# A connection storm, as a zone's OBUs reconnecting together after a cell outage: N idle MQTT
# connections opened at once (CONNECT, nothing published) against
#   1. roadcloud serve (its MQTT front end), plain MQTT;
#   2. roadcloud serve --pki: MQTT over TLS with a client certificate per connection checked
#      against the zone's CA and the device registry;
#   3. Mosquitto, plain;
#   4. Mosquitto over TLS with client certificates (require_certificate), no ACL.
# For each: seconds until all N are CONNACKed (`roadcloud bench --storm N`), and the server's
# resident memory before, at its peak, and at the end of holding them idle for 8 s, each per
# connection (the peak includes what the handshakes needed for a moment).
#
#   bench/mqtt/storm.sh              # 10,000 connections
#   N=3000 bench/mqtt/storm.sh
#   ONLY="roadcloud-tls mosquitto-tls" bench/mqtt/storm.sh   # some of the four rows
#
# Installs mosquitto with apt when missing. The client side runs on the same machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

n=${N:-10000}
# Each side holds N sockets.
ulimit -n "$(( n + 1000 > $(ulimit -Hn) ? $(ulimit -Hn) : n + 1000 ))" 2>/dev/null || true
# shellcheck source=common.sh
source bench/mqtt/common.sh
need_packages mosquitto
rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }

"$bin" pki init --dir "$work/pki" >/dev/null

only=${ONLY:-roadcloud roadcloud-tls mosquitto mosquitto-tls}
# wanted LABEL: whether that row is asked for.
wanted() { [[ " $only " == *" $1 "* ]]; }

# storm LABEL PID BROKER [bench flags...]: runs the storm against the server PID.
storm() {
  local label=$1 pid=$2 broker=$3; shift 3
  local before; before=$(rss_kb "$pid")
  "$bin" bench --storm "$n" --broker "$broker" --seconds 8 --label "$label" --json --quiet "$@" \
    >"$work/storm.json" &
  local bench=$!
  # Sample the server's memory while the connections are held: its peak (with what the
  # handshakes needed for a moment), and at the end of the hold (idle connections only).
  # "Held" is the sample a second before the bench lets them go.
  local peak=0 held=0 s1=0 s2=0
  while kill -0 "$bench" 2>/dev/null; do
    local now; now=$(rss_kb "$pid" || echo 0)
    [ "${now:-0}" -gt "$peak" ] && peak=$now
    held=$s1; s1=$s2; s2=${now:-0}
    sleep 0.5
  done
  wait "$bench" || true
  python3 - "$work/storm.json" "$before" "$peak" "$held" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
before, peak, held, n = (int(x) for x in sys.argv[2:6])
all_s = r["all_connacked_s"]
per = lambda kb: (kb - before) / max(r["connacked"], 1)
print(f'{r["system"]:<16} {r["connacked"]:>7}/{n:<7} {("%.2f" % all_s) if all_s is not None else "not all":>9} s '
      f'{before/1024:>7.1f} MB {peak/1024:>7.1f} MB {per(peak):>7.1f} KB {held/1024:>7.1f} MB {per(held):>7.1f} KB'
      + (f'   first error: {r["first_error"]}' if r["first_error"] else ''))
PY
}

printf '%-16s %15s %11s %10s %10s %10s %10s %10s\n' system connacked all_in rss_before peak peak/conn held held/conn

# 1. roadcloud, plain
if wanted roadcloud; then
mqtt=$(free_port); http=$(free_port)
"$bin" serve --allow-unsigned --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" --udp-listen off \
  --data-dir "$work/data-plain" >"$work/rc.log" 2>&1 &
pid=$!; pids+=("$pid"); wait_port "$mqtt"; sleep 1
storm roadcloud "$pid" "mqtt://127.0.0.1:$mqtt"
stop "$pid"
fi

# 2. roadcloud, TLS with client certificates
if wanted roadcloud-tls; then
mqtt=$(free_port); http=$(free_port)
"$bin" serve --allow-unsigned --pki "$work/pki" --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" \
  --udp-listen off --data-dir "$work/data-tls" >"$work/rc-tls.log" 2>&1 &
pid=$!; pids+=("$pid"); wait_port "$mqtt"; sleep 1
storm roadcloud-tls "$pid" "mqtts://localhost:$mqtt" --pki "$work/pki" --data-dir "$work/data-tls"
stop "$pid"
fi

# 3. Mosquitto, plain
if wanted mosquitto; then
port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_connections -1\n' "$port" \
  >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pid=$!; pids+=("$pid"); wait_port "$port"; sleep 1
storm mosquitto "$pid" "mqtt://127.0.0.1:$port"
stop "$pid"
fi

# 4. Mosquitto, TLS with client certificates
if wanted mosquitto-tls; then
port=$(free_port)
printf 'listener %s 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\nrequire_certificate true\nuse_identity_as_username true\nallow_anonymous false\npersistence false\nmax_connections -1\nuser root\n' \
  "$port" "$work/pki/ca.crt" "$work/pki/server.crt" "$work/pki/server.key" >"$work/mosquitto-tls.conf"
mosquitto -c "$work/mosquitto-tls.conf" >"$work/mosquitto-tls.log" 2>&1 &
pid=$!; pids+=("$pid"); wait_port "$port"; sleep 1
storm mosquitto-tls "$pid" "mqtts://localhost:$port" --pki "$work/pki" --data-dir "$work/data-mq"
stop "$pid"
fi
