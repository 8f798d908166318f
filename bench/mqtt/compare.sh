#!/usr/bin/env bash
# roadcloud's MQTT ingest against plain brokers, one after the other, on this machine:
#   1. roadcloud serve (its own MQTT front end) ingesting the load into its world model and running
#      misbehaviour detection (in monitor mode: common.sh says why) and the applications on
#      every report, then
#      the same with --no-apps (label rc-no-apps), and with --misbehaviour off (label
#      rc-no-detection: what detection costs);
#   2. Mosquitto (Debian package) relaying the same load to a subscriber that does nothing
#      but count and time what arrives;
#   3. nats-server (Debian package) doing the same through its MQTT listener;
#   4. with TLS=1: roadcloud serve --pki --no-apps (MQTT over TLS, a client certificate per
#      connection, the device registry and the topic ACL; label rc-tls-no-apps), and Mosquitto
#      over TLS with client certificates (no ACL; label mosquitto-tls).
#      Under the ACL a device publishes only on its own topics, so in these two rows the
#      vehicles' BSMs go out as the forwards of one bench RSU per connection
#      (V2X/RSU/{id}/BSM/UP), each simulated RSU on its own connection; roadcloud's rate
#      limit per RSU (50 x --rate-per-s) is raised to carry them (--rate-per-s 1000).
#      And the baseline the TLS row's latency is held to: roadcloud --no-apps with a plain
#      Mosquitto in front (serve --broker, devices publishing to Mosquitto; label
#      rc-via-mosquitto).
# The load is `roadcloud bench`: N vehicles publishing UPER BSMs at 10 Hz and 20 RSUs
# publishing RSM and SPAT at 10 Hz, QoS 0.
#
#   bench/mqtt/compare.sh                         # 5,000 vehicles (50,000 msgs/s), 20 s each
#   bench/mqtt/compare.sh --vehicles 10000 --seconds 10
#   RATES="5000 7500 10000 12500" bench/mqtt/compare.sh --seconds 10   # a ramp of fleet sizes
#   TLS=1 RATES="5000 10000" bench/mqtt/compare.sh --seconds 10         # with the TLS rows
#
# Installs mosquitto and nats-server with apt when missing. Extra arguments go to every
# `roadcloud bench` run.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=common.sh
source bench/mqtt/common.sh
need_packages mosquitto nats-server

