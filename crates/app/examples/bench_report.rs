//! Annual-report benchmark (results: `bench/report.md`).
//!
//! ```text
//! bench_report [--db sqlite|pg] [--rows 1000000] [--reps 5]
//! ```
//!
//! Loads `rows` disclosure requests (received uniformly over 2024–2025, 80 % answered within
//! 60 days with one of the 21 outcomes, spread over the demo's departments, 5 % without a
//! department) into a fresh database with the demo data, then times, warm, median of `reps`:
//!
//! * `report_build`: `reports::build` of the whole city (泉州市, every department) for 2025 —
//!   tables 二, 三, 四, fees, checks, narrative: what the report page and the CLI do;
//! * `table3_sql`: the table 三 aggregate alone (`storage::reports::table3_groups`);
//! * `raw_group`: the peer's query on this schema — counts by outcome × applicant type of the
//!   requests received in 2025 (`../shared/peers/sql`, `report_group`), the baseline.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use onewindow_app::{App, Ctx, Settings, demo, reports};
use onewindow_domain::disclosure::request::{ReplyOutcome, RequesterKind};
use onewindow_storage::{Db, DbOptions};

fn arg(args: &[String], k: &str, d: &str) -> String {
    args.iter()
        .position(|a| a == k)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| d.to_owned())
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

async fn exec(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(p) => onewindow_storage::raw::exec_sqlite(p, sql)
            .await
            .map(|_| ()),
        Db::Postgres(p) => onewindow_storage::raw::exec_pg(p, sql).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("{e}: {}", &sql[..sql.len().min(200)]));
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = arg(&args, "--rows", "1000000").parse()?;
    let reps: usize = arg(&args, "--reps", "5").parse()?;
    let backend = arg(&args, "--db", "sqlite");
    let dir = tempfile::Builder::new().prefix("ow-report-").tempdir()?;
    let opts = if backend == "pg" {
        let admin = Db::connect(&DbOptions::new(
            "postgres://postgres@127.0.0.1:5432/postgres",
        ))
        .await?;
        exec(&admin, "drop database if exists ow_bench_report").await;
        exec(&admin, "create database ow_bench_report").await;
        admin.close().await;
        DbOptions::new("postgres://postgres@127.0.0.1:5432/ow_bench_report")
    } else {
        DbOptions {
            sqlite_synchronous_full: false,
            ..DbOptions::sqlite_in(dir.path())
        }
    };
    let db = Db::connect(&opts).await?;
    db.migrate().await?;
    let settings = Settings {
        files_dir: dir.path().join("files"),
        ..Settings::default()
    };
    let app = App::new(db.clone(), settings).await?;
    demo::seed(&app).await?;
    let departments: Vec<i64> = onewindow_app::org::list_departments(&app, None)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();

    // Deterministic data (xorshift), bulk-loaded 1000 rows a statement, 50 statements a
    // transaction.
    let t0 = Instant::now();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let kinds = RequesterKind::ALL;
    let outcomes = ReplyOutcome::ALL;
    let mut batch = Vec::with_capacity(50);
    let mut n = 0;
    while n < rows {
        let mut values = Vec::with_capacity(1000);
        for _ in 0..1000.min(rows - n) {
            n += 1;
            let received = start + chrono::Duration::days((next() % 731) as i64);
            let k = match next() % 100 {
                0..70 => kinds[0],
                70..85 => kinds[1],
                r => kinds[2 + (r as usize % 4)],
            };
            let dept = if next() % 20 == 0 {
                "null".to_owned()
            } else {
                departments[(next() % departments.len() as u64) as usize].to_string()
            };
            let (replied, outcome) = if next() % 5 == 0 {
                ("null".to_owned(), "null".to_owned())
            } else {
                let d = received + chrono::Duration::days((next() % 60) as i64);
                let o = outcomes[(next() % outcomes.len() as u64) as usize];
                (format!("'{d}'"), format!("'{}'", o.as_str()))
            };
            values.push(format!(
                "('B{n:08}', {dept}, 'online', '{received}', '{}', '申请人', '35050219900101123X', '申请公开', \
                 'electronic', 'email', false, 'replied', '[]', {replied}, {outcome}, 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
                k.as_str()
            ));
        }
        batch.push(format!(
            "insert into disclosure_requests (request_no, department_id, channel, received_on, requester_kind, \
             applicant_name, id_number, description, info_form, obtain, accept_other_form, status, clock_events, \
             replied_on, outcome, version, created_at, updated_at) values {}",
            values.join(", ")
        ));
        if batch.len() == 50 || n >= rows {
            exec(&db, &format!("begin; {}; commit;", batch.join("; "))).await;
            batch.clear();
        }
    }
    exec(
        &db,
        if backend == "pg" {
            "vacuum analyze"
        } else {
            "analyze"
        },
    )
    .await;
    if backend != "pg" {
        exec(&db, "pragma wal_checkpoint(truncate)").await;
    }
    let load = t0.elapsed();

    let ctx = Ctx::operator();
    let city = reports::resolve_body(&app, "泉州市").await?;
    // Warm-up, and a check that the table balances.
    let r = reports::build(&app, &ctx, &city, 2025).await?;
    assert!(
        !r.findings.iter().any(|f| f.rule.starts_with("table3")),
        "{:?}",
        r.findings
    );
    let total_2025 = r.figures.table3[0][6];

    let mut build = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        let r = reports::build(&app, &ctx, &city, 2025).await?;
        build.push(t.elapsed());
        assert_eq!(r.figures.table3[0][6], total_2025);
    }
    let first = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let filter = onewindow_storage::reports::BodyFilter {
        departments: departments.clone(),
        include_unassigned: true,
        everything: true,
    };
    let mut t3 = Vec::new();
    for _ in 0..reps {
        let mut c = db.conn().await?;
        let t = Instant::now();
        onewindow_storage::reports::table3_groups(c.h(), first, last, &filter, false).await?;
        t3.push(t.elapsed());
    }
    let raw_sql = "select outcome, requester_kind, count(*) from disclosure_requests \
                   where received_on >= '2025-01-01' and received_on < '2026-01-01' group by 1, 2";
    let mut raw = Vec::new();
    for _ in 0..reps + 1 {
        let t = Instant::now();
        exec(&db, raw_sql).await;
        raw.push(t.elapsed());
    }
    raw.remove(0);
    let (b, s, g) = (median(build), median(t3), median(raw));
    println!(
        "{}",
        serde_json::json!({
            "backend": backend,
            "rows": rows,
            "received_2025": total_2025,
            "load_s": (load.as_secs_f64() * 10.0).round() / 10.0,
            "report_build_ms": (b * 10.0).round() / 10.0,
            "table3_sql_ms": (s * 10.0).round() / 10.0,
            "raw_group_ms": (g * 10.0).round() / 10.0,
            "build_over_raw": (b / g * 100.0).round() / 100.0,
            "reps": reps,
        })
    );
    db.close().await;
    Ok(())
}
