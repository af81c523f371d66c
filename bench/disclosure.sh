#!/usr/bin/env bash
# Disclosure-portal benchmark (政府信息公开), OneWindow's side of the comparison with the Wagtail
# peer (/work/shared/peers/wagtail): same corpus generator (textgen.py, seed 20240501), same
# 200 queries (queries.txt), same wrk parameters (-t2 -c16, 15 s, 3 reps after a 3-s warm-up),
# same quiet-machine discipline (common/wait_quiet.sh before every measured step,
# common/cpu_account.sh foreign CPU per step, common/cpu_monitor.sh log).
#
#   bash bench/disclosure.sh [N] [DURATION_S]        # default N=100000, 15 s
#   N=10000 quick look:  REPS=1 IMPORT_REPS=1 SEARCH_REPS=1 bash bench/disclosure.sh 10000 5
#
# Steps (all on 127.0.0.1):
#   build   cargo build --release -p onewindow (honours CARGO_TARGET_DIR); OW_BIN=path skips
#           it and uses that binary
#   corpus  textgen.py --n N --seed SEED (cached in $WORK/corpus-N.jsonl)
#   import  IMPORT_REPS x (fresh data dir, migrate, `disclosure import`, which also builds the
#           search index): wall s, docs/s, peak RSS (/usr/bin/time), data dir size. The data dir
#           of the last rep is served.
#   search  disclosure_search.py: queries.txt, top 20, one keep-alive connection, 1 warm-up +
#           SEARCH_REPS passes; then (untimed) the peer's substring ground truth.
#   cold    disclosure_search.py --cold: SEARCH_REPS disjoint sets of 200 item pages and 100 list
#           pages, each requested once (first access, so never from the server's page cache).
#   http    wrk -t2 -c16 -dDUR --latency, REPS each after a 3-s warm-up: detail (random ids
#           1..N), list (/xxgk/), deep list (/xxgk/?page=DEEP_PAGE), and list pages spread over
#           1..N/20 (random; defeats the server's page cache).
#   rss     server RSS after start, after search, after wrk; VmHWM.
# A measured unit whose foreign CPU is >= 20 % of a core is re-run (up to ATTEMPTS times in
# all); every attempt stays in the raw files. Results: $OUT (default
# /tmp/ow-disclosure/results-N): summary.json, summary.txt, import.tsv, search.json,
# search_gt.json, cold.json, http_raw.txt, http_attempts_raw.txt, rss.txt, foreign.txt,
# quiet.txt, cpu_monitor.txt, machine.txt; the data dir ($OUT/data, removed at the end unless
# KEEP_DATA=1) and temporary files ($OUT/tmp) too. Only the corpus is shared ($WORK). Two runs
# at once would disturb each other's numbers anyway: give them different OUT and PORT, or better,
# run one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
N=${1:-${N:-100000}}
DUR=${2:-${DUR:-15}}
PORT=${PORT:-18241}
REPS=${REPS:-3}
IMPORT_REPS=${IMPORT_REPS:-3}
SEARCH_REPS=${SEARCH_REPS:-3}
ATTEMPTS=${ATTEMPTS:-3}
SEED=${SEED:-20240501}
DEEP_PAGE=${DEEP_PAGE:-200}
QUIET_WAIT=${QUIET_WAIT:-300}
GROUND_TRUTH=${GROUND_TRUTH:-1}
PEERS=${PEERS:-/work/shared/peers}
WORK=${OW_BENCH_TMP:-/tmp/ow-disclosure}
OUT=${OUT:-$WORK/results-$N}
PEER_RESULTS=${PEER_RESULTS:-/tmp/peers/results/wagtail}
KEEP_DATA=${KEEP_DATA:-0}
mkdir -p "$WORK" "$OUT"
log() { echo "[disclosure $(date +%H:%M:%S)] $*" >&2; }
T_START=$(date +%s)
# One run per results dir; everything a run writes (data dir, temporary files) lives in $OUT, so
# runs with different OUT do not collide. The port must be free: a server already listening
# there would otherwise be benchmarked instead of ours.
exec 9> "$OUT/.lock"
flock -n 9 || { echo "another bench/disclosure.sh run is using $OUT" >&2; exit 1; }
if (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is already in use (another server or benchmark run?); set PORT" >&2; exit 1
fi
TMPD="$OUT/tmp"
mkdir -p "$TMPD"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ -n "${OW_BIN:-}" ]; then  # a binary built before (e.g. while the tree does not compile)
  BIN=$(realpath "$OW_BIN")
  log "build: skipped, OW_BIN=$BIN"
