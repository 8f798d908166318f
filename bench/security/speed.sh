#!/usr/bin/env bash
# Signature verifications per second on one core: roadcloud's (criterion, `cargo bench -p
# roadcloud-security`) beside Debian's OpenSSL (`openssl speed`), in the same run, so the
# ratio is what to read on a noisy machine.
#
#   bench/security/speed.sh [--seconds N]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=2
if [[ "${1:-}" == "--seconds" ]]; then seconds="$2"; fi

echo "== openssl $(openssl version | cut -d' ' -f2), one core, ${seconds} s each"
openssl speed -seconds "$seconds" ecdsap256 2>/dev/null | grep -E '^ *256 bits ecdsa' | tee /tmp/rc-openssl-p256.txt
openssl speed -seconds "$seconds" sm2 2>/dev/null | grep -E '^ *256 bits SM2' | tee /tmp/rc-openssl-sm2.txt

echo "== roadcloud (criterion, one thread)"
cargo bench -p roadcloud-security --bench verify --profile ci -- \
    --warm-up-time 1 --measurement-time "$seconds" 2>/dev/null \
    | grep -E '^(verify|signed_bsm)/|thrpt' | paste - - | tee /tmp/rc-security.txt

# The verify rate is the last column of each OpenSSL line; criterion's middle estimate is
# the 4th-from-last field of its thrpt line (in Kelem/s).
ossl_p256=$(awk '{print $NF}' /tmp/rc-openssl-p256.txt)
ossl_sm2=$(awk '{print $NF}' /tmp/rc-openssl-sm2.txt)
rate() { grep "^$1 " /tmp/rc-security.txt | awk '{for (i=1;i<=NF;i++) if ($i=="thrpt:") { v=$(i+3); u=$(i+4) } } END { if (u ~ /^K/) v*=1000; print v }'; }
rc_p256=$(rate verify/p256_ring)
rc_sm2=$(rate verify/sm2_rustcrypto)
echo "== ratios (roadcloud / OpenSSL, verify per second)"
awk -v a="$rc_p256" -v b="$ossl_p256" 'BEGIN { printf "P-256: %.0f / %.0f = %.2f (goal >= 0.5)\n", a, b, a/b }'
awk -v a="$rc_sm2" -v b="$ossl_sm2" 'BEGIN { printf "SM2:   %.0f / %.0f = %.2f (goal >= 1.0, stretch 2.0)\n", a, b, a/b }'
