//! The operators' contract: subcommand names, output and exit codes of `onewindow`.

// Tests fail loudly: unwrap/expect/panic are the point here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output, Stdio};

fn ow(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onewindow"))
        .args(args)
        .current_dir(dir)
        .env_remove("ONEWINDOW_DATABASE_URL")
        .env_remove("ONEWINDOW_DATA_DIR")
        .env_remove("ONEWINDOW_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run onewindow")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_lists_every_subcommand() {
    let d = tempfile::tempdir().unwrap();
    let o = ow(d.path(), &["--help"]);
    assert!(o.status.success());
    for s in [
        "serve",
        "migrate",
        "demo",
        "default-config",
        "user",
        "audit",
        "id",
        "calendar",
        "catalog",
        "search",
        "disclosure",
        "report",
        "keys",
        "license",
    ] {
        assert!(stdout(&o).contains(s), "{s} missing from --help");
    }
    for sub in [
        &["user", "--help"][..],
        &["calendar", "--help"],
        &["audit", "verify", "--help"],
        &["serve", "--help"],
        &["disclosure", "import", "--help"],
        &["report", "annual", "--help"],
        &["search", "reindex", "--help"],
    ] {
        assert!(ow(d.path(), sub).status.success(), "{sub:?}");
    }
}

#[test]
fn id_check_prints_kind_and_normalised_value() {
    let d = tempfile::tempdir().unwrap();
    let o = ow(d.path(), &["id", "check", "110105491231002"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).trim(), "resident-id\t11010519491231002X");
    let o = ow(d.path(), &["id", "check", "9144030071526726xg"]);
    assert_eq!(stdout(&o).trim(), "credit-code\t9144030071526726XG");
    let o = ow(d.path(), &["id", "check", "91100000100003962A"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("校验码错误"), "{}", stdout(&o));
    assert!(
        !d.path().join("data").exists(),
        "id check must not create a database"
    );
}

#[test]
fn calendar_commands() {
    let d = tempfile::tempdir().unwrap();
    let o = ow(d.path(), &["calendar", "add", "2026-02-10", "20"]);
    assert_eq!(stdout(&o).trim(), "2026-03-16");
    let o = ow(d.path(), &["calendar", "add", "2025-09-26", "0"]);
    assert_eq!(stdout(&o).trim(), "2025-09-26");
    let o = ow(d.path(), &["calendar", "is-working", "2026-02-14"]);
    assert_eq!(stdout(&o).trim(), "working");
    let o = ow(d.path(), &["calendar", "is-working", "2026-10-05"]);
    assert_eq!(stdout(&o).trim(), "off");
    let o = ow(d.path(), &["calendar", "add", "2027-06-01", "3"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("2027"), "{}", stderr(&o));
    let o = ow(d.path(), &["calendar", "add", "2026-13-01", "3"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("DATE"),
        "names the argument: {}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1, "one clear line");
}

#[test]
fn default_config_round_trips_and_bad_config_is_named() {
    let d = tempfile::tempdir().unwrap();
    let o = ow(d.path(), &["default-config"]);
    assert!(o.status.success());
    let f = d.path().join("ow.toml");
    std::fs::write(&f, stdout(&o)).unwrap();
    let o = ow(
        d.path(),
        &[
            "--config",
            f.to_str().unwrap(),
            "calendar",
            "is-working",
            "2026-01-04",
        ],
    );
    assert_eq!(stdout(&o).trim(), "working");
    std::fs::write(&f, "listen = 8080\n").unwrap();
    let o = ow(d.path(), &["--config", f.to_str().unwrap(), "migrate"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("listen"), "{}", stderr(&o));
}

#[test]
fn unreachable_database_is_one_clear_line() {
    let d = tempfile::tempdir().unwrap();
    let o = ow(
        d.path(),
        &[
            "--database-url",
            "postgres://ow:pw@127.0.0.1:1/ow",
            "migrate",
        ],
    );
    assert!(!o.status.success());
    let e = stderr(&o);
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(
        e.contains("cannot connect to PostgreSQL") && !e.contains(":pw@"),
        "{e}"
    );
    let o = ow(d.path(), &["--database-url", "mysql://x", "migrate"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("database_url"), "{}", stderr(&o));
}

#[test]
fn users_demo_and_audit_verify() {
    let d = tempfile::tempdir().unwrap();
    let dd = d.path().join("store");
    let dds = dd.to_str().unwrap();
    assert!(
        ow(d.path(), &["--data-dir", dds, "migrate"])
            .status
            .success()
    );
    let o = ow(d.path(), &["--data-dir", dds, "demo", "seed"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("admin"));
    let again = ow(d.path(), &["--data-dir", dds, "demo", "seed"]);
    assert!(
        stdout(&again).contains("0 records created"),
        "idempotent: {}",
        stdout(&again)
    );

    let o = ow(
        d.path(),
        &[
            "--data-dir",
            dds,
            "user",
            "add",
            "wang.wu",
            "--name",
            "王五",
            "--department",
            "市场监管",
            "--role",
            "dept_reviewer",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("password: Ow-"),
        "a generated password is printed once"
    );
    let o = ow(
        d.path(),
        &[
            "--data-dir",
            dds,
            "user",
            "add",
            "wang.wu",
            "--name",
            "重复",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("已存在"), "{}", stderr(&o));
    let o = ow(
        d.path(),
        &[
            "--data-dir",
            dds,
            "user",
            "add",
            "x1",
            "--name",
            "X",
            "--role",
            "root",
        ],
    );
    assert!(stderr(&o).contains("--role"), "{}", stderr(&o));

    let mut child = Command::new(env!("CARGO_BIN_EXE_onewindow"))
        .args([
            "--data-dir",
            dds,
            "user",
            "passwd",
            "wang.wu",
            "--password-stdin",
        ])
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Wangwu-2026-pass\n")
        .unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    assert!(
        ow(d.path(), &["--data-dir", dds, "user", "disable", "wang.wu"])
            .status
            .success()
    );
    let o = ow(
        d.path(),
        &[
            "--data-dir",
            dds,
            "user",
            "token",
            "admin",
            "--name",
            "kiosk",
        ],
    );
    assert!(stdout(&o).trim().starts_with("owt_"));

    let o = ow(d.path(), &["--data-dir", dds, "audit", "verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("intact"));
}

#[test]
fn audit_verify_names_an_altered_or_deleted_row() {
    let d = tempfile::tempdir().unwrap();
    let dd = d.path().join("store");
    let dds = dd.to_str().unwrap();
    assert!(
        ow(d.path(), &["--data-dir", dds, "demo", "seed"])
            .status
            .success()
    );
    let url = format!("sqlite:{}", dd.join("onewindow.db").display());
    let tamper = |sql: &'static str| {
        let url = url.clone();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                let db = onewindow_storage::Db::connect(&onewindow_storage::DbOptions::new(url))
                    .await
                    .unwrap();
                let onewindow_storage::Db::Sqlite(p) = &db else {
                    panic!()
                };
                onewindow_storage::raw::exec_sqlite(p, sql).await.unwrap();
                db.close().await;
            });
    };
    tamper("update audit_events set actor = 'mallory' where seq = 12");
    let o = ow(d.path(), &["--data-dir", dds, "audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("#12"), "{}", stderr(&o));
    tamper("delete from audit_events where seq = 5");
    let o = ow(d.path(), &["--data-dir", dds, "audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("#5") && stderr(&o).contains("deleted"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn calendar_import_adds_a_year() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("2027.json");
    std::fs::write(
        &f,
        r#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#,
    )
    .unwrap();
    let o = ow(d.path(), &["calendar", "is-working", "2027-01-01"]);
    assert!(!o.status.success(), "no data for 2027 yet");
    let o = ow(d.path(), &["calendar", "import", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ow(d.path(), &["calendar", "is-working", "2027-01-01"]);
    assert_eq!(stdout(&o).trim(), "off");
    std::fs::write(
        &f,
        r#"{"year": 2027, "days": [{"name": "元旦", "date": "2026-02-30", "isOffDay": true}]}"#,
    )
    .unwrap();
    let o = ow(d.path(), &["calendar", "import", f.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("2027.json"),
        "names the file: {}",
        stderr(&o)
    );
}

#[test]
fn catalog_export_import_round_trip_and_atomic_bad_row() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a");
    let b = d.path().join("b");
    for dir in [&a, &b] {
        assert!(
            ow(
                d.path(),
                &["--data-dir", dir.to_str().unwrap(), "demo", "seed"]
            )
            .status
            .success()
        );
    }
    let a_s = a.to_str().unwrap();
    let json1 = d.path().join("one.json");
    let o = ow(
        d.path(),
        &[
            "--data-dir",
            a_s,
            "catalog",
            "export",
            "-o",
            json1.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let xlsx = d.path().join("one.xlsx");
    let o = ow(
        d.path(),
        &[
            "--data-dir",
            a_s,
            "catalog",
            "export",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // Import the XLSX elsewhere: identical content, so nothing changes; export is byte-identical.
    let b_s = b.to_str().unwrap();
    let o = ow(
        d.path(),
        &[
            "--data-dir",
            b_s,
            "catalog",
            "import",
            xlsx.to_str().unwrap(),
            "--publish",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 new, 0 updated"), "{}", stdout(&o));
    let json2 = d.path().join("two.json");
    assert!(
        ow(
            d.path(),
            &[
                "--data-dir",
                b_s,
                "catalog",
                "export",
                "-o",
                json2.to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    assert_eq!(
        std::fs::read(&json1).unwrap(),
        std::fs::read(&json2).unwrap()
    );

    // One bad row: nothing is imported, the row and field are named.
    let mut items: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&json1).unwrap()).unwrap();
    for it in items.iter_mut() {
        it["hours"] = serde_json::json!("工作日 9:00-17:00");
    }
    items[3]["online_depth"] = serde_json::json!(7);
    let bad = d.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&items).unwrap()).unwrap();
    let o = ow(
        d.path(),
        &[
            "--data-dir",
            b_s,
            "catalog",
            "import",
            bad.to_str().unwrap(),
            "--publish",
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("items[3].online_depth"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was imported"));
    let json3 = d.path().join("three.json");
    assert!(
        ow(
            d.path(),
            &[
                "--data-dir",
                b_s,
                "catalog",
                "export",
                "-o",
                json3.to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    assert_eq!(
        std::fs::read(&json1).unwrap(),
        std::fs::read(&json3).unwrap(),
        "nothing changed"
    );
    let o = ow(d.path(), &["--data-dir", b_s, "search", "reindex"]);
    assert!(
        stdout(&o).contains("search index rebuilt"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn disclosure_import_is_atomic_names_the_bad_line_and_reindexes() {
    let d = tempfile::tempdir().unwrap();
    let good = |i: u32| {
        format!(
            r#"{{"title": "关于清源山景区通办事项的通知{i}", "doc_number": "市政发〔2024〕{i}号", "issuing_body": "市人民政府", "pub_date": "2024-0{i}-01", "category": "政策文件", "body_text": "正文第{i}段\n第二段", "paragraphs": ["ignored"]}}"#
        )
    };
    let bad = format!("{}\n{}\n{{\"title\": \"缺字段\"}}\n", good(1), good(2));
    std::fs::write(d.path().join("bad.jsonl"), bad).unwrap();
    let o = ow(
        d.path(),
        &["disclosure", "import", "bad.jsonl", "--operator", "张三"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("line 3"), "{}", stderr(&o));
    std::fs::write(
        d.path().join("good.jsonl"),
        format!("{}\n{}\n", good(1), good(2)),
    )
    .unwrap();
    let o = ow(
        d.path(),
        &["disclosure", "import", "good.jsonl", "--operator", "张三"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("imported 2 documents"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("张三"));
    // Nothing of the bad file was stored: exactly two items in the index.
    let o = ow(d.path(), &["search", "reindex"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 published disclosure items"),
        "{}",
        stdout(&o)
    );
    let o = ow(d.path(), &["audit", "verify"]);
    assert!(o.status.success());
}

#[test]
fn annual_report_command_writes_every_format() {
    let d = tempfile::tempdir().unwrap();
    assert!(ow(d.path(), &["demo", "seed"]).status.success());
    // The seed's 2018 report: the 附表 and the narrative mismatch on standard error.
    let o = ow(
        d.path(),
        &[
            "report",
            "annual",
            "--body",
            "泉州市行政服务中心管委会",
            "--year",
            "2018",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = stdout(&o);
    assert!(html.contains("2018年政府信息公开工作年度报告"));
    assert!(html.contains("14949"));
    assert!(stderr(&o).contains("1786"), "{}", stderr(&o));
    for fmt in ["docx", "xlsx", "html"] {
        let out = format!("r.{fmt}");
        let o = ow(
            d.path(),
            &[
                "report",
                "annual",
                "--body",
                "泉州市",
                "--year",
                "2025",
                "--format",
                fmt,
                "-o",
                &out,
            ],
        );
        assert!(o.status.success(), "{fmt}: {}", stderr(&o));
        let bytes = std::fs::read(d.path().join(&out)).unwrap();
        assert!(bytes.len() > 1000, "{fmt}");
    }
    let o = ow(
        d.path(),
        &[
            "report",
            "annual",
            "--body",
            "泉州市",
            "--year",
            "2025",
            "--format",
            "odt",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--format"));
    let o = ow(
        d.path(),
        &["report", "annual", "--body", "火星市", "--year", "2025"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--body"), "{}", stderr(&o));
}

#[test]
fn keys_and_licence_export_verify_offline() {
    let d = tempfile::tempdir().unwrap();
    // The demo generates the first key and issues a licence to its first company.
    assert!(ow(d.path(), &["demo", "seed"]).status.success());
    let o = ow(d.path(), &["keys", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let keys = stdout(&o);
    assert_eq!(keys.lines().count(), 1, "{keys}");
    assert!(keys.contains("SM2-SM3\tactive"), "{keys}");
    // A second `generate` is refused: rotate instead.
    let o = ow(d.path(), &["keys", "generate"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("rotate"), "{}", stderr(&o));
    let o = ow(d.path(), &["keys", "generate", "--alg", "RSA"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--alg"), "{}", stderr(&o));
    // Licences, one identifier a line; the holder filter validates its argument.
    let o = ow(d.path(), &["license", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ids: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert!(!ids.is_empty());
    assert!(
        ids.iter().all(|i| i.starts_with("1.2.156.3005.2.")),
        "{ids:?}"
    );
    let o = ow(d.path(), &["license", "list", "--holder", "123"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--holder"), "{}", stderr(&o));
    // The sharing queue: no upstream configured, the demo's licences wait.
    let o = ow(d.path(), &["license", "outbox"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("upstream: none"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("oldest waiting: 1.2.156.3005.2."),
        "{}",
        stdout(&o)
    );
    // Export, verify: exit 0.
    let o = ow(d.path(), &["license", "export", &ids[0], "-o", "lic.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ow(d.path(), &["license", "verify", "lic.json"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("VALID"), "{}", stdout(&o));
    // One changed byte inside the signed data: non-zero, naming the signature.
    let text = std::fs::read_to_string(d.path().join("lic.json")).unwrap();
    let forged = text.replacen("泉州市晨光贸易有限公司", "泉州市晨光贸易有限公同", 1);
    assert_ne!(forged, text);
    std::fs::write(d.path().join("forged.json"), forged).unwrap();
    let o = ow(d.path(), &["license", "verify", "forged.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("signature"), "{}", stdout(&o));
    // A changed byte in the layout: non-zero, naming the alteration.
    let spaced = text.replacen("\n", " \n", 1);
    std::fs::write(d.path().join("spaced.json"), spaced).unwrap();
    let o = ow(d.path(), &["license", "verify", "spaced.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("altered"), "{}", stdout(&o));
    // Rotation: the new key is active, the old one retired, and the old licence still verifies
    // offline with only the published keys (from a file, without the database).
    let o = ow(d.path(), &["keys", "rotate", "--alg", "ed25519"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ow(d.path(), &["keys", "list"]);
    let listed = stdout(&o);
    assert!(listed.contains("SM2-SM3\tretired"), "{listed}");
    assert!(listed.contains("Ed25519\tactive"), "{listed}");
    // The published key set, as /.well-known/onewindow-keys.json serves it, saved to a file.
    let keyfile = d.path().join("keys.json");
    let index = std::fs::read_to_string(d.path().join("data/keys/index.json")).unwrap();
    assert!(
        !index.contains("secret"),
        "the index holds public keys only"
    );
    let key_files: Vec<_> = std::fs::read_dir(d.path().join("data/keys"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "key"))
        .collect();
    assert_eq!(key_files.len(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in &key_files {
            let mode = f.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{:?}", f.path());
        }
    }
    let o = ow(d.path(), &["license", "export", &ids[0], "-o", "lic2.json"]);
    assert!(o.status.success());
    let o = ow(d.path(), &["keys", "list", "--jwks"]);
    assert!(o.status.success());
    std::fs::write(&keyfile, stdout(&o)).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let o = ow(
        empty.path(),
        &[
            "license",
            "verify",
            d.path().join("lic2.json").to_str().unwrap(),
            "--keys",
            keyfile.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        !empty.path().join("data").exists(),
        "offline verification opened no database"
    );
    std::fs::write(&keyfile, "{\"keys\": []}").unwrap();
    let o = ow(
        empty.path(),
        &[
            "license",
            "verify",
            d.path().join("lic2.json").to_str().unwrap(),
            "--keys",
            keyfile.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("unknown signing key"), "{}", stdout(&o));
}