else
  log "build: cargo build --release -p onewindow"
  cargo build --release -q -p onewindow
  BIN=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/onewindow
fi
bash "$PEERS/common/machine_info.sh" > "$OUT/machine.txt"
{ echo "wrk: $(wrk --version 2>&1 | head -1)"; echo "binary: $BIN $(stat -c '%y %s bytes' "$BIN")"; } >> "$OUT/machine.txt"

CORPUS="$WORK/corpus-$N.jsonl"
if [ ! -s "$CORPUS" ] || [ "$(wc -l < "$CORPUS")" -ne "$N" ]; then
  log "corpus: textgen.py --n $N --seed $SEED"
  python3 "$PEERS/wagtail/disclosure/textgen.py" --n "$N" --seed "$SEED" --out "$CORPUS.tmp.$$"
  mv "$CORPUS.tmp.$$" "$CORPUS"
fi
CORPUS_SHA=$(sha256sum "$CORPUS" | cut -c1-16)
log "corpus: $CORPUS ($N docs, $(du -m "$CORPUS" | cut -f1) MB, sha256 $CORPUS_SHA…)"

export ACCT_TMP="$TMPD/.acct"
# shellcheck source=/dev/null
source "$PEERS/common/cpu_account.sh"
: > "$OUT/foreign.txt"; : > "$OUT/quiet.txt"; : > "$OUT/rss.txt"
bash "$PEERS/common/cpu_monitor.sh" "$OUT/cpu_monitor.txt" $$ &
MON_PID=$!
SERVER=""
DATA=""
cleanup() {
  if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true; fi
  kill "$MON_PID" 2>/dev/null || true
  if [ "$KEEP_DATA" != 1 ] && [ -n "$DATA" ]; then rm -rf "$DATA"; fi
}
trap cleanup EXIT
quiet() { bash "$PEERS/common/wait_quiet.sh" "$QUIET_WAIT" | sed "s/^/$1: /" | tee -a "$OUT/quiet.txt" >&2; }
# measured NAME CMD...: wait for quiet, run CMD with foreign-CPU accounting; re-run while
# disturbed (>= 20 % of a core foreign), at most ATTEMPTS times. Sets FOREIGN.
measured() {
  local name=$1; shift
  local a
  for a in $(seq 1 "$ATTEMPTS"); do
    quiet "$name"
    acct_start ${SERVER:-} $MON_PID
    "$@"
    acct_stop
    FOREIGN=$ACCT_FOREIGN_PCT
    echo "$name attempt=$a foreign_cpu_pct=$FOREIGN" | tee -a "$OUT/foreign.txt" >&2
    if [ "$FOREIGN" -lt 20 ]; then return 0; fi
    log "  $name disturbed (foreign CPU $FOREIGN %), attempt $a/$ATTEMPTS"
  done
}
export ONEWINDOW_DATA_DIR RUST_LOG=warn ONEWINDOW_LOG_LEVEL=warn
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done; }