fleets=${RATES:-5000}
results=()
if [ "${TLS:-0}" = 1 ]; then "$bin" pki init --dir "$work/pki" >/dev/null; fi
for vehicles in $fleets; do
  # 1. roadcloud
  mqtt=$(free_port); http=$(free_port)
  $bin serve --allow-unsigned "${detection[@]}" --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" --udp-listen off \
    --data-dir "$work/data-$vehicles" >"$work/roadcloud.log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_port "$http"
  results+=("$($bin bench --broker "mqtt://127.0.0.1:$mqtt" --api "http://127.0.0.1:$http" \
    --vehicles "$vehicles" --label roadcloud --json "$@")")
  stop "$pid"

  # 1b. roadcloud without the applications: ingest and the world alone, what a broker's
  # relay compares with.
  mqtt=$(free_port); http=$(free_port)
  $bin serve --allow-unsigned "${detection[@]}" --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" --udp-listen off \
    --no-apps --data-dir "$work/data-noapps-$vehicles" >"$work/roadcloud.log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_port "$http"
  results+=("$($bin bench --broker "mqtt://127.0.0.1:$mqtt" --api "http://127.0.0.1:$http" \
    --vehicles "$vehicles" --label rc-no-apps --json "$@")")
  stop "$pid"

  # 1c. roadcloud with the applications and without misbehaviour detection (row 1 runs it,
  # in monitor mode): what detection costs.
  mqtt=$(free_port); http=$(free_port)
  $bin serve --allow-unsigned --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" --udp-listen off \
    --misbehaviour off --data-dir "$work/data-nodetect-$vehicles" >"$work/roadcloud.log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_port "$http"
  results+=("$($bin bench --broker "mqtt://127.0.0.1:$mqtt" --api "http://127.0.0.1:$http" \
    --vehicles "$vehicles" --label rc-no-detection --json "$@")")
  stop "$pid"

  # 2. Mosquitto, Nagle off towards the subscriber as roadcloud's link has no network hop.
  port=$(free_port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nmax_queued_messages 0\n' \
    "$port" >"$work/mosquitto.conf"
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_port "$port"
  results+=("$($bin bench --broker "mqtt://127.0.0.1:$port" --subscribe --vehicles "$vehicles" \
    --label mosquitto --json "$@")")
  stop "$pid"

  # 3. nats-server's MQTT listener (it needs JetStream).
  port=$(free_port); nport=$(free_port)
  printf 'listen: 127.0.0.1:%s\njetstream { store_dir: "%s/js" }\nmqtt { listen: 127.0.0.1:%s }\nserver_name: bench\n' \
    "$nport" "$work" "$port" >"$work/nats.conf"
  nats-server -c "$work/nats.conf" >"$work/nats.log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_port "$port"
  results+=("$($bin bench --broker "mqtt://127.0.0.1:$port" --subscribe --vehicles "$vehicles" \
    --label nats-server --json "$@")")
  stop "$pid"

  if [ "${TLS:-0}" = 1 ]; then
    # 4a. roadcloud over TLS, no applications: the same ingest as rc-no-apps, behind TLS,
    # the CONNECT gate and the topic ACL. The API's counters are read on --monitor-listen.
    mqtt=$(free_port); http=$(free_port); mon=$(free_port)
    $bin serve --allow-unsigned "${detection[@]}" --pki "$work/pki" --mqtt-listen "127.0.0.1:$mqtt" --http-listen "127.0.0.1:$http" \
      --monitor-listen "127.0.0.1:$mon" --udp-listen off --no-apps --rate-per-s 1000 \
      --data-dir "$work/data-tls-$vehicles" >"$work/roadcloud-tls.log" 2>&1 &
    pid=$!; pids+=("$pid"); wait_port "$mon"
    results+=("$($bin bench --broker "mqtts://localhost:$mqtt" --api "http://127.0.0.1:$mon" \
      --pki "$work/pki" --data-dir "$work/data-tls-$vehicles" \
      --vehicles "$vehicles" --label rc-tls-no-apps --json "$@")")
    stop "$pid"

    # 4b. Mosquitto over TLS with client certificates.
    port=$(free_port)
    printf 'listener %s 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\nrequire_certificate true\nuse_identity_as_username true\nallow_anonymous false\npersistence false\nset_tcp_nodelay true\nmax_queued_messages 0\nuser root\n' \
      "$port" "$work/pki/ca.crt" "$work/pki/server.crt" "$work/pki/server.key" >"$work/mosquitto-tls.conf"
    mosquitto -c "$work/mosquitto-tls.conf" >"$work/mosquitto-tls.log" 2>&1 &
    pid=$!; pids+=("$pid"); wait_port "$port"
    results+=("$($bin bench --broker "mqtts://localhost:$port" --subscribe --pki "$work/pki" \
      --data-dir "$work/data-mq-$vehicles" --vehicles "$vehicles" --label mosquitto-tls --json "$@")")
    stop "$pid"

    # 4c. roadcloud behind a plain Mosquitto (the ingress latency baseline).
    port=$(free_port); http=$(free_port)
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nmax_queued_messages 0\n' \
      "$port" >"$work/mosquitto-front.conf"
    mosquitto -c "$work/mosquitto-front.conf" >"$work/mosquitto-front.log" 2>&1 &
    mpid=$!; pids+=("$mpid"); wait_port "$port"
    $bin serve --allow-unsigned "${detection[@]}" --broker "mqtt://127.0.0.1:$port" --mqtt-listen off --http-listen "127.0.0.1:$http" \
      --udp-listen off --no-apps --data-dir "$work/data-front-$vehicles" >"$work/roadcloud-front.log" 2>&1 &
    pid=$!; pids+=("$pid"); wait_port "$http"
    results+=("$($bin bench --broker "mqtt://127.0.0.1:$port" --api "http://127.0.0.1:$http" \
      --vehicles "$vehicles" --label rc-via-mosquitto --json "$@")")
    stop "$pid"; stop "$mpid"
  fi
done

printf '%s\n' "${results[@]}" | tee "${RESULTS_JSON:-/dev/null}" | python3 bench/mqtt/table.py
