#!/usr/bin/env bash
# Case-engine benchmarks (results: bench/cases.md). Run from the repository root:
#
#   bash bench/cases.sh                      # everything, ~25 min on the 2-core reference machine
#   bash bench/cases.sh lifecycle spiff      # only some steps
#   N=500 REPS=1 CASES=100000 bash bench/cases.sh lifecycle queue_sqlite   # quick smoke run
#
# Steps (in this order by default):
#   build         release build of crates/app/examples/bench_cases.rs
#   machine       nproc, CPU model, RAM, kernel, date, load          -> $OUT/machine.txt
#   fsync         append 4 KiB + fdatasync on the temp disk            -> $OUT/fsync.jsonl
#   roundtrip     one trivial statement / empty transaction (SQLite)  -> $OUT/roundtrip.jsonl
#   profile       SQL statements per lifecycle step                   -> $OUT/profile.jsonl
#   counters      context switches, CPU time, fsyncs per lifecycle    -> $OUT/counters.txt
#   lifecycle     qykb lifecycles, SQLite FULL, co-reviews in parallel, C = 1,4,16 -> lifecycle.jsonl
#   lifecycle_seq same, co-reviews one after the other                -> lifecycle_seq.jsonl
#   lifecycle_normal  same as lifecycle_seq, C = 1, synchronous=NORMAL -> lifecycle_normal.jsonl
#   lifecycle_pg  qykb lifecycles on PostgreSQL (scratch database)   -> lifecycle_pg.jsonl
#   spiff         the SpiffWorkflow peer (/work/shared/peers/spiff/run.sh), 5 and 3 departments
#   queue_sqlite  reviewer queue over CASES (1,000,000) bulk-loaded cases, SQLite -> queue_sqlite.jsonl
#   queue_pg      same on PostgreSQL                                  -> queue_pg.jsonl
#
# Knobs: N (2000 lifecycles per run), CONC (1,4,16), REPS (3), CASES (1000000), QUERIES (1000),
# OUT (/tmp/ow-bench/results), CARGO_TARGET_DIR (/tmp/ow-release-target), QUIET_WAIT (300 s).
# PostgreSQL: 127.0.0.1:5432, user postgres, trust auth; each run creates a scratch database
# ow_bench_<pid>_<n> and drops it at the end.
#
# Shared machine: before every step the script waits (up to QUIET_WAIT s) for idle CPUs
# (/work/shared/peers/common/wait_quiet.sh) and afterwards records the CPU used by other
# processes during the step (cpu_account.sh: foreign_cpu_pct, % of one core) in
# $OUT/<step>.foreign (for the PostgreSQL steps the server's processes count as the
# benchmark's own). A step with foreign_cpu_pct >= 20 was disturbed: re-run it.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS="${PEERS:-/work/shared/peers}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/ow-release-target}"
OUT="${OUT:-/tmp/ow-bench/results}"
N="${N:-2000}"
CONC="${CONC:-1,4,16}"
REPS="${REPS:-3}"
CASES="${CASES:-1000000}"
QUERIES="${QUERIES:-1000}"
QUIET_WAIT="${QUIET_WAIT:-300}"
BIN="$CARGO_TARGET_DIR/release/examples/bench_cases"
mkdir -p "$OUT"
export ACCT_TMP="$OUT/.acct"
log() { echo "[cases $(date +%H:%M:%S)] $*" >&2; }

quiet() {
  if [ -f "$PEERS/common/wait_quiet.sh" ]; then
    bash "$PEERS/common/wait_quiet.sh" "$QUIET_WAIT" | tee -a "$OUT/quiet.txt" >&2
  fi
}

# run STEP COMMAND...: wait for quiet, run with foreign-CPU accounting, output to $OUT/STEP.jsonl
run() {
  local step="$1"; shift
  quiet
  log "$step: $*"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/$step.foreign"
  if [ -f "$PEERS/common/cpu_account.sh" ]; then
    # shellcheck disable=SC1091
    source "$PEERS/common/cpu_account.sh"
    # shellcheck disable=SC2086
    acct_start ${OWN_PIDS:-}
    "$@" > "$OUT/$step.jsonl"
    acct_stop
    echo "$step foreign_cpu_pct=$ACCT_FOREIGN_PCT" | tee -a "$OUT/$step.foreign" >&2
  else
    "$@" > "$OUT/$step.jsonl"
  fi
}

step_build() {
  (cd "$ROOT" && cargo build --release -p onewindow-app --example bench_cases)
}