# --- import ----------------------------------------------------------------------------------
echo -e "rep\tattempt\twall_s\tdb_phase_s\tindex_phase_s\tpeak_rss_kib\tdata_bytes\tsearch_bytes\tdb_bytes\tmigrate_s\tforeign_cpu_pct" > "$OUT/import.tsv"
import_once() {
  rm -rf "$DATA"; mkdir -p "$DATA"; ONEWINDOW_DATA_DIR="$DATA"
  local m0 m1
  m0=$(date +%s.%N); "$BIN" migrate > /dev/null; m1=$(date +%s.%N)
  MIGRATE_S=$(awk -v a="$m0" -v b="$m1" 'BEGIN{printf "%.2f", b - a}')
  sync
  IMPORT_T0=$(date +%s.%N)
  if ! /usr/bin/time -f "%e %M" -o "$TMPD/time.txt" "$BIN" disclosure import "$CORPUS" --operator bench \
      2> "$TMPD/import.err" | stamp > "$TMPD/import.out"; then
    echo "import failed:" >&2; tail -5 "$TMPD/import.err" "$TMPD/import.out" >&2; exit 1
  fi
}
for r in $(seq 1 "$IMPORT_REPS"); do
  DATA="$OUT/data"
  log "import rep $r/$IMPORT_REPS: migrate + disclosure import of $N docs into $DATA"
  attempt=0
  record_import() {
    attempt=$((attempt + 1))
    import_once
  }
  measured "import-rep$r" record_import
  cat "$TMPD/import.out" >&2
  read -r wall rss < "$TMPD/time.txt"
  t_imp=$(awk '/imported [0-9]+ documents/ {print $1; exit}' "$TMPD/import.out")
  t_end=$(awk 'END {print $1}' "$TMPD/import.out")
  grep -q "search index updated: $N " "$TMPD/import.out" || { echo "import did not index $N items:"; cat "$TMPD/import.out" "$TMPD/import.err"; exit 1; } >&2
  db_s=$(awk -v a="$IMPORT_T0" -v b="$t_imp" 'BEGIN{printf "%.2f", b - a}')
  ix_s=$(awk -v a="$t_imp" -v b="$t_end" 'BEGIN{printf "%.2f", b - a}')
  sync
  data_b=$(du -sb "$DATA" | cut -f1)
  search_b=$(du -sb "$DATA/search" 2>/dev/null | cut -f1 || echo 0)
  db_b=$(du -cb "$DATA"/onewindow.db* 2>/dev/null | tail -1 | cut -f1)
  echo -e "$r\t$attempt\t$wall\t$db_s\t$ix_s\t$rss\t$data_b\t$search_b\t${db_b:-0}\t$MIGRATE_S\t$FOREIGN" >> "$OUT/import.tsv"
  log "  import: ${wall} s (db ${db_s} s + index ${ix_s} s), peak RSS ${rss} KiB, data dir $((data_b / 1048576)) MiB (search $((search_b / 1048576)) MiB)"
