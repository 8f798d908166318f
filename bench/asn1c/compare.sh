#!/usr/bin/env bash
# roadcloud's UPER codec against asn1c (the C compiler most RSU and OBU stacks use), in one run.
#
#   bench/asn1c/compare.sh [ASN1_DIR_53 [ASN1_DIR_157]] [--seconds S] [--rounds R]
#
# ASN1_DIR_53 defaults to ../shared/reference/asn1/csae53-2020 and ASN1_DIR_157 to
# ../shared/reference/asn1/csae157-2020 (relative to the repository). The script installs
# Debian's asn1c if it is missing, generates C code from the modules in those folders into
# bench/asn1c/work (never committed), builds harness.c against it with gcc -O2, and measures
# decode and encode of the public vectors (BSM, MAP, SPAT, RSM, RSI, SSM) on one core,
# alternating asn1c and roadcloud R times and keeping each side's best round.
#
# asn1c 0.9.28 cannot parse T/CSAE 157-2020's information object class (MsgDayII), so for SSM
# asn1c decodes the inner SensorSharingMsg alone while roadcloud decodes the whole
# MessageFrame around it (more work, in roadcloud's disfavour).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir53="$repo/../shared/reference/asn1/csae53-2020"
dir157="$repo/../shared/reference/asn1/csae157-2020"
vectors="$repo/../shared/reference/vectors"
seconds=1
rounds=3
pos=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) pos+=("$1"); shift ;;
  esac
done
[ ${#pos[@]} -ge 1 ] && dir53=$(cd "${pos[0]}" && pwd)
[ ${#pos[@]} -ge 2 ] && dir157=$(cd "${pos[1]}" && pwd)
[ -n "${ROADCLOUD_VECTORS:-}" ] && vectors=$ROADCLOUD_VECTORS

if ! command -v asn1c >/dev/null; then
  echo "installing asn1c (Debian package)..." >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq asn1c >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq asn1c >/dev/null; fi
fi

work="$here/work"
rm -rf "$work"
mkdir -p "$work/53" "$work/157"

build() { # folder-of-modules out-dir PDU
  local src=$1 out=$2 pdu=$3
  local mods=()
  for f in "$src"/*.asn; do
    b=$(basename "$f")
    if [ "$pdu" != MessageFrame ] && { [ "$b" = MsgDayII.asn ] || [ "$b" = MsgFrame.asn ]; }; then
      continue
    fi
    if [ -f "$src/utf8-transcoded/$b" ]; then mods+=("$src/utf8-transcoded/$b"); else mods+=("$f"); fi
  done
  if [ "$pdu" != MessageFrame ]; then
    # The frame modules stay out (asn1c cannot parse MsgDayII's class); MsgCount, which the
    # message modules import from MsgFrame, is restated as the standard defines it.
    printf 'MsgFrame DEFINITIONS AUTOMATIC TAGS ::= BEGIN\nEXPORTS MsgCount;\nMsgCount ::= INTEGER (0..127)\nEND\n' >"$out/MsgFrame-MsgCount.asn"
    mods+=("$out/MsgFrame-MsgCount.asn")
  fi
  (cd "$out" && asn1c -fcompound-names -gen-PER -pdu="$pdu" "${mods[@]}" >asn1c.log 2>&1) \
    || { cat "$out/asn1c.log" >&2; exit 1; }
  rm -f "$out/converter-sample.c"
  # asn1c 0.9.28's generated sources trip newer gcc warnings; they are not ours to fix.
  gcc -O2 -w -DPDU="$pdu" -DASN_DISABLE_OER_SUPPORT -I"$out" -o "$out/harness" "$here/harness.c" "$out"/*.c
}

echo "generating and building asn1c code..." >&2
build "$dir53" "$work/53" MessageFrame
build "$dir157" "$work/157" SensorSharingMsg

echo "building roadcloud (release)..." >&2
(cd "$repo" && cargo build --release -q -p roadcloud-csae --example codec_throughput)
rc="$repo/target/release/examples/codec_throughput"

# The SSM inner PDU, for asn1c.
python3 - "$vectors/csae157-2020/ssm_01_rsu_sensor_sharing.json" "$work/ssm_01_inner.uper.hex" <<'PY'
import json, sys
open(sys.argv[2], "w").write(json.load(open(sys.argv[1]))["inner"]["uper_hex"] + "\n")
PY

names=(BSM MAP SPAT RSM RSI SSM)
ours=("$vectors/csae53-2020/bsm_01_passenger_car.uper.hex"
      "$vectors/csae53-2020/map_01_anting_4arm.uper.hex"
      "$vectors/csae53-2020/spat_01_anting_counting.uper.hex"
      "$vectors/csae53-2020/rsm_01_three_participants.uper.hex"
      "$vectors/csae53-2020/rsi_03_event_and_signs.uper.hex"
      "$vectors/csae157-2020/ssm_01_rsu_sensor_sharing.uper.hex")

best() { # keep the larger of two numbers
  awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'
}

echo "measuring ($rounds rounds of ${seconds}s per side, type and direction, pinned to one core)..." >&2
printf '%-5s %6s | %14s %14s %7s | %14s %14s %7s\n' type octets "asn1c dec/s" "roadcloud" ratio "asn1c enc/s" "roadcloud" ratio
for i in "${!names[@]}"; do
  n=${names[$i]}
  if [ "$n" = SSM ]; then h="$work/157/harness"; a_in="$work/ssm_01_inner.uper.hex"; else h="$work/53/harness"; a_in=${ours[$i]}; fi
  ad=0 ae=0 rd=0 re=0 octets=0
  for _ in $(seq "$rounds"); do
    read -r _ _ d _ e _ < <(taskset -c 0 "$h" "$seconds" "$a_in")
    ad=$(best "$ad" "$d"); ae=$(best "$ae" "$e")
    read -r _ _ d _ e octets < <(taskset -c 0 "$rc" --seconds "$seconds" "${ours[$i]}")
    rd=$(best "$rd" "$d"); re=$(best "$re" "$e")
  done
  printf '%-5s %6s | %14.0f %14.0f %6.1fx | %14.0f %14.0f %6.1fx\n' "$n" "$octets" "$ad" "$rd" \
    "$(awk -v a="$ad" -v b="$rd" 'BEGIN{print b/a}')" "$ae" "$re" "$(awk -v a="$ae" -v b="$re" 'BEGIN{print b/a}')"
done
