/*
 * Throughput harness for asn1c-generated UPER codecs, the peer roadcloud measures itself
 * against (bench/asn1c/compare.sh builds it; nothing asn1c generates is committed).
 *
 * Build with -DPDU=<type> (the asn1c type name, e.g. MessageFrame or SensorSharingMsg).
 * Usage: harness SECONDS FILE.uper.hex...
 * Prints, per file: NAME decode MSGS_PER_S encode MSGS_PER_S BYTES
 * Decode is measured as decode + free (what a receiver does per message); encode as one
 * uper_encode_to_buffer call. Each vector is first checked to re-encode to its own octets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define XCAT(a, b) a##b
#define CAT(a, b) XCAT(a, b)
#define XSTR(a) #a
#define STR(a) XSTR(a)
#include STR(PDU.h)
#define DEF CAT(asn_DEF_, PDU)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t read_hex(const char *path, unsigned char *out, size_t cap) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    size_t n = 0;
    int hi = -1, c;
    while ((c = fgetc(f)) != EOF) {
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else continue;
        if (hi < 0) hi = v;
        else { if (n == cap) { fprintf(stderr, "%s: too long\n", path); exit(2); } out[n++] = (unsigned char)(hi << 4 | v); hi = -1; }
    }
    fclose(f);
    return n;
}

static const char *base_name(const char *path) {
    static char buf[512];
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(buf, sizeof buf, "%s", b);
    char *dot = strstr(buf, ".uper.hex");
    if (dot) *dot = 0;
    return buf;
}

static void *decode_once(const unsigned char *buf, size_t len) {
    void *p = 0;
    asn_dec_rval_t rv = uper_decode_complete(0, &DEF, &p, buf, len);
    if (rv.code != RC_OK) { fprintf(stderr, "asn1c: decode failed\n"); exit(3); }
    return p;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s SECONDS FILE.uper.hex...\n", argv[0]); return 2; }
    double budget = atof(argv[1]);
    static unsigned char in[1 << 16], out[1 << 16];
    for (int i = 2; i < argc; i++) {
        size_t len = read_hex(argv[i], in, sizeof in);
        void *value = decode_once(in, len);
        asn_enc_rval_t er = uper_encode_to_buffer(&DEF, value, out, sizeof out);
        size_t elen = (er.encoded + 7) / 8;
        if (er.encoded < 0 || elen != len || memcmp(in, out, len) != 0) {
            fprintf(stderr, "asn1c: %s does not re-encode to its own octets\n", argv[i]);
            return 3;
        }
        /* Warm up, then count whole batches until the budget is spent. */
        double t0 = now();
        while (now() - t0 < budget / 10) { ASN_STRUCT_FREE(DEF, decode_once(in, len)); }
        long n = 0;
        t0 = now();
        double t;
        do {
            for (int k = 0; k < 100; k++) { ASN_STRUCT_FREE(DEF, decode_once(in, len)); }
            n += 100;
        } while ((t = now() - t0) < budget);
        double dec = n / t;
        n = 0;
        t0 = now();
        do {
            for (int k = 0; k < 100; k++) {
                er = uper_encode_to_buffer(&DEF, value, out, sizeof out);
                if (er.encoded < 0) { fprintf(stderr, "asn1c: encode failed\n"); return 3; }
            }
            n += 100;
        } while ((t = now() - t0) < budget);
        double enc = n / t;
        printf("%s decode %.0f encode %.0f %zu\n", base_name(argv[i]), dec, enc, len);
        fflush(stdout);
        ASN_STRUCT_FREE(DEF, value);
    }
    return 0;
}