step_machine() {
  {
    echo "- date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- nproc: $(nproc)"
    echo "- CPU model (/proc/cpuinfo): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | tr -d ' ') MHz"
    echo "- hypervisor: $(lscpu 2>/dev/null | awk -F: '/Hypervisor vendor/ {gsub(/^ +/,"",$2); print $2}')"
    echo "- MemTotal: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "- kernel: $(uname -r); OS: $(. /etc/os-release; echo "$PRETTY_NAME")"
    echo "- disk of /tmp: $(df -h /tmp | awk 'NR==2 {print $1, $2}')"
    echo "- rustc: $(rustc --version)"
    echo "- SQLite (bundled by libsqlite3-sys): $(strings "$BIN" | grep -m1 -oE '^20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} [0-9a-f]{12}' || true)"
    echo "- PostgreSQL: $(psql -h 127.0.0.1 -U postgres -Atc 'show server_version' 2>/dev/null || echo n/a)"
    echo "- git: $(cd "$ROOT" && git rev-parse --short HEAD) $(cd "$ROOT" && git status --short | tr '\n' ' ')"
    echo "- load average: $(cat /proc/loadavg)"
  } | tee "$OUT/machine.txt"
}

step_fsync()     { run fsync "$BIN" fsync --n 2000; }
step_roundtrip() { run roundtrip "$BIN" roundtrip --n 10000; }
step_profile()   { run profile "$BIN" profile --n 200; }

# Context switches and CPU time (perf stat) and fsync calls (strace) per lifecycle: a run of
# 1,000 lifecycles minus a run of 0 (set-up only), C = 1, co-reviews sequential.
step_counters() {
  quiet
  : > "$OUT/counters.txt"
  for n in 0 1000; do
    if command -v perf >/dev/null; then
      perf stat -x, -e context-switches,task-clock -o "$OUT/perf_$n.csv" -- \
        "$BIN" lifecycle --n "$n" --conc 1 --reps 1 --co sequential --warmup 0 > /dev/null
    fi
    if command -v strace >/dev/null; then
      strace -f -c -e trace=fsync,fdatasync -o "$OUT/strace_$n.txt" \
        "$BIN" lifecycle --n "$n" --conc 1 --reps 1 --co sequential --warmup 0 > /dev/null
    fi
  done
  python3 - "$OUT" <<'PYEOF' | tee "$OUT/counters.txt"
import sys, os
out = sys.argv[1]
def perf(n):
    d = {}
    p = f"{out}/perf_{n}.csv"
    if not os.path.exists(p): return d
    for line in open(p):
        f = line.strip().split(",")
        if len(f) > 3 and f[0] and f[0][0].isdigit():
            d[f[2]] = float(f[0])
    return d
def fsyncs(n):
    p = f"{out}/strace_{n}.txt"
    if not os.path.exists(p): return None
    for line in open(p):
        f = line.split()
        if f and f[-1] in ("fsync", "fdatasync"):
            return int(f[3])
    return None
a, b = perf(0), perf(1000)
for k in ("context-switches", "task-clock"):
    if k in a and k in b:
        unit = "ms CPU" if k == "task-clock" else ""
        print(f"{k} per lifecycle: {(b[k] - a[k]) / 1000:.3f} {unit}")
fa, fb = fsyncs(0), fsyncs(1000)
if fa is not None and fb is not None:
    print(f"fsync calls per lifecycle: {(fb - fa) / 1000:.2f}")
PYEOF
}

step_lifecycle() {
  run lifecycle "$BIN" lifecycle --n "$N" --conc "$CONC" --reps "$REPS" --co parallel
}
step_lifecycle_seq() {
  run lifecycle_seq "$BIN" lifecycle --n "$N" --conc "$CONC" --reps "$REPS" --co sequential
}
step_lifecycle_normal() {
  run lifecycle_normal "$BIN" lifecycle --n "$N" --conc 1 --reps "$REPS" --co sequential --sync normal
}
# The PostgreSQL server works for the benchmark: count the postmaster's tree (its backends, and
# through cutime the backends that exited) as ours, not as foreign CPU.
pg_pids() { pgrep -o -x postgres || true; }

step_lifecycle_pg() {
  OWN_PIDS="$(pg_pids)" run lifecycle_pg "$BIN" lifecycle --db pg --n "$N" --conc "$CONC" --reps "$REPS" --co parallel
}

