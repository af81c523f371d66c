#!/usr/bin/env python3
"""Summary of a bench/disclosure.sh run (OneWindow) beside the Wagtail peer's latest results.

    python3 bench/disclosure_summary.py --n N --dur 15 --out RESULTS_DIR [--peer /tmp/peers/results/wagtail]

Reads RESULTS_DIR/{import.tsv,search.json,search_gt.json,http_raw.txt,rss.txt,foreign.txt};
writes RESULTS_DIR/summary.json and prints a table. Peer numbers are taken from the peer's own
result files (search.json, http.json, load.json) and are only compared when they exist; the
peer's corpus size is printed next to them, so a comparison across sizes is visible as such.
"""

import argparse
import json
import os
import statistics


TARGETS = ("detail", "list", "deep", "list_spread")


def med(xs):
    return statistics.median(xs) if xs else None


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--dur", type=int, default=15)
    ap.add_argument("--out", required=True)
    ap.add_argument("--peer", default="/tmp/peers/results/wagtail")
    a = ap.parse_args()
    o = a.out
    res = {"n": a.n, "wrk": f"wrk -t2 -c16 -d{a.dur}s --latency"}

    # import
    rows = []
    with open(os.path.join(o, "import.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(head, line.rstrip("\n").split("\t"))))
    if rows:
        walls = [float(r["wall_s"]) for r in rows]
        res["import"] = {
            "reps": rows,
            "wall_s_median": med(walls),
            "docs_per_s_median": round(a.n / med(walls), 1),
            "db_phase_s_median": med([float(r["db_phase_s"]) for r in rows]),
            "index_phase_s_median": med([float(r["index_phase_s"]) for r in rows]),
            "peak_rss_mib_median": round(med([int(r["peak_rss_kib"]) for r in rows]) / 1024, 1),
            "data_dir_mib": round(int(rows[-1]["data_bytes"]) / 1048576, 1),
            "search_index_mib": round(int(rows[-1]["search_bytes"]) / 1048576, 1),
            "max_foreign_cpu_pct": max(int(r["foreign_cpu_pct"]) for r in rows),
        }

    # search
    s = load(os.path.join(o, "search.json"))
    if s:
        res["search"] = {k: s[k] for k in ("median_of_passes", "passes", "all_samples", "slowest",
                                            "queries_with_hits", "zero_hit_queries", "largest_totals",
                                            "examples")}
    g = load(os.path.join(o, "search_gt.json"))
    if g and "ground_truth" in g:
        gt = dict(g["ground_truth"])
        gt.pop("per_query", None)
        res["search_ground_truth"] = gt

    c = load(os.path.join(o, "cold.json"))
    if c:
        res["cold"] = {k: c[k]["median_of_passes"] for k in ("detail", "list") if k in c}

    # http
    runs = {}
    try:
        with open(os.path.join(o, "http_raw.txt"), encoding="utf-8") as f:
            for line in f:
                parts = line.split(" ", 1)
                if len(parts) == 2 and parts[0] in TARGETS and parts[1].startswith("{"):
                    runs.setdefault(parts[0], []).append(json.loads(parts[1]))
    except OSError:
        pass
    res["http"] = {}
    for t, rs in runs.items():
        res["http"][t] = {
            "reps": [{k: r[k] for k in ("rps", "lat_p50_ms", "lat_p99_ms", "lat_max_ms", "foreign_cpu_pct")} for r in rs],
            "median": {k: round(statistics.median(r[k] for r in rs), 3)
                       for k in ("rps", "lat_p50_ms", "lat_p90_ms", "lat_p99_ms", "lat_max_ms")},
            "bytes_per_response": round(sum(r["bytes"] for r in rs) / max(1, sum(r["requests"] for r in rs))),
            "errors": sum(r["err_connect"] + r["err_read"] + r["err_write"] + r["err_status"] + r["err_timeout"] for r in rs),
            "max_foreign_cpu_pct": max(r.get("foreign_cpu_pct", 0) for r in rs),
        }

    # rss
    rss = {}
    try:
        for line in open(os.path.join(o, "rss.txt")):
            for kv in line.split():
                k, _, v = kv.partition("=")
                rss[k] = float(v)
    except OSError:
        pass
    res["rss"] = rss

    # peer
    peer = {}
    ps, ph, pl = (load(os.path.join(a.peer, x)) for x in ("search.json", "http.json", "load.json"))
    if pl:
        peer["n"] = pl.get("n") or pl.get("docs") or pl.get("N")
        peer["load"] = {k: pl.get(k) for k in ("load_s", "create_s", "index_s", "docs_per_s", "db_bytes") if k in pl}
    if ps:
        peer["search"] = {b: v.get("median_of_passes") for b, v in ps.get("backends", {}).items()
                          if isinstance(v, dict) and v.get("median_of_passes")}
        if not peer.get("n"):
            peer["n"] = ps.get("n_docs")
    if ph:
        peer["http"] = {t: v["median"] for t, v in ph.get("targets", {}).items()}
    res["peer"] = peer

    # targets
    tg = []
    sm = res.get("search", {}).get("median_of_passes")
    if sm:
        tg.append(("search p99 < 10 ms", f"{sm['p99_ms']} ms", sm["p99_ms"] < 10))
        for b in ("fts5", "fallback", "bigram_raw_sqlite"):
            pv = peer.get("search", {}).get(b)
            if pv:
                r99 = pv["p99_ms"] / sm["p99_ms"]
                r50 = pv["p50_ms"] / sm["p50_ms"]
                rmean = pv["mean_ms"] / sm["mean_ms"]
                # fts5 queries interrupted at the peer's 5-s cap count as 5 s: its p99 is a lower bound
                ge = ">=" if b == "fts5" and pv["max_ms"] >= 4999 else ""
                tg.append((f"search >= 50x peer {b} (peer N={peer.get('n')})",
                           f"p99 {ge}{r99:.1f}x, p50 {r50:.1f}x, mean {ge}{rmean:.1f}x",
                           r99 >= 50 and r50 >= 50))
    for t, pt in (("detail", "detail"), ("list", "list"), ("deep", "list"), ("list_spread", "list")):
        h = res["http"].get(t)
        if not h:
            continue
        m = h["median"]
        tg.append((f"{t} p99 < 10 ms", f"{m['lat_p99_ms']} ms", m["lat_p99_ms"] < 10))
        pv = peer.get("http", {}).get(pt)
        if pv:
            r = m["rps"] / pv["rps"]
            tg.append((f"{t} >= 10x peer {pt} req/s (peer N={peer.get('n')})",
                       f"{m['rps']:.0f} / {pv['rps']:.0f} = {r:.1f}x", r >= 10))
    if rss:
        top = max(rss.get(k, 0) for k in ("after_start_kib", "after_search_kib", "after_wrk_kib", "vmhwm_kib"))
        tg.append(("server RSS < 300 MB", f"{top / 1024:.0f} MiB (max of after start/search/wrk, VmHWM)", top / 1024 < 300))
    res["targets"] = [{"target": t, "value": v, "met": m} for t, v, m in tg]
    json.dump(res, open(os.path.join(o, "summary.json"), "w"), ensure_ascii=False, indent=1)

    # print
    print(f"=== OneWindow disclosure benchmark, N = {a.n} ===")
    if "import" in res:
        i = res["import"]
        print(f"import: median {i['wall_s_median']} s of {len(rows)} = {i['docs_per_s_median']} docs/s "
              f"(db {i['db_phase_s_median']} s + index {i['index_phase_s_median']} s); peak RSS "
              f"{i['peak_rss_mib_median']} MiB; data dir {i['data_dir_mib']} MiB (search index "
              f"{i['search_index_mib']} MiB); max foreign CPU {i['max_foreign_cpu_pct']} %")
    if sm:
        print(f"search (HTTP, keep-alive): p50 {sm['p50_ms']} p90 {sm['p90_ms']} p99 {sm['p99_ms']} "
              f"max {sm['max_ms']} mean {sm['mean_ms']} ms; queries with hits {res['search']['queries_with_hits']}; "
              f"zero hits: {' '.join(res['search']['zero_hit_queries'])}")
    if "search_ground_truth" in res:
        gg = res["search_ground_truth"]
        print(f"  vs substring ground truth: {gg['gt_queries_with_hits']} queries occur; recall "
              f"{gg['doc_recall_upper_bound']}; exact counts {gg['queries_exact_count']}; found none of "
              f"{len(gg['queries_missing_all'])}: {' '.join(gg['queries_missing_all'])}")
    for k, m in res.get("cold", {}).items():
        print(f"cold {k} (first access, sequential): p50 {m['p50_ms']} p90 {m['p90_ms']} p99 {m['p99_ms']} "
              f"max {m['max_ms']} mean {m['mean_ms']} ms")
    for t, h in res["http"].items():
        m = h["median"]
        print(f"{t:12s} {m['rps']:9.1f} req/s  p50 {m['lat_p50_ms']:.2f} ms  p90 {m['lat_p90_ms']:.2f} ms  "
              f"p99 {m['lat_p99_ms']:.2f} ms  max {m['lat_max_ms']:.1f} ms  {h['bytes_per_response']} B/resp  "
              f"errors {h['errors']}  reps {[round(r['rps']) for r in h['reps']]}  max foreign {h['max_foreign_cpu_pct']} %")
    if rss:
        print("server RSS: " + ", ".join(f"{k} {v / 1024:.0f} MiB" if k.endswith("kib") else f"{k} {v:g}"
                                          for k, v in rss.items()))
    if peer:
        print(f"peer (Wagtail, N={peer.get('n')}): search {json.dumps(peer.get('search'))}; http {json.dumps(peer.get('http'))}")
    for t in res["targets"]:
        print(f"  [{'met' if t['met'] else 'NOT met'}] {t['target']}: {t['value']}")


if __name__ == "__main__":
    main()
