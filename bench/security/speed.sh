#!/usr/bin/env bash
# Signature verifications per second on one core: roadcloud's (criterion, `cargo bench -p
# roadcloud-security`) beside Debian's OpenSSL (`openssl speed`), in the same run; OpenSSL is
# measured before and after roadcloud and averaged, as this machine's speed drifts. Read the
# ratios.
#
#   bench/security/speed.sh [--seconds N]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=2
if [[ "${1:-}" == "--seconds" ]]; then seconds="$2"; fi

# The verify rate (the last column) of `openssl speed ALGORITHM`.
openssl_rate() {
  openssl speed -seconds "$seconds" "$1" 2>/dev/null | awk -v pat="$2" '$0 ~ pat { print $NF }'
}

echo "== openssl $(openssl version | cut -d' ' -f2), one core, ${seconds} s each"
p256_a=$(openssl_rate ecdsap256 'bits ecdsa')
sm2_a=$(openssl_rate sm2 'bits SM2')
echo "== roadcloud (criterion, one thread)"
cargo bench -q -p roadcloud-security --bench verify --profile ci -- \
    --warm-up-time 1 --measurement-time "$seconds" --output-format bencher 2>/dev/null \
    | grep '^test ' | tee /tmp/rc-security.txt
p256_b=$(openssl_rate ecdsap256 'bits ecdsa')
sm2_b=$(openssl_rate sm2 'bits SM2')

# bencher lines: "test NAME ... bench: N ns/iter (+/- M)".
rate() { awk -v n="$1" '$2 == n { gsub(",", "", $5); printf "%.0f", 1e9 / $5 }' /tmp/rc-security.txt; }
echo "== verifications per second (OpenSSL: before, after)"
awk -v a="$(rate verify/p256_ring)" -v b1="$p256_a" -v b2="$p256_b" 'BEGIN {
  b = (b1 + b2) / 2; printf "P-256: roadcloud %.0f, OpenSSL %.0f (%.0f, %.0f): ratio %.2f (goal >= 0.5)\n", a, b, b1, b2, a / b }'
awk -v a="$(rate verify/sm2)" -v b1="$sm2_a" -v b2="$sm2_b" 'BEGIN {
  b = (b1 + b2) / 2; printf "SM2:   roadcloud %.0f, OpenSSL %.0f (%.0f, %.0f): ratio %.2f (goal >= 1.0, stretch 2.0)\n", a, b, b1, b2, a / b }'
awk -v a="$(rate verify/sm2)" -v c="$(rate verify/sm2_constant_time)" 'BEGIN {
  printf "SM2:   roadcloud %.0f, the sm2 crate in constant time %.0f: ratio %.2f\n", a, c, a / c }'