step_spiff() {
  # The peer waits for a quiet CPU itself and records foreign CPU in its results directory.
  bash "$PEERS/spiff/run.sh" 2>&1 | tee "$OUT/spiff_5.txt"
  cp /tmp/peers/results/spiff/spiff.json "$OUT/spiff_5.json" 2>/dev/null || true
  cp /tmp/peers/results/spiff/foreign.txt "$OUT/spiff_5.foreign" 2>/dev/null || true
  RESULTS=/tmp/peers/results/spiff-3 DEPTS=3 bash "$PEERS/spiff/run.sh" 2>&1 | tee "$OUT/spiff_3.txt"
  cp /tmp/peers/results/spiff-3/spiff.json "$OUT/spiff_3.json" 2>/dev/null || true
  cp /tmp/peers/results/spiff-3/foreign.txt "$OUT/spiff_3.foreign" 2>/dev/null || true
}

step_queue_sqlite() {
  run queue_sqlite "$BIN" queue --db sqlite --cases "$CASES" --queries "$QUERIES" --reps "$REPS"
}
step_queue_pg() {
  OWN_PIDS="$(pg_pids)" run queue_pg "$BIN" queue --db pg --cases "$CASES" --queries "$QUERIES" --reps "$REPS"
}

# A compact digest of everything in $OUT.
step_summary() {
  python3 - "$OUT" <<'PYEOF'
import json, os, sys, statistics as st
out = sys.argv[1]
def rows(name):
    p = f"{out}/{name}.jsonl"
    return [json.loads(l) for l in open(p) if l.startswith("{")] if os.path.exists(p) else []
def mmm(xs):
    xs = sorted(xs)
    return f"{xs[0]:g} / {st.median(xs):g} / {xs[-1]:g}" if xs else "-"
for name in ("lifecycle", "lifecycle_seq", "lifecycle_normal", "lifecycle_pg"):
    rs = [r for r in rows(name) if r["bench"] == "lifecycle"]
    if not rs: continue
    print(f"== {name} ({rs[0]['db']}, sync {rs[0]['sync']}, co-reviews {rs[0]['co']}, N={rs[0]['n']}); min / median / max over reps")
    for c in sorted({r["conc"] for r in rs}):
        g = [r for r in rs if r["conc"] == c]
        f = lambda k, s: mmm([r[k][s] for r in g])
        print(f"  C={c:<3} cases/s {mmm([r['cases_per_s'] for r in g])}; errors {sum(r['errors'] for r in g)}; "
              f"case p50 {f('case','p50_ms')} p99 {f('case','p99_ms')} ms; "
              f"intake p50 {f('step_intake','p50_ms')}; co each p50 {f('step_co_review_each','p50_ms')} p99 {f('step_co_review_each','p99_ms')}; "
              f"co stage p50 {f('step_co_stage','p50_ms')}; lead p50 {f('step_lead_complete','p50_ms')}; tasks_of p50 {f('step_tasks_of','p50_ms')}")
for name in ("fsync", "roundtrip", "profile"):
    for r in rows(name):
        print(f"== {name}: {json.dumps(r, ensure_ascii=False)}")
for name in ("queue_sqlite", "queue_pg"):
    rs = rows(name)
    if not rs: continue
    print(f"== {name}")
    for r in rs:
        if r["bench"] != "queue":
            print("  ", json.dumps(r, ensure_ascii=False)); continue
    for v in sorted({r["variant"] for r in rs if r["bench"] == "queue"}):
        g = [r for r in rs if r["bench"] == "queue" and r["variant"] == v]
        for part in ("one_department", "all_departments"):
            for q in ("queue", "queue_len", "both"):
                print(f"  {v:14} {part:16} {q:9} p50 {mmm([r[part][q]['p50_ms'] for r in g])}  p99 {mmm([r[part][q]['p99_ms'] for r in g])}  max {mmm([r[part][q]['max_ms'] for r in g])} ms")
        print(f"  {v:14} app cases::queue  p50 {mmm([r['app_queue']['lat']['p50_ms'] for r in g])}  p99 {mmm([r['app_queue']['lat']['p99_ms'] for r in g])} ms")
for d in ("5", "3"):
    p = f"{out}/spiff_{d}.json"
    if os.path.exists(p):
        j = json.load(open(p))
        print(f"== spiff {d} depts: in-memory {j['in_memory']['median_instances_per_s']} inst/s; persisted {j['persisted']['median_instances_per_s']} inst/s")
for f in sorted(os.listdir(out)):
    if f.endswith(".foreign"):
        print(f"  {f}: {open(os.path.join(out, f)).read().strip()}")
PYEOF
}

STEPS=("$@")
if [ ${#STEPS[@]} -eq 0 ]; then
  STEPS=(build machine fsync roundtrip profile counters lifecycle lifecycle_seq lifecycle_normal
         lifecycle_pg spiff queue_sqlite queue_pg summary)
fi
for s in "${STEPS[@]}"; do
  log "== $s"
  "step_$s"
done
