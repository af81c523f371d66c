#!/usr/bin/env python3
"""Make N published-ready service guides from an exported catalog (deterministic).

Each generated guide is a copy of one real demo guide with a unique 基本编码/实施编码 and a
numbered name, so the load is realistic in size and text. Usage:
    python3 gen_catalog.py export.json N > big.json
"""
import json
import sys

src = json.load(open(sys.argv[1], encoding="utf-8"))
n = int(sys.argv[2])
out = []
for i in range(n):
    g = dict(src[i % len(src)])
    serial = f"{i:06d}"
    g["catalog_code"] = "99" + g["catalog_code"][2:6] + serial
    g["task_code"] = g["task_code"][:19] + g["catalog_code"]
    g["handle_item_code"] = None
    g["name"] = f"{g['name']}（测试{i}）"
    out.append(g)
json.dump(out, sys.stdout, ensure_ascii=False)
