#!/usr/bin/env bash
# Catalog benchmark: 10,000 published items; the item page and the catalog API under 16
# concurrent connections (wrk, 2 threads, loopback), plus server memory. Prints wrk's latency
# distribution. Usage: bash bench/catalog.sh [ITEMS] [DURATION_S]
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS=${1:-10000}
DUR=${2:-15}
PORT=${PORT:-18231}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p onewindow
BIN=${CARGO_TARGET_DIR:-target}/release/onewindow
DATA=$(mktemp -d -t ow-bench.XXXXXX)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
export ONEWINDOW_DATA_DIR="$DATA" RUST_LOG=warn ONEWINDOW_LOG_LEVEL=warn
$BIN migrate >/dev/null
$BIN catalog export -o "$DATA/demo.json" 2>/dev/null || true
$BIN demo seed >/dev/null
$BIN catalog export -o "$DATA/demo.json" 2>/dev/null
python3 bench/gen_catalog.py "$DATA/demo.json" $((ITEMS - $(python3 -c "import json,sys;print(len(json.load(open(sys.argv[1]))))" "$DATA/demo.json"))) > "$DATA/big.json"
/usr/bin/time -f "import: %e s, peak RSS %M KiB" $BIN catalog import "$DATA/big.json" --publish
$BIN serve --listen 127.0.0.1:$PORT >"$DATA/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
echo "items published: $(curl -s "http://127.0.0.1:$PORT/api/v1/catalog/items?limit=1" | python3 -c 'import json,sys;print(json.load(sys.stdin)["total"])')"
for target in "/guide/items/" "/api/v1/catalog/items/"; do
  echo "== $target{id} (random of $ITEMS), 16 connections, ${DUR}s =="
  curl -s -o /dev/null "http://127.0.0.1:$PORT${target}1"
  ITEMS=$ITEMS PREFIX=$target wrk -t2 -c16 -d3s -s bench/item.lua "http://127.0.0.1:$PORT" >/dev/null
  ITEMS=$ITEMS PREFIX=$target wrk -t2 -c16 -d${DUR}s --latency -s bench/item.lua "http://127.0.0.1:$PORT" \
    | grep -E 'Requests/sec|Latency|50%|75%|90%|99%|requests in|Non-2xx'
done
echo "== /api/v1/catalog/items?hall=market_access (list page, ETag) =="
wrk -t2 -c16 -d${DUR}s --latency "http://127.0.0.1:$PORT/api/v1/catalog/items?hall=market_access&limit=20" \
  | grep -E 'Requests/sec|Latency|50%|90%|99%'
echo "== /api/v1/catalog/search?q=开办企业 =="
wrk -t2 -c16 -d${DUR}s --latency "http://127.0.0.1:$PORT/api/v1/catalog/search?q=%E5%BC%80%E5%8A%9E%E4%BC%81%E4%B8%9A" \
  | grep -E 'Requests/sec|Latency|50%|90%|99%'
echo "server RSS: $(ps -o rss= -p $SERVER) KiB"
