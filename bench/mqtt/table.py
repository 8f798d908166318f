"""Prints `roadcloud bench --json` results (one JSON object per line on stdin) as a table."""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.strip()]
cols = ["system", "vehicles", "offered/s", "sent/s", "deliv/s", "lost", "loss%",
        "p50ms", "p90ms", "p99ms", "p99.9ms"]
print("{:<16} {:>8} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7} {:>8}".format(*cols))
for r in rows:
    lat = r["latency_ms"]
    ms = lambda v: "-" if v is None else "%.1f" % v
    print("{:<16} {:>8} {:>9} {:>9.0f} {:>9.0f} {:>9} {:>7.3f} {:>7} {:>7} {:>7} {:>8}".format(
        r["system"], r["vehicles"], r["offered_per_s"], r["sent_per_s"], r["delivered_per_s"],
        r["lost"], r["loss_percent"], ms(lat["p50"]), ms(lat["p90"]), ms(lat["p99"]),
        ms(lat["p999"])))
for r in rows:
    a = r.get("advice_latency_ms") or {}
    if a.get("count"):
        print("{:<16} advisories received {}: BSM to advisory p50 {:.1f} p99 {:.1f} ms".format(
            r["system"], a["count"], a["p50"], a["p99"]))
        n = r.get("advice_at_server_ms") or {}
        if n.get("count"):
            print("{:<16} of which at the server (to its downlinks): p50 {:.1f} p99 {:.1f} ms".format(
                "", n["p50"], n["p99"]))
for r in rows:
    w = r.get("world")
    if w:
        print("{:<16} world stage busy: ingest {:.0f} %, applications {:.0f} %; {:.0f} scenes/s, "
              "{} participants and {} vehicles advised each".format(
                  r["system"], 100 * w["ingest_busy_share"], 100 * w["apps_busy_share"],
                  w["scenes_per_s"],
                  "-" if w["participants_per_scene"] is None else "%.0f" % w["participants_per_scene"],
                  "-" if w["targets_per_scene"] is None else "%.1f" % w["targets_per_scene"]))
for r in rows:
    if r.get("verified_share") is not None:
        print("{:<16} signatures verified: {:.1f} % of signed messages".format(
            r["system"], 100 * r["verified_share"]))
for r in rows:
    if r.get("refused_after_warmup") is not None:
        print("{:<16} turned away by the server after the warm-up: {}".format(
            r["system"], r["refused_after_warmup"]))
