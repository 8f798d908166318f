# What compare.sh and storm.sh share (sourced, from the repository's root): the Debian
# packages they need, the release build (PROFILE=ci for a quicker one), a scratch folder and the processes to stop on exit,
# and port helpers.
#
#   need_packages mosquitto nats-server

need_packages() {
  for pkg in "$@"; do
    if ! command -v "$pkg" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$pkg" ] && [ ! -x "/usr/bin/$pkg" ]; then
      echo "installing $pkg (Debian package)..." >&2
      sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
      DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q "$pkg" >/dev/null
    fi
  done
  export PATH="$PATH:/usr/sbin"
}

# PROFILE=ci builds faster (no whole-program LTO) for a quick look; figures come from release.
profile=${PROFILE:-release}
cargo build --profile "$profile" -q
bin=target/$profile/roadcloud
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# The bench fleet drives circles around the zone's origin, one vehicle a circle, the circles
# closer than a car is wide: vehicles pass within a metre of each other, which misbehaviour
# detection's default (enforce) rightly quarantines, and a quarantined report costs less
# than a believed one. roadcloud's rows run detection in monitor mode instead: every report
# checked and applied, as in the figures measured before enforce became the default.
detection=(--misbehaviour monitor)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; return 1; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
