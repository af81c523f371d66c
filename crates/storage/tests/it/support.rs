//! Run a story on every available back end. (The storage crate cannot use the testkit — the
//! testkit depends on it — so this is the storage-level twin of `TestDb::all`.)

use std::future::Future;

use onewindow_storage::{Db, DbOptions};

pub async fn each_backend<F, Fut>(story: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    // SQLite: a file in a temporary directory (WAL, several connections: like production).
    let dir = tempfile::tempdir().unwrap();
    let mut o = DbOptions::sqlite_in(dir.path());
    o.max_connections = 8;
    let db = Db::connect(&o).await.unwrap();
    db.migrate().await.unwrap();
    story(db.clone()).await;
    db.close().await;

    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        None => {
            // Written to the handle directly: the test harness does not capture it.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: PostgreSQL leg skipped: TEST_DATABASE_URL is not set (bash .ci/run sets it)"
            );
        }
        Some(url) => {
            let schema = format!(
                "ow_store_{}",
                std::process::id() as u64 * 1000 + rand_u16() as u64
            );
            let admin = Db::connect(&DbOptions {
                max_connections: 1,
                ..DbOptions::new(url.clone())
            })
            .await
            .expect("TEST_DATABASE_URL is set but PostgreSQL does not answer");
            let Db::Postgres(ap) = &admin else {
                panic!("not postgres")
            };
            onewindow_storage::raw::exec_pg(ap, &format!("create schema {schema}"))
                .await
                .unwrap();
            let db = Db::connect(&DbOptions {
                max_connections: 8,
                pg_schema: Some(schema.clone()),
                ..DbOptions::new(url)
            })
            .await
            .unwrap();
            db.migrate().await.unwrap();
            story(db.clone()).await;
            db.close().await;
            onewindow_storage::raw::exec_pg(ap, &format!("drop schema {schema} cascade"))
                .await
                .unwrap();
            admin.close().await;
        }
    }
}

fn rand_u16() -> u16 {
    let mut b = [0u8; 2];
    getrandom::fill(&mut b).unwrap();
    u16::from_le_bytes(b)
}
