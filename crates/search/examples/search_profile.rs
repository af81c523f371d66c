//! Where a search's time goes, query by query, on an existing on-disk index.
//!
//! ```sh
//! cargo run --release -p onewindow-search --example search_profile -- \
//!     DATA_DIR/search QUERIES.txt [PASSES] [KIND]
//! ```
//!
//! Opens a *copy* of a server's index directory (the index takes tantivy's writer lock, so
//! not the directory of a running server), runs every query of the list (one per line)
//! `PASSES` times (default 3, after one warm-up pass) at `limit` 0 (count only), 1 and 20, and
//! prints, per query, the median of each, the hit count, and at the end the percentiles of
//! each column. The difference between the `limit=20` and the `limit=1` column is the cost of
//! fetching and highlighting 19 more hits.

use std::path::PathBuf;
use std::time::Instant;

use onewindow_search::{SearchIndex, SearchQuery};

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = (sorted.len() - 1) as f64 * p / 100.0;
    let f = k.floor() as usize;
    let c = (f + 1).min(sorted.len() - 1);
    sorted[f] + (sorted[c] - sorted[f]) * (k - f as f64)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    pct(&xs, 50.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(queries)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: search_profile INDEX_DIR QUERIES.txt [PASSES] [KIND]");
        std::process::exit(2);
    };
    let passes: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(3);
    let kind = args
        .get(4)
        .cloned()
        .unwrap_or_else(|| "disclosure".to_owned());
    let index = SearchIndex::open_or_create(&PathBuf::from(dir))?;
    let queries: Vec<String> = std::fs::read_to_string(queries)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let limits = [0usize, 1, 20];
    let run = |q: &str, limit: usize| -> Result<(f64, usize), Box<dyn std::error::Error>> {
        let mut query = SearchQuery::new(kind.clone(), q);
        query.limit = limit;
        let t = Instant::now();
        let r = index.search(&query)?;
        Ok((t.elapsed().as_secs_f64() * 1e3, r.total))
    };
    for q in &queries {
        for limit in limits {
            run(q, limit)?;
        }
    }
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); limits.len()];
    let mut rows = Vec::new();
    for q in &queries {
        let mut total = 0;
        let mut meds = Vec::new();
        for (i, limit) in limits.iter().enumerate() {
            let mut xs = Vec::new();
            for _ in 0..passes {
                let (ms, t) = run(q, *limit)?;
                xs.push(ms);
                total = t;
            }
            let m = median(xs);
            cols[i].push(m);
            meds.push(m);
        }
        rows.push((q.clone(), total, meds));
    }
    rows.sort_by(|a, b| b.2[2].total_cmp(&a.2[2]));
    println!("query\ttotal\tcount_ms\tlimit1_ms\tlimit20_ms");
    for (q, total, m) in &rows {
        println!("{q}\t{total}\t{:.2}\t{:.2}\t{:.2}", m[0], m[1], m[2]);
    }
    for (i, limit) in limits.iter().enumerate() {
        let mut xs = cols[i].clone();
        xs.sort_by(f64::total_cmp);
        let mean = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
        println!(
            "limit={limit}: p50 {:.2} p90 {:.2} p99 {:.2} max {:.2} mean {:.2} ms",
            pct(&xs, 50.0),
            pct(&xs, 90.0),
            pct(&xs, 99.0),
            xs.last().copied().unwrap_or(0.0),
            mean
        );
    }
    Ok(())
}