done
ls -la "$DATA" > "$OUT/data_dir.txt"; du -sb "$DATA"/* >> "$OUT/data_dir.txt" 2>/dev/null || true

# --- serve -----------------------------------------------------------------------------------
ONEWINDOW_DATA_DIR="$DATA"
s0=$(date +%s.%N)
"$BIN" serve --listen "127.0.0.1:$PORT" > "$TMPD/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "server did not start:"; cat "$TMPD/serve.log"; exit 1; } >&2
s1=$(date +%s.%N)
echo "after_start_kib=$(ps -o rss= -p "$SERVER" | tr -d ' ') startup_s=$(awk -v a="$s0" -v b="$s1" 'BEGIN{printf "%.2f", b - a}')" >> "$OUT/rss.txt"
total=$(curl -fs "http://127.0.0.1:$PORT/api/v1/disclosure/items?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
log "server pid $SERVER on :$PORT; public items: $total"
[ "$total" -eq "$N" ] || { echo "expected $N public items, the API says $total" >&2; exit 1; }
: > "$OUT/pages.txt"
for u in "/xxgk/1" "/xxgk/$N" "/xxgk/$((N + 1))" "/xxgk/" "/xxgk/?page=$DEEP_PAGE" "/xxgk/?page=$((N / 20))"; do
  echo "$u -> $(curl -s -o "$TMPD/page.html" -w '%{http_code} %{size_download} bytes %{time_total}s' "http://127.0.0.1:$PORT$u")" | tee -a "$OUT/pages.txt" >&2
done
for u in "/xxgk/1" "/xxgk/$N" "/xxgk/" "/xxgk/?page=$DEEP_PAGE"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$u")
  [ "$code" = 200 ] || { echo "page check failed: $u -> $code" >&2; exit 1; }
done

# --- search ----------------------------------------------------------------------------------
log "search: $(wc -l < "$PEERS/wagtail/queries.txt") queries, 1 warm-up + $SEARCH_REPS passes, one keep-alive connection"
run_search() {
  python3 "$ROOT/bench/disclosure_search.py" --port "$PORT" --queries "$PEERS/wagtail/queries.txt" \
      --reps "$SEARCH_REPS" --json-out "$OUT/search.json"
}
measured search run_search
SEARCH_FOREIGN=$FOREIGN
echo "after_search_kib=$(ps -o rss= -p "$SERVER" | tr -d ' ')" >> "$OUT/rss.txt"
if [ "$GROUND_TRUTH" = 1 ]; then
  log "search: hit counts against the substring ground truth (untimed)"
  python3 "$ROOT/bench/disclosure_search.py" --port "$PORT" --queries "$PEERS/wagtail/queries.txt" \
      --reps 1 --corpus "$CORPUS" --json-out "$OUT/search_gt.json" | tail -1
fi

# --- uncached pages ------------------------------------------------------------------------
log "cold: first requests of distinct item and list pages (not in the server's page cache)"
run_cold() {
  python3 "$ROOT/bench/disclosure_search.py" --port "$PORT" --cold "$N" --reps "$SEARCH_REPS" \
      --json-out "$OUT/cold.json"
}
measured cold run_cold

# --- http ------------------------------------------------------------------------------------
export WRK_LUA_DIR="$PEERS/wagtail/wrk" ITEMS="$N"
: > "$OUT/http_raw.txt"; : > "$OUT/http_attempts_raw.txt"
run_wrk() {  # TARGET LUA DURATION  (env LIST_PAGE / LIST_PAGES from the caller)
  wrk -t2 -c16 -d"$3" --timeout 10s --latency -s "$ROOT/bench/$2" "http://127.0.0.1:$PORT" > "$TMPD/wrk.txt"
  { echo "### $1 $(date +%H:%M:%S) (attempt; its foreign CPU is the matching line of foreign.txt)"; cat "$TMPD/wrk.txt"; } >> "$OUT/http_attempts_raw.txt"
}
for target in detail list deep list_spread; do
  case $target in
    detail) lua=disclosure_item.lua; export LIST_PAGE=1 LIST_PAGES=0 ;;
    list) lua=disclosure_list.lua; export LIST_PAGE=1 LIST_PAGES=0 ;;
    deep) lua=disclosure_list.lua; export LIST_PAGE=$DEEP_PAGE LIST_PAGES=0 ;;
    list_spread) lua=disclosure_list.lua; export LIST_PAGE=1 LIST_PAGES=$(( (N + 19) / 20 )) ;;
  esac
  wrk -t2 -c16 -d3s --timeout 10s -s "$ROOT/bench/$lua" "http://127.0.0.1:$PORT" > /dev/null  # warm-up
  for r in $(seq 1 "$REPS"); do
    log "wrk $target rep $r/$REPS (${DUR}s)"
    measured "http-$target-rep$r" run_wrk "$target" "$lua" "${DUR}s"
    { echo "### $target rep $r (foreign_cpu_pct=$FOREIGN)"; cat "$TMPD/wrk.txt"; } >> "$OUT/http_raw.txt"
    grep '^WRKJSON' "$TMPD/wrk.txt" | sed "s/^WRKJSON /$target /; s/}\$/,\"foreign_cpu_pct\":$FOREIGN}/" >> "$OUT/http_raw.txt"
    grep -E 'Requests/sec|Latency  |  50%|  99%|Non-2xx|Socket errors' "$TMPD/wrk.txt" | sed 's/^/    /' >&2
  done
done
echo "after_wrk_kib=$(ps -o rss= -p "$SERVER" | tr -d ' ') vmhwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status") threads=$(awk '/Threads/ {print $2}' "/proc/$SERVER/status")" >> "$OUT/rss.txt"
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
kill "$MON_PID" 2>/dev/null || true

python3 "$ROOT/bench/disclosure_summary.py" --n "$N" --dur "$DUR" --out "$OUT" --peer "$PEER_RESULTS" | tee "$OUT/summary.txt"
bash "$PEERS/common/foreign_cpu.sh" "$OUT/cpu_monitor.txt" | tee -a "$OUT/summary.txt"
log "done in $(( $(date +%s) - T_START )) s; results in $OUT"
