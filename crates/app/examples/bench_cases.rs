//! Case-engine benchmarks (results and how to run them: `bench/cases.md`, `bench/cases.sh`).
//!
//! ```text
//! bench_cases lifecycle [--db sqlite|pg] [--n 2000] [--conc 1,4,16] [--reps 3] [--warmup 20]
//!                       [--sync full|normal] [--co sequential|parallel] [--pool 16]
//! bench_cases profile   [--n 200]              # SQL statements per lifecycle step (C = 1)
//! bench_cases fsync     [--n 2000]             # raw append + fdatasync latency of the temp disk
//! bench_cases queue     [--db sqlite|pg] [--cases 1000000] [--open-every 20] [--queries 1000]
//!                       [--all-queries 30] [--app-queries 200] [--reps 3]
//! bench_cases roundtrip [--n 10000]            # one trivial statement / empty transaction
//! ```
//!
//! `lifecycle`: the 企业开办 bundle (`qykb`) through the `app` layer over a fresh file SQLite
//! database (WAL, `synchronous=FULL` by default, as shipped) per run: intake (accept) → the
//! three co-reviews (公安, 税务, 人民银行) → the lead decision (市场监管) that completes the
//! case. `C` lifecycles run at once as tokio tasks over one `Arc<App>`.
//!
//! `queue`: the reviewer queue (`storage::cases::queue` + `queue_len`) over N bulk-loaded cases
//! with four tasks each over the 17 demo departments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use onewindow_app::cases::{
    self, ApplicantInput, IntakeOutcome, IntakeRequest, MaterialTick, PlanRef, TaskDecision,
};
use onewindow_app::{App, Ctx, Settings, auth, demo};
use onewindow_domain::case::state::{Delivery, Outcome};
use onewindow_domain::identity::CreditCode;
use onewindow_storage::{Db, DbOptions};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Small helpers

struct Args(HashMap<String, String>);

impl Args {
    fn parse(v: &[String]) -> Args {
        let mut m = HashMap::new();
        let mut it = v.iter();
        while let Some(k) = it.next() {
            let k = k.trim_start_matches("--").to_string();
            let val = it.next().cloned().unwrap_or_default();
            m.insert(k, val);
        }
        Args(m)
    }
    fn get(&self, k: &str, d: &str) -> String {
        self.0.get(k).cloned().unwrap_or_else(|| d.to_string())
    }
    fn num(&self, k: &str, d: usize) -> usize {
        self.0.get(k).and_then(|v| v.parse().ok()).unwrap_or(d)
    }
}

