#!/usr/bin/env python3
"""Search latency of OneWindow's disclosure search API for the peer's fixed query list.

    python3 bench/disclosure_search.py --port 18241 --queries QUERIES.txt [--reps 3]
        [--corpus corpus.jsonl] [--json-out search.json]

Every query of the list (the Wagtail peer's queries.txt, 200 terms) is sent as
GET /api/v1/disclosure/search?q=TERM&limit=20, one after another, over ONE keep-alive HTTP
connection (http.client). One warm-up pass, then --reps timed passes. A request's latency is
from sending it to having read the whole response body (JSON decoding is outside the timing).
Percentiles are computed like the peer's search_bench (linear interpolation); per pass, and the
median of the passes is what is reported (as the peer reports the median of its passes).

With --corpus, afterwards (untimed) the ground truth the peer uses is computed: documents whose
title / 文号 / 发文机关 / body contain the term as a substring, to compare the hit counts with.
"""

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def summarize(lat_ms):
    return {
        "p50_ms": round(pct(lat_ms, 50), 3), "p90_ms": round(pct(lat_ms, 90), 3),
        "p99_ms": round(pct(lat_ms, 99), 3), "mean_ms": round(statistics.fmean(lat_ms), 3),
        "max_ms": round(max(lat_ms), 3),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--queries")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--corpus", default=None, help="JSON Lines corpus for the ground truth")
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--cold", type=int, default=0, metavar="N",
                    help="instead of searching: first-ever requests of distinct pages of an N-item "
                         "portal (item pages and list pages the server cannot have cached yet)")
    a = ap.parse_args()
    if a.cold:
        return cold(a)

    queries = [line.strip() for line in open(a.queries, encoding="utf-8") if line.strip()]
    conn = http.client.HTTPConnection(a.host, a.port, timeout=30)

    def one(q):
        path = f"/api/v1/disclosure/search?q={urllib.parse.quote(q)}&limit={a.limit}"
        t0 = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        ms = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            sys.exit(f"{path}: HTTP {r.status} {body[:200]!r}")
        if r.getheader("Connection", "").lower() == "close":
            sys.exit("the server closed the keep-alive connection")
        return ms, body

    totals, nhits = {}, {}
    for q in queries:  # warm-up pass; keeps the counts
        _, body = one(q)
        d = json.loads(body)
        totals[q], nhits[q] = d["total"], len(d["hits"])
    passes, per_query = [], {q: [] for q in queries}
    for _ in range(a.reps):
        lat = []
        for q in queries:
            ms, _ = one(q)
            lat.append(ms)
            per_query[q].append(round(ms, 3))
        passes.append(summarize(lat))
    conn.close()
    all_ms = [ms for v in per_query.values() for ms in v]
    res = {
        "queries": len(queries), "reps": a.reps, "limit": a.limit,
        "transport": "HTTP/1.1 keep-alive, one connection, sequential",
        "passes": passes,
        "median_of_passes": {k: round(statistics.median(p[k] for p in passes), 3) for k in passes[0]},
        "all_samples": summarize(all_ms),
        "slowest": sorted(((q, min(v)) for q, v in per_query.items()), key=lambda kv: -kv[1])[:8],
        "queries_with_hits": sum(1 for q in queries if totals[q] > 0),
        "zero_hit_queries": [q for q in queries if totals[q] == 0],
        "total_hits_sum": sum(totals.values()),
        "largest_totals": sorted(totals.items(), key=lambda kv: -kv[1])[:6],
        "examples": {q: totals[q] for q in queries[:8]},
        "totals": totals,
        "hits_returned_lt_limit": [q for q in queries if 0 < nhits[q] < min(a.limit, totals[q])],
        "per_query_ms": per_query,
    }
    if a.corpus:
        texts = []
        with open(a.corpus, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                texts.append(f"{d['title']}\n{d['doc_number']}\n{d['issuing_body']}\n{d['body_text']}")
        gt = {q: sum(1 for x in texts if q in x) for q in queries}
        res["ground_truth"] = {
            "definition": "documents whose title/doc_number/issuing_body/body contain the term (as the peer)",
            "docs": len(texts),
            "gt_queries_with_hits": sum(1 for q in queries if gt[q] > 0),
            "gt_matches": sum(gt.values()),
            # min(total, gt) as the peer's doc_recall; OneWindow's total counts documents that
            # contain every jieba word of the term, not the substring, so it can exceed gt.
            "doc_recall_upper_bound": round(sum(min(totals[q], gt[q]) for q in queries) / max(1, sum(gt.values())), 4),
            "queries_exact_count": sum(1 for q in queries if totals[q] == gt[q]),
            "queries_missing_all": [q for q in queries if gt[q] > 0 and totals[q] == 0],
            "queries_fewer": sorted(([q, totals[q], gt[q]] for q in queries if 0 < totals[q] < gt[q]),
                                    key=lambda x: x[1] / x[2])[:15],
            "queries_more": [[q, totals[q], gt[q]] for q in queries if totals[q] > gt[q]][:15],
            "per_query": {q: [totals[q], gt[q]] for q in queries},
        }
    m = res["median_of_passes"]
    print(f"search: {len(queries)} queries x {a.reps} passes: p50 {m['p50_ms']} ms, p90 {m['p90_ms']} ms, "
          f"p99 {m['p99_ms']} ms, max {m['max_ms']} ms, mean {m['mean_ms']} ms; "
          f"queries with hits {res['queries_with_hits']}, zero-hit {len(res['zero_hit_queries'])}")
    if a.corpus:
        g = res["ground_truth"]
        print(f"  ground truth: {g['gt_queries_with_hits']} queries occur; recall (min(total,gt)/gt) "
              f"{g['doc_recall_upper_bound']}; exact counts {g['queries_exact_count']}; "
              f"missing entirely {len(g['queries_missing_all'])}")
    if a.json_out:
        json.dump(res, open(a.json_out, "w"), ensure_ascii=False, indent=1)


def cold(a):
    """--reps disjoint sets of 200 item pages and 100 list pages, spread evenly over the
    portal, each requested once (first access: not in the server's page cache), one keep-alive
    connection. Latency per request as above."""
    conn = http.client.HTTPConnection(a.host, a.port, timeout=30)
    pages = max(1, (a.cold + 19) // 20)
    res = {"n": a.cold, "reps": a.reps, "transport": "HTTP/1.1 keep-alive, one connection, sequential",
           "what": "each URL requested once, first access since the server started"}
    for kind, count, total, fmt in (("detail", 200, a.cold, "/xxgk/{}"), ("list", 100, pages, "/xxgk/?page={}")):
        passes, sizes = [], []
        step = max(1, total // count)
        for r in range(a.reps):
            lat = []
            for k in range(count):
                i = 1 + (k * step + r * max(1, step // max(1, a.reps)) + r) % total
                if kind == "list" and i == 1:
                    i = 2  # page 1 is the warm-up target of the list runs
                t0 = time.perf_counter()
                conn.request("GET", fmt.format(i))
                resp = conn.getresponse()
                body = resp.read()
                lat.append((time.perf_counter() - t0) * 1000)
                if resp.status != 200:
                    sys.exit(f"{fmt.format(i)}: HTTP {resp.status}")
                sizes.append(len(body))
            passes.append(summarize(lat))
        res[kind] = {"urls_per_rep": count, "passes": passes,
                     "median_of_passes": {k: round(statistics.median(p[k] for p in passes), 3) for k in passes[0]},
                     "mean_bytes": round(statistics.fmean(sizes))}
        m = res[kind]["median_of_passes"]
        print(f"cold {kind}: {count} distinct URLs x {a.reps}: p50 {m['p50_ms']} ms, p90 {m['p90_ms']} ms, "
              f"p99 {m['p99_ms']} ms, max {m['max_ms']} ms, mean {m['mean_ms']} ms")
    conn.close()
    if a.json_out:
        json.dump(res, open(a.json_out, "w"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