/// Nearest-rank percentile of sorted durations, in ms.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(mut v: Vec<f64>) -> serde_json::Value {
    v.sort_by(|a, b| a.total_cmp(b));
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    json!({
        "n": v.len(),
        "p50_ms": round3(pct(&v, 50.0)),
        "p90_ms": round3(pct(&v, 90.0)),
        "p99_ms": round3(pct(&v, 99.0)),
        "max_ms": round3(v.last().copied().unwrap_or(f64::NAN)),
        "mean_ms": round3(mean),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Credit-code alphabet for the 8-character organisation body (no I O S V Z).
const BODY_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid 统一社会信用代码 per case number (the organisation body varies).
fn credit_code(i: usize) -> String {
    let mut n = i as u64 + 1_000_003;
    let mut body = [b'0'; 8];
    for b in body.iter_mut().rev() {
        *b = BODY_CHARS[(n % BODY_CHARS.len() as u64) as usize];
        n /= BODY_CHARS.len() as u64;
    }
    let body = std::str::from_utf8(&body).unwrap();
    // The computed check character can fall outside the alphabet for some bodies: try others.
    for extra in 0..40u8 {
        let mut b = body.as_bytes().to_vec();
        b[0] = BODY_CHARS[(usize::from(extra) + i) % BODY_CHARS.len()];
        if let Ok(c) = CreditCode::synthesize("91350503", std::str::from_utf8(&b).unwrap()) {
            return c.as_str().to_string();
        }
    }
    panic!("no credit code for {i}");
}

fn fast_settings() -> Settings {
    Settings {
        argon2_m_kib: 256,
        argon2_t: 1,
        keys_dir: std::env::temp_dir().join(format!("onewindow-bench-keys-{}", std::process::id())),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Database set-up (file SQLite in a temp dir, or a scratch PostgreSQL database)

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

struct Env {
    app: Arc<App>,
    _dir: Option<tempfile::TempDir>,
    pg_db: Option<String>,
    seed_s: f64,
}

async fn pg_admin_exec(sql: &str) -> Result<()> {
    let mut o = DbOptions::new(PG_ADMIN);
    o.max_connections = 1;
    let db = Db::connect(&o).await?;
    if let Db::Postgres(p) = &db {
        onewindow_storage::raw::exec_pg(p, sql)
            .await
            .with_context(|| sql.to_string())?;
    }
    db.close().await;
    Ok(())
}

async fn open_env(db_kind: &str, sync_full: bool, pool: u32) -> Result<Env> {
    let t = Instant::now();
    let (opts, dir, pg_db) = if db_kind == "pg" {
        let name = format!("ow_bench_{}_{}", std::process::id(), t.elapsed().as_nanos());
        pg_admin_exec(&format!("create database {name}")).await?;
        (
            DbOptions::new(format!("postgres://postgres@127.0.0.1:5432/{name}")),
            None,
            Some(name),
        )
    } else {
        let dir = tempfile::Builder::new().prefix("ow-bench-").tempdir()?;
        (DbOptions::sqlite_in(dir.path()), Some(dir), None)
    };
    let mut opts = opts;
    opts.sqlite_synchronous_full = sync_full;
    opts.max_connections = pool;
    opts.connect_timeout = Duration::from_secs(60);
    let db = Db::connect(&opts).await?;
    db.migrate().await?;
    let app = App::new(db, fast_settings()).await?;
    demo::seed(&app).await?;
    Ok(Env {
        app: Arc::new(app),
        _dir: dir,
        pg_db,
        seed_s: t.elapsed().as_secs_f64(),
    })
}

impl Env {
    async fn close(self) -> Result<()> {
        self.app.db.close().await;
        if std::env::var_os("BENCH_KEEP").is_some()
            && let Some(d) = self._dir
        {
            eprintln!("kept {}", d.keep().display());
            return Ok(());
        }
        if let Some(name) = &self.pg_db {
            if std::env::var_os("BENCH_KEEP").is_some() {
                eprintln!("kept database {name}");
                return Ok(());
            }
            pg_admin_exec(&format!("drop database if exists {name} with (force)")).await?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

struct Actors {
    clerk: Ctx,
    /// (ctx, department id) of the three co-reviewers.
    co: Vec<(Ctx, i64)>,
    lead: (Ctx, i64),
    /// Review standards to tick, by 实施编码 (the same for every case).
    standards: HashMap<String, Vec<String>>,
    template: IntakeRequest,
}

struct Shared {
    app: Arc<App>,
    actors: Actors,
    co_parallel: bool,
}

#[derive(Default, Clone)]
struct Timing {
    total: f64,
    intake: f64,
    tasks: f64,
    co: Vec<f64>,
    co_stage: f64,
    lead: f64,
}

fn dept_of(c: &Ctx) -> i64 {
    c.user()
        .and_then(|u| u.department_id)
        .map(|d| d.get())
        .unwrap_or(0)
}

async fn actors(app: &App) -> Result<Actors> {
    let clerk = auth::staff_ctx(app, "clerk").await?;
    let mut co = Vec::new();
    for u in ["reviewer.ga", "reviewer.sw", "reviewer.rh"] {
        let c = auth::staff_ctx(app, u).await?;
        let d = dept_of(&c);
        co.push((c, d));
    }
    let lead = auth::staff_ctx(app, "reviewer.scjg").await?;
    let lead_dept = dept_of(&lead);
    let plan = PlanRef::Bundle("qykb".into());
    let (_, list) = cases::checklist(app, &plan).await?;
    let template = IntakeRequest {
        plan,
        applicant: ApplicantInput {
            id_number: credit_code(0),
            name: "泉州市晨光贸易有限公司".into(),
            phone: Some("13812345678".into()),
            email: None,
        },
        situation: None,
        contact_name: Some("陈晨".into()),
        agent_name: None,
        agent_id_number: None,
        legal_rep: Some("陈晨".into()),
        address: None,
        window_id: None,
        materials: list
            .iter()
            .map(|m| MaterialTick::provided(&m.name))
            .collect(),
        delivery: Delivery::Window,
        delivery_address: None,
        summary: String::new(),
        outcome: IntakeOutcome::Accept,
    };
    // One case, viewed once, gives the review standards of each item (same for every case).
    let (case, _) = cases::intake(app, &clerk, template.clone()).await?;
    let v = cases::view(app, &clerk, case.id).await?;
    let mut standards = HashMap::new();
    for t in &v.tasks {
        if let Some(code) = &t.task.task_code {
            standards.insert(code.clone(), t.standards.clone());
        }
    }
    Ok(Actors {
        clerk,
        co,
        lead: (lead, lead_dept),
        standards,
        template,
    })
}

fn decision(a: &Actors, t: &onewindow_storage::cases::TaskRow) -> TaskDecision {
    TaskDecision {
        outcome: Outcome::Approve,
        opinion: "符合条件".into(),
        checked: t
            .task_code
            .as_ref()
            .and_then(|c| a.standards.get(c))
            .cloned()
            .unwrap_or_default(),
        expected_version: Some(t.version),
    }
}

/// One case from intake to completion. `probe` is called after each step (statement counts).
async fn lifecycle(
    s: Arc<Shared>,
    i: usize,
    probe: Option<&(dyn Fn(&str) + Sync)>,
) -> Result<Timing> {
    let app = &s.app;
    let a = &s.actors;
    let mut tm = Timing::default();
    let t0 = Instant::now();
    let mut req = a.template.clone();
    req.applicant.id_number = credit_code(i);
    let (case, _notice) = cases::intake(app, &a.clerk, req).await?;
    let t1 = Instant::now();
    tm.intake = ms(t1 - t0);
    if let Some(p) = probe {
        p("intake");
    }
    let tasks = {
        let mut c = app.db.conn().await?;
        onewindow_storage::cases::tasks_of(c.h(), case.id).await?
    };
    let t2 = Instant::now();
    tm.tasks = ms(t2 - t1);
    if let Some(p) = probe {
        p("tasks_of");
    }
    let find = |dept: i64| -> Result<onewindow_storage::cases::TaskRow> {
        tasks
            .iter()
            .find(|t| t.department_id == dept && t.status == "open")
            .cloned()
            .ok_or_else(|| anyhow!("case {}: no open task of department {dept}", case.id))
    };
    if s.co_parallel {
        let mut set = tokio::task::JoinSet::new();
        for k in 0..a.co.len() {
            let task = find(a.co[k].1)?;
            let s2 = s.clone();
            set.spawn(async move {
                let t = Instant::now();
                let a = &s2.actors;
                cases::decide_task(&s2.app, &a.co[k].0, task.id, decision(a, &task)).await?;
                Ok::<f64, anyhow::Error>(ms(t.elapsed()))
            });
        }
        while let Some(r) = set.join_next().await {
            tm.co.push(r??);
        }
    } else {
        for (ctx, dept) in &a.co {
            let task = find(*dept)?;
            let t = Instant::now();
            cases::decide_task(app, ctx, task.id, decision(a, &task)).await?;
            tm.co.push(ms(t.elapsed()));
            if let Some(p) = probe {
                p("co_review");
            }
        }
    }
    let t3 = Instant::now();
    tm.co_stage = ms(t3 - t2);
    let lead = find(a.lead.1)?;
    let row = cases::decide_task(app, &a.lead.0, lead.id, decision(a, &lead)).await?;
    let t4 = Instant::now();
    if let Some(p) = probe {
        p("lead_complete");
    }
    if row.status != "completed" || row.outcome.as_deref() != Some("approve") {
        return Err(anyhow!(
            "case {} ended {} / {:?}",
            row.id,
            row.status,
            row.outcome
        ));
    }
    tm.lead = ms(t4 - t3);
    tm.total = ms(t4 - t0);
    Ok(tm)
}

async fn run_batch(
    s: Arc<Shared>,
    start: usize,
    n: usize,
    conc: usize,
) -> Result<(f64, Vec<Timing>, usize)> {
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let first_err: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..conc {
        let (s, next, errors, first_err) =
            (s.clone(), next.clone(), errors.clone(), first_err.clone());
        set.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    break;
                }
                match lifecycle(s.clone(), start + i, None).await {
                    Ok(tm) => out.push(tm),
                    Err(e) => {
                        errors.fetch_add(1, Ordering::SeqCst);
                        let mut g = first_err.lock().unwrap();
                        if g.is_none() {
                            *g = Some(format!("{e:#}"));
                        }
                    }
                }
            }
            out
        });
    }
    let mut all = Vec::with_capacity(n);
    while let Some(r) = set.join_next().await {
        all.extend(r?);
    }
    let wall = t.elapsed().as_secs_f64();
    if let Some(e) = first_err.lock().unwrap().as_ref() {
        eprintln!("  first error: {e}");
    }
    Ok((wall, all, errors.load(Ordering::SeqCst)))
}

async fn cmd_lifecycle(a: &Args) -> Result<()> {
    let n = a.num("n", 2000);
    let reps = a.num("reps", 3);
    let warmup = a.num("warmup", 20);
    let sync_full = a.get("sync", "full") != "normal";
    let co_parallel = a.get("co", "parallel") != "sequential";
    let pool = a.num("pool", 16) as u32;
    let db_kind = a.get("db", "sqlite");
    let concs: Vec<usize> = a
        .get("conc", "1,4,16")
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    for &conc in &concs {
        let mut rates = Vec::new();
        for rep in 0..reps {
            let env = open_env(&db_kind, sync_full, pool).await?;
            let actors = actors(&env.app).await?;
            let s = Arc::new(Shared {
                app: env.app.clone(),
                actors,
                co_parallel,
            });
            run_batch(s.clone(), 1_000_000, warmup, conc.min(warmup.max(1))).await?;
            let (wall, tms, errors) = run_batch(s.clone(), 0, n, conc).await?;
            let rate = tms.len() as f64 / wall;
            rates.push(rate);
            let col = |f: &dyn Fn(&Timing) -> f64| summary(tms.iter().map(f).collect());
            let co: Vec<f64> = tms.iter().flat_map(|t| t.co.iter().copied()).collect();
            let out = json!({
                "bench": "lifecycle",
                "db": db_kind,
                "sync": if sync_full { "full" } else { "normal" },
                "co": if co_parallel { "parallel" } else { "sequential" },
                "pool": pool,
                "conc": conc,
                "rep": rep + 1,
                "n": n,
                "ok": tms.len(),
                "errors": errors,
                "wall_s": round3(wall),
                "cases_per_s": (rate * 10.0).round() / 10.0,
                "seed_s": round3(env.seed_s),
                "case": col(&|t| t.total),
                "step_intake": col(&|t| t.intake),
                "step_tasks_of": col(&|t| t.tasks),
                "step_co_review_each": summary(co),
                "step_co_stage": col(&|t| t.co_stage),
                "step_lead_complete": col(&|t| t.lead),
            });
            println!("{out}");
            drop(s);
            env.close().await?;
        }
        rates.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{}",
            json!({"bench": "lifecycle_summary", "db": db_kind, "sync": if sync_full { "full" } else { "normal" },
                   "co": if co_parallel { "parallel" } else { "sequential" }, "conc": conc, "n": n,
                   "cases_per_s_min": (rates[0] * 10.0).round() / 10.0,
                   "cases_per_s_median": (rates[rates.len() / 2] * 10.0).round() / 10.0,
                   "cases_per_s_max": (rates[rates.len() - 1] * 10.0).round() / 10.0})
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Statement counting (a tracing subscriber that counts sqlx's per-statement log events)

#[derive(Default)]
struct StmtCounter {
    total: AtomicU64,
    by_kind: Mutex<BTreeMap<String, u64>>,
}

struct KindVisitor(Option<String>);
impl tracing::field::Visit for KindVisitor {
    fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
        if f.name() == "summary" {
            self.0 = Some(v.to_string());
        }
    }
    fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
        if f.name() == "summary" && self.0.is_none() {
            self.0 = Some(format!("{v:?}"));
        }
    }
}

struct CountingSubscriber(Arc<StmtCounter>);
impl tracing::Subscriber for CountingSubscriber {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        m.target() == "sqlx::query"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, e: &tracing::Event<'_>) {
        let mut v = KindVisitor(None);
        e.record(&mut v);
        let kind =
            v.0.unwrap_or_default()
                .trim_matches('"')
                .split_whitespace()
                .next()
                .unwrap_or("?")
                .to_lowercase();
        self.0.total.fetch_add(1, Ordering::SeqCst);
        *self.0.by_kind.lock().unwrap().entry(kind).or_default() += 1;
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

async fn cmd_profile(a: &Args) -> Result<()> {
    let n = a.num("n", 200);
    let counter = Arc::new(StmtCounter::default());
    let env = open_env(&a.get("db", "sqlite"), true, 16).await?;
    let actors = actors(&env.app).await?;
    let s = Arc::new(Shared {
        app: env.app.clone(),
        actors,
        co_parallel: false,
    });
    tracing::subscriber::set_global_default(CountingSubscriber(counter.clone()))
        .map_err(|e| anyhow!("{e}"))?;
    let steps: Mutex<BTreeMap<String, (u64, u64)>> = Mutex::new(BTreeMap::new());
    let last = AtomicU64::new(counter.total.load(Ordering::SeqCst));
    let probe = |step: &str| {
        let now = counter.total.load(Ordering::SeqCst);
        let d = now - last.swap(now, Ordering::SeqCst);
        let mut g = steps.lock().unwrap();
        let e = g.entry(step.to_string()).or_default();
        e.0 += d;
        e.1 += 1;
    };
    let before_kinds = counter.by_kind.lock().unwrap().clone();
    for i in 0..n {
        // The probe is a plain closure; the lifecycle runs on this task (co-reviews sequential).
        lifecycle(s.clone(), i, Some(&probe)).await?;
    }
    let after_kinds = counter.by_kind.lock().unwrap().clone();
    let kinds: BTreeMap<String, f64> = after_kinds
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                round3((*v - before_kinds.get(k).copied().unwrap_or(0)) as f64 / n as f64),
            )
        })
        .collect();
    let per_step: BTreeMap<String, f64> = steps
        .lock()
        .unwrap()
        .iter()
        .map(|(k, (stmts, calls))| (k.clone(), round3(*stmts as f64 / *calls as f64)))
        .collect();
    let total: f64 = kinds.values().sum();
    println!(
        "{}",
        json!({"bench": "profile", "n": n, "statements_per_case": round3(total),
               "statements_per_call_by_step": per_step, "statements_per_case_by_kind": kinds,
               "transactions_per_case": 5,
               "note": "sqlx logs each statement it prepares/executes; BEGIN/COMMIT of a transaction may not appear"})
    );
    drop(s);
    env.close().await
}

// ---------------------------------------------------------------------------------------------
// Raw fsync latency of the disk under the temp dir

fn cmd_fsync(a: &Args) -> Result<()> {
    use std::io::Write;
    let n = a.num("n", 2000);
    let dir = tempfile::Builder::new().prefix("ow-fsync-").tempdir()?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join("wal"))?;
    let page = vec![0x5au8; 4096];
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f.write_all(&page)?;
        f.sync_data()?;
        v.push(ms(t.elapsed()));
    }
    println!(
        "{}",
        json!({"bench": "fsync", "what": "append 4 KiB + fdatasync", "lat": summary(v)})
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Floor costs of the storage layer: one trivial statement, one empty write transaction

async fn cmd_roundtrip(a: &Args) -> Result<()> {
    let n = a.num("n", 10_000);
    for sync_full in [true, false] {
        let env = open_env(&a.get("db", "sqlite"), sync_full, 16).await?;
        let db = &env.app.db;
        let mut stmt = Vec::with_capacity(n);
        {
            let mut c = db.conn().await?;
            for _ in 0..n {
                let t = Instant::now();
                onewindow_storage::audit::head(c.h()).await?;
                stmt.push(ms(t.elapsed()));
            }
        }
        let mut txn = Vec::with_capacity(n / 5);
        for _ in 0..n / 5 {
            let t = Instant::now();
            let mut tx = db.begin().await?;
            onewindow_storage::audit::head(tx.h()).await?;
            tx.commit().await?;
            txn.push(ms(t.elapsed()));
        }
        // The smallest write transaction a use case makes: the audit-chain head update.
        let mut wtxn = Vec::with_capacity(n / 5);
        for _ in 0..n / 5 {
            let t = Instant::now();
            let mut tx = db.begin().await?;
            let (seq, hash) = onewindow_storage::audit::head(tx.h()).await?;
            let _ = (seq, hash);
            onewindow_storage::cases::next_counter(tx.h(), "bench:roundtrip").await?;
            tx.commit().await?;
            wtxn.push(ms(t.elapsed()));
        }
        println!(
            "{}",
            json!({"bench": "roundtrip", "db": a.get("db", "sqlite"), "sync": if sync_full { "full" } else { "normal" },
                   "one_select_on_held_connection": summary(stmt),
                   "begin_select_commit": summary(txn),
                   "begin_select_counter_update_commit": summary(wtxn)})
        );
        env.close().await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reviewer queue over a million cases

/// `CASE expr WHEN 0 THEN id0 … END`: index → department id.
fn dept_case(expr: &str, ids: &[i64]) -> String {
    let mut s = format!("(case {expr}");
    for (i, id) in ids.iter().enumerate() {
        s.push_str(&format!(" when {i} then {id}"));
    }
    s.push_str(" end)");
    s
}

struct LoadSpec<'a> {
    n: usize,
    every: usize,
    base: i64,
    plan: i64,
    applicant: i64,
    id_number: &'a str,
    today: chrono::NaiveDate,
    depts: &'a [i64],
}

/// Bulk-load SQL: cases, then four tasks per case (lead + three co, in four departments).
///
/// Case i is running when `i % every = 0` (1 in 50 of those is paused: tasks without due
/// date), else completed. Running cases: the lead task and ~2/3 of the co tasks are open,
/// opened 0-29 days ago, due 1-20 days after opening (so some are overdue). Completed cases
/// were received over the last two years.
fn load_sql(sp: &LoadSpec<'_>, pg: bool) -> (String, String) {
    let LoadSpec {
        n,
        every,
        base,
        plan,
        applicant,
        id_number,
        today,
        depts,
    } = *sp;
    let nd = depts.len();
    let today = today.format("%Y-%m-%d").to_string();
    // Day offsets: running cases in the last 30 days, completed ones over two years.
    let off = format!(
        "(case when i % {every} = 0 then ((i / {every}) * 7) % 30 else (i * 7919) % 730 end)"
    );
    type DateFn = Box<dyn Fn(&str) -> String>;
    type TsFn = Box<dyn Fn(&str, &str) -> String>;
    let (source, date_of, ts_of, bool_false, with_prefix): (String, DateFn, TsFn, &str, String) =
        if pg {
            let (t1, t2) = (today.clone(), today.clone());
            (
                format!("generate_series(1::bigint, {n}::bigint) as g(i)"),
                Box::new(move |days: &str| format!("(date '{t1}' - ({days})::int)")),
                Box::new(move |days: &str, secs: &str| {
                    format!(
                        "(timestamptz '{t2} 09:00:00+08' - make_interval(days => ({days})::int) \
                     + make_interval(secs => ({secs})::int))"
                    )
                }),
                "false",
                String::new(),
            )
        } else {
            let (t1, t2) = (today.clone(), today.clone());
            (
                "g".to_string(),
                Box::new(move |days: &str| format!("date('{t1}', printf('%+d days', -({days})))")),
                Box::new(move |days: &str, secs: &str| {
                    format!(
                        "strftime('%Y-%m-%dT%H:%M:%f+00:00', '{t2} 01:00:00', printf('%+d days', -({days})), \
                     printf('%+d seconds', {secs}))"
                    )
                }),
                "0",
                format!(
                    "with recursive g(i) as (select 1 union all select i + 1 from g where i < {n}) "
                ),
            )
        };
    let running = format!("i % {every} = 0");
    let paused = format!("i % ({every} * 50) = 0");
    let received = ts_of(&off, "(i * 37) % 28800");
    let accepted = date_of(&off);
    let promised_due = date_of(&format!("{off} - 7"));
    let statutory_due = date_of(&format!("{off} - 21"));
    let completed = ts_of(&format!("{off} - 3"), "(i * 53) % 28800");
    let lead_dept = dept_case(&format!("(i % {nd})"), depts);
    let cases = format!(
        "{with_prefix}insert into cases (id, case_no, plan_id, name, applicant_id, applicant_name, applicant_kind, \
         id_number, contact_name, channel, status, outcome, delivery, region_code, lead_department_id, received_at, \
         accepted_on, promised_days, statutory_days, clock_events, promised_due, statutory_due, current_stage, \
         stage_count, tolerated_open, materials, summary, completed_at, intake_by, version, created_at, updated_at) \
         select {base} + i, {case_no}, {plan}, '企业开办“一件事”', {applicant}, '泉州市晨光贸易有限公司', 'credit-code', \
         '{id_number}', '陈晨', 'window', \
         case when {paused} then 'paused' when {running} then 'in_review' else 'completed' end, \
         case when {running} then null when i % 33 = 0 then 'deny' else 'approve' end, \
         'window', '350500', {lead_dept}, {received}, {accepted}, 5, 15, '[]', {promised_due}, {statutory_due}, 0, 1, \
         {bool_false}, '[]', '', case when {running} then null else {completed} end, 3, \
         case when {running} then 1 else 6 end, {received}, {received} \
         from {source}",
        case_no = if pg {
            "'BENCH' || lpad(i::text, 8, '0')"
        } else {
            "'BENCH' || printf('%08d', i)"
        },
    );

    // Tasks.
    let k_gen = if pg {
        "generate_series(0, 3) as kk(k)".to_string()
    } else {
        "kk".to_string()
    };
    let with_tasks = if pg {
        String::new()
    } else {
        format!(
            "with recursive g(i) as (select 1 union all select i + 1 from g where i < {n}), \
             kk(k) as (select 0 union all select 1 union all select 2 union all select 3) "
        )
    };
    let tdept = dept_case(&format!("((i + 5 * k) % {nd})"), depts);
    let open = format!("({running}) and (k = 0 or ((i / {every}) + k) % 3 <> 0)");
    let t_status = format!(
        "case when {open} then 'open' when {running} then 'approved' \
         when k = 0 and i % 33 = 0 then 'denied' when k > 0 and i % 50 = 0 then 'cancelled' else 'approved' end"
    );
    let opened = date_of(&off);
    let due = date_of(&format!("{off} - 1 - (((i / {every}) * 13 + k) % 20)"));
    let decided = ts_of(&format!("{off} - 1"), "(i * 11 + k * 600) % 28800");
    let tasks = format!(
        "{with_tasks}insert into case_tasks (case_id, stage, stage_name, department_id, role, name, task_code, days, \
         authority_required, status, opened_on, due_date, opinion, checklist, decided_by, decided_by_name, decided_at, version) \
         select {base} + i, 0, '企业开办', {tdept}, case when k = 0 then 'lead' else 'co' end, \
         case k when 0 then '营业执照' when 1 then '公章刻制' when 2 then '发票申领' else '银行开户' end, \
         null, 1, 'window_officer', {t_status}, {opened}, \
         case when {paused} then null else {due} end, \
         case when {open} then null else '符合条件' end, case when {open} then null else '[]' end, \
         case when {open} then null else 4 end, case when {open} then null else '王审查' end, \
         case when {open} then null else {decided} end, case when {open} then 2 else 3 end \
         from {source} cross join {k_gen}"
    );
    (cases, tasks)
}

async fn exec_raw(db: &Db, sql: &str) -> Result<()> {
    match db {
        Db::Sqlite(p) => {
            onewindow_storage::raw::exec_sqlite(p, sql)
                .await
                .with_context(|| sql.chars().take(300).collect::<String>())?;
        }
        Db::Postgres(p) => {
            onewindow_storage::raw::exec_pg(p, sql)
                .await
                .with_context(|| sql.chars().take(300).collect::<String>())?;
        }
    }
    Ok(())
}

async fn time_queries(
    app: &App,
    depts: &[i64],
    queries: usize,
    multi: bool,
    seed: u64,
) -> Result<serde_json::Value> {
    let mut rng = Rng(seed);
    let mut c = app.db.conn().await?;
    let (mut tq, mut tl, mut tb) = (Vec::new(), Vec::new(), Vec::new());
    let mut rows_seen = 0usize;
    let mut len_sum = 0i64;
    for _ in 0..queries {
        let sel: Vec<i64> = if multi {
            depts.to_vec()
        } else {
            vec![depts[(rng.next() % depts.len() as u64) as usize]]
        };
        let t0 = Instant::now();
        let rows = onewindow_storage::cases::queue(c.h(), &sel, 50).await?;
        let t1 = Instant::now();
        let len = onewindow_storage::cases::queue_len(c.h(), &sel).await?;
        let t2 = Instant::now();
        rows_seen += rows.len();
        len_sum += len;
        tq.push(ms(t1 - t0));
        tl.push(ms(t2 - t1));
        tb.push(ms(t2 - t0));
    }
    Ok(json!({
        "queries": queries,
        "departments_per_query": if multi { depts.len() } else { 1 },
        "mean_rows": round3(rows_seen as f64 / queries as f64),
        "mean_queue_len": round3(len_sum as f64 / queries as f64),
        "queue": summary(tq),
        "queue_len": summary(tl),
        "both": summary(tb),
    }))
}

async fn time_app_queue(app: &App, ctx: &Ctx, queries: usize) -> Result<serde_json::Value> {
    let mut v = Vec::new();
    let mut total = 0;
    for _ in 0..queries {
        let t = Instant::now();
        let (_rows, n) = cases::queue(app, ctx, 50).await?;
        v.push(ms(t.elapsed()));
        total = n;
    }
    Ok(
        json!({"what": "app cases::queue(reviewer.scjg, 50): departments + queue + queue_len + urgency",
              "queue_len": total, "lat": summary(v)}),
    )
}

async fn cmd_queue(a: &Args) -> Result<()> {
    let n = a.num("cases", 1_000_000);
    let every = a.num("open-every", 20);
    let queries = a.num("queries", 1000);
    let all_queries = a.num("all-queries", 30);
    let app_queries = a.num("app-queries", 200);
    let reps = a.num("reps", 3);
    let db_kind = a.get("db", "sqlite");
    let pg = db_kind == "pg";
    let env = open_env(&db_kind, true, 4).await?;
    let app = env.app.clone();
    // One real case through the app: a valid plan, applicant and counters.
    let acts = actors(&app).await?;
    let (plan, applicant, base, id_number) = {
        let mut c = app.db.conn().await?;
        let p = onewindow_storage::cases::active_plan(c.h(), "qykb")
            .await?
            .ok_or_else(|| anyhow!("no qykb"))?;
        let rows = onewindow_storage::cases::list_cases(
            c.h(),
            &onewindow_storage::cases::CaseFilter {
                newest_first: true,
                limit: 1,
                ..Default::default()
            },
        )
        .await?;
        let r = rows.first().ok_or_else(|| anyhow!("no case"))?;
        (p.id, r.applicant_id, r.id + 1000, r.id_number.clone())
    };
    let depts: Vec<i64> = {
        let mut c = app.db.conn().await?;
        onewindow_storage::org::list_departments(c.h(), None)
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect()
    };
    let spec = LoadSpec {
        n,
        every,
        base,
        plan,
        applicant,
        id_number: &id_number,
        today: app.today(),
        depts: &depts,
    };
    let (cases_sql, tasks_sql) = load_sql(&spec, pg);
    let t = Instant::now();
    if pg {
        exec_raw(&app.db, &cases_sql).await?;
        let tc = t.elapsed().as_secs_f64();
        exec_raw(&app.db, &tasks_sql).await?;
        let tt = t.elapsed().as_secs_f64() - tc;
        exec_raw(
            &app.db,
            "select setval(pg_get_serial_sequence('cases', 'id'), (select max(id) from cases))",
        )
        .await?;
        let t2 = Instant::now();
        exec_raw(&app.db, "vacuum analyze cases").await?;
        exec_raw(&app.db, "vacuum analyze case_tasks").await?;
        exec_raw(&app.db, "checkpoint").await?;
        println!(
            "{}",
            json!({"bench": "queue_load", "db": "pg", "cases": n, "tasks": 4 * n,
                   "load_cases_s": round3(tc), "load_tasks_s": round3(tt),
                   "vacuum_analyze_checkpoint_s": round3(t2.elapsed().as_secs_f64())})
        );
    } else {
        // One transaction on a dedicated connection with a large page cache.
        let sql = format!(
            "pragma cache_size = -1048576; begin immediate; {cases_sql}; {tasks_sql}; commit; pragma cache_size = -2000;"
        );
        exec_raw(&app.db, &sql).await?;
        let tl = t.elapsed().as_secs_f64();
        let t2 = Instant::now();
        exec_raw(&app.db, "pragma wal_checkpoint(truncate)").await?;
        println!(
            "{}",
            json!({"bench": "queue_load", "db": "sqlite", "cases": n, "tasks": 4 * n,
                   "load_s": round3(tl), "checkpoint_s": round3(t2.elapsed().as_secs_f64())})
        );
    }
    // Shape of what was loaded.
    {
        let mut c = app.db.conn().await?;
        let mut per = Vec::new();
        for d in &depts {
            per.push(onewindow_storage::cases::queue_len(c.h(), &[*d]).await?);
        }
        let all = onewindow_storage::cases::queue_len(c.h(), &depts).await?;
        println!(
            "{}",
            json!({"bench": "queue_shape", "db": db_kind, "departments": depts.len(),
                   "open_tasks_total": all, "open_tasks_per_department": per})
        );
    }
    let reviewer = auth::staff_ctx(&app, "reviewer.scjg").await?;
    let _ = acts;
    let variants: Vec<&str> = if pg {
        vec!["as_loaded"]
    } else {
        vec!["no_analyze", "after_analyze"]
    };
    for variant in variants {
        if variant == "after_analyze" {
            let t = Instant::now();
            exec_raw(&app.db, "analyze").await?;
            println!(
                "{}",
                json!({"bench": "sqlite_analyze", "s": round3(t.elapsed().as_secs_f64())})
            );
        }
        // Warm-up (page cache), then timed reps.
        time_queries(&app, &depts, 200, false, 1).await?;
        for rep in 0..reps {
            let one = time_queries(&app, &depts, queries, false, 42 + rep as u64).await?;
            let all = time_queries(&app, &depts, all_queries, true, 7).await?;
            let via_app = time_app_queue(&app, &reviewer, app_queries).await?;
            println!(
                "{}",
                json!({"bench": "queue", "db": db_kind, "variant": variant, "rep": rep + 1, "cases": n,
                       "one_department": one, "all_departments": all, "app_queue": via_app})
            );
        }
    }
    drop(app);
    env.close().await
}

/// The server binary's allocator (`crates/cli/src/main.rs`), so that the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let cmd = argv.first().cloned().unwrap_or_default();
    let args = Args::parse(argv.get(1..).unwrap_or(&[]));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        match cmd.as_str() {
            "lifecycle" => cmd_lifecycle(&args).await,
            "profile" => cmd_profile(&args).await,
            "fsync" => cmd_fsync(&args),
            "roundtrip" => cmd_roundtrip(&args).await,
            "queue" => cmd_queue(&args).await,
            _ => Err(anyhow!(
                "usage: bench_cases lifecycle|profile|fsync|queue [--key value]…"
            )),
        }
    })
}
