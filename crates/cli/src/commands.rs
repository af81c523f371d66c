//! What each subcommand does.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use onewindow_app::audit::Verification;
use onewindow_app::config::{Config, DEFAULT_CONFIG_TOML};
use onewindow_app::users::{GrantInput, GrantScopeInput, NewUser};
use onewindow_app::{App, AppError, Ctx, auth, demo, org, users};
use onewindow_domain::calendar::{WorkCalendar, YearData, parse_date};
use onewindow_domain::identity::ApplicantId;
use onewindow_domain::org::Role;
use onewindow_storage::{Db, DbOptions};
use onewindow_web::i18n::Lang;
use onewindow_web::{AppState, WebConfig};

use crate::{
    AuditCommand, CalendarCommand, Cli, Command, DemoCommand, IdCommand, PasswordArgs, UserCommand,
};
use crate::{
    CatalogCommand, DisclosureCommand, KeysCommand, LicenseCommand, ReportCommand, SearchCommand,
};

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut cfg = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(d) = &cli.data_dir {
        cfg.data_dir = d.clone();
    }
    if let Some(u) = &cli.database_url {
        cfg.database_url = Some(u.clone());
    }
    cfg.validate()?;
    Ok(cfg)
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&cfg.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if cfg.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Connect and migrate; one clear line on failure.
async fn open(cfg: &Config) -> anyhow::Result<App> {
    let url = cfg.effective_database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                cfg.data_dir.display()
            )
        })?;
    }
    let opts = DbOptions {
        max_connections: cfg.db_max_connections,
        sqlite_synchronous_full: cfg.sqlite_synchronous == "full",
        ..DbOptions::new(url)
    };
    let db = Db::connect(&opts).await.map_err(|e| anyhow!("{e}"))?;
    db.migrate().await.map_err(|e| anyhow!("{e}"))?;
    App::new(db, cfg.settings()).await.map_err(app_err)
}

/// Open the application with the on-disk search index of the data directory. Only one process
/// may hold it: a running server does.
async fn open_indexed(cfg: &Config) -> anyhow::Result<App> {
    let app = open(cfg).await?;
    let dir = cfg.data_dir.join("search");
    let index = onewindow_search::SearchIndex::open_or_create(&dir).map_err(|e| {
        anyhow!(
            "cannot open the search index in {}: {e} (a running server holds it; stop it first)",
            dir.display()
        )
    })?;
    let settings = app.settings.clone();
    App::with_index(app.db, settings, index)
        .await
        .map_err(app_err)
}

fn app_err(e: AppError) -> anyhow::Error {
    match e {
        AppError::Unexpected(inner) => inner,
        other => anyhow!("{}", other.message(false)),
    }
}

fn read_password(p: &PasswordArgs) -> anyhow::Result<(String, bool)> {
    if p.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        if pw.is_empty() {
            bail!("password: nothing was read from standard input");
        }
        return Ok((pw, false));
    }
    if let Some(pw) = &p.password {
        return Ok((pw.clone(), false));
    }
    let token = onewindow_storage::random_token(9).map_err(|e| anyhow!("{e}"))?;
    Ok((format!("Ow-{token}"), true))
}

fn parse_role_spec(spec: &str, home: Option<i64>) -> anyhow::Result<GrantInput> {
    let (role, scope) = match spec.split_once('@') {
        Some((r, s)) => (r, Some(s)),
        None => (spec, None),
    };
    let role: Role = role
        .parse()
        .map_err(|e: onewindow_domain::DomainError| anyhow!("--role: {}", e.message_en()))?;
    let scope = match scope {
        None if role.needs_department() => GrantScopeInput::Department {
            department: home.ok_or_else(|| {
                anyhow!("--role {spec}: this role needs a department; pass --department")
            })?,
        },
        None | Some("global") => GrantScopeInput::Global,
        Some("department") => GrantScopeInput::Department {
            department: home
                .ok_or_else(|| anyhow!("--role {spec}: @department needs --department"))?,
        },
        Some(s) => match s.strip_prefix("region:") {
            Some(code) => GrantScopeInput::Region {
                region: code.to_string(),
            },
            None => bail!("--role {spec}: scope must be global, department or region:CODE"),
        },
    };
    Ok(GrantInput { role, scope })
}

/// Run a command; `Ok(code)` carries the exit status of commands that report a verdict.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::DefaultConfig => {
            print!("{DEFAULT_CONFIG_TOML}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Id(IdCommand::Check { value }) => match ApplicantId::parse(value) {
            Ok(id) => {
                println!("{}\t{}", id.kind(), id.as_str());
                if let ApplicantId::Organisation(cc) = &id {
                    for w in cc.warnings() {
                        eprintln!("warning: {}", w.en());
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                println!("invalid: {} / {}", e.message_zh(), e.message_en());
                Ok(ExitCode::from(1))
            }
        },
        Command::Calendar(CalendarCommand::Import { file }) => {
            let cfg = load_config(&cli)?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let data = YearData::from_json(&text)
                .map_err(|e| anyhow!("{}: {}", file.display(), e.message_en()))?;
            let app = open(&cfg).await?;
            let (year, days) = (data.year, data.days.len());
            onewindow_app::calendar::set_year(&app, &Ctx::operator(), data)
                .await
                .map_err(app_err)?;
            println!("calendar year {year} loaded ({days} days off and make-up working days)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar(c) => {
            let cfg = load_config(&cli)?;
            let cal = calendar_for(&cfg).await?;
            match c {
                CalendarCommand::Add { date, n } => {
                    let d = parse_date("DATE", date).map_err(|e| anyhow!("{}", e.message_en()))?;
                    let due = cal
                        .add_working_days(d, *n)
                        .map_err(|e| anyhow!("{}", e.message_en()))?;
                    println!("{due}");
                }
                CalendarCommand::Import { .. } => {}
                CalendarCommand::IsWorking { date } => {
                    let d = parse_date("DATE", date).map_err(|e| anyhow!("{}", e.message_en()))?;
                    let w = cal
                        .is_working_day(d)
                        .map_err(|e| anyhow!("{}", e.message_en()))?;
                    println!("{}", if w { "working" } else { "off" });
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let cfg = load_config(&cli)?;
            init_logging(&cfg);
            let app = open(&cfg).await?;
            let names = Db::migration_names(app.db.backend());
            println!(
                "migrations applied ({} known): {}",
                names.len(),
                names.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(DemoCommand::Seed) => {
            let cfg = load_config(&cli)?;
            init_logging(&cfg);
            let app = open(&cfg).await?;
            let sum = demo::seed(&app).await.map_err(app_err)?;
            println!("demo data seeded ({} records created)", sum.created);
            print_accounts(&sum);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(&cli, args).await,
        Command::Audit(AuditCommand::Verify) => {
            let cfg = load_config(&cli)?;
            let app = open(&cfg).await?;
            match onewindow_app::audit::verify(&app).await.map_err(app_err)? {
                Verification::Intact(n) => {
                    println!("audit chain intact: {n} events verified");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken(b) => {
                    eprintln!("audit chain BROKEN at event #{}: {b}", b.seq());
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Catalog(c) => {
            let cfg = load_config(&cli)?;
            let app = open(&cfg).await?;
            catalog_command(&app, c).await
        }
        Command::Search(SearchCommand::Reindex) => {
            let cfg = load_config(&cli)?;
            let app = open_indexed(&cfg).await?;
            let bar = progress_bar(0, "service items");
            let n = onewindow_app::search::reindex_catalog(&app, |i, total| {
                bar.set_length(total as u64);
                bar.set_position(i as u64);
            })
            .await
            .map_err(app_err)?;
            bar.finish_and_clear();
            let bar = progress_bar(0, "disclosure items");
            let d = onewindow_app::items::reindex(&app, |i, total| {
                bar.set_length(total as u64);
                bar.set_position(i as u64);
            })
            .await
            .map_err(app_err)?;
            bar.finish_and_clear();
            println!(
                "search index rebuilt: {n} published service items, {d} published disclosure items"
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Annual {
            body,
            year,
            format,
            output,
        }) => {
            let cfg = load_config(&cli)?;
            let ext = match format.as_str() {
                "html" | "docx" | "pdf" | "xlsx" => format.as_str(),
                other => bail!("--format: “{other}” is not one of html, docx, pdf, xlsx"),
            };
            let app = open(&cfg).await?;
            let ctx = Ctx::operator();
            let b = onewindow_app::reports::resolve_body(&app, body)
                .await
                .map_err(|e| anyhow!("--body: {}", e.message(true)))?;
            let r = onewindow_app::reports::build(&app, &ctx, &b, *year)
                .await
                .map_err(|e| anyhow!("{}", e.message(true)))?;
            for f in &r.findings {
                eprintln!(
                    "{}: {} ({})",
                    if f.hard { "problem" } else { "warning" },
                    f.zh,
                    f.rule
                );
            }
            let doc = onewindow_app::reports::document(&app, &r);
            let bytes = match ext {
                "html" => onewindow_app::reports::html(&doc).into_bytes(),
                "docx" => onewindow_documents::report_docx(&doc).map_err(|e| anyhow!("{e}"))?,
                "xlsx" => onewindow_documents::report_xlsx(&doc).map_err(|e| anyhow!("{e}"))?,
                _ => {
                    let fonts = onewindow_app::reports::load_fonts()
                        .map_err(|e| anyhow!("{}", e.message(true)))?;
                    onewindow_documents::report_pdf(&doc, fonts).map_err(|e| anyhow!("{e}"))?
                }
            };
            match output {
                Some(path) => {
                    std::fs::write(path, &bytes)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    println!(
                        "{} ({} bytes, {})",
                        path.display(),
                        bytes.len(),
                        r.figures.format.zh()
                    );
                }
                None if ext == "html" => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
                None => {
                    let path = std::path::PathBuf::from(format!("annual-report-{year}.{ext}"));
                    std::fs::write(&path, &bytes)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    println!(
                        "{} ({} bytes, {})",
                        path.display(),
                        bytes.len(),
                        r.figures.format.zh()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(cmd) => {
            let cfg = load_config(&cli)?;
            let app = open(&cfg).await?;
            let ctx = Ctx::operator();
            let alg = |a: &Option<String>| -> anyhow::Result<onewindow_signing::Algorithm> {
                match a {
                    Some(a) => onewindow_signing::Algorithm::parse(a)
                        .map_err(|_| anyhow!("--alg: “{a}” is not SM2-SM3 or Ed25519")),
                    None => Ok(app.settings.signing_alg),
                }
            };
            let k = match cmd {
                KeysCommand::Generate { alg: a } => {
                    onewindow_app::licenses::generate_key(&app, &ctx, alg(a)?).await
                }
                KeysCommand::Rotate { alg: a } => {
                    onewindow_app::licenses::rotate_key(&app, &ctx, alg(a)?).await
                }
                KeysCommand::List { jwks: true } => {
                    let v = onewindow_app::licenses::jwks(&app).await.map_err(app_err)?;
                    println!("{}", serde_json::to_string_pretty(&v)?);
                    return Ok(ExitCode::SUCCESS);
                }
                KeysCommand::List { jwks: false } => {
                    for k in onewindow_app::licenses::list_keys(&app)
                        .await
                        .map_err(app_err)?
                    {
                        println!(
                            "{}\t{}\t{}\t{}",
                            k.kid,
                            k.alg,
                            k.status,
                            k.created_at.to_rfc3339()
                        );
                    }
                    return Ok(ExitCode::SUCCESS);
                }
            }
            .map_err(app_err)?;
            println!("{}\t{}\t{}", k.kid, k.alg, k.status);
            Ok(ExitCode::SUCCESS)
        }
        Command::License(LicenseCommand::List { holder }) => {
            let cfg = load_config(&cli)?;
            let app = open(&cfg).await?;
            let rows = onewindow_app::licenses::list(&app, holder.as_deref(), None, 10_000)
                .await
                .map_err(|e| anyhow!("--holder: {}", e.message(true)))?;
            for r in rows {
                println!("{}", r.identifier);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::License(LicenseCommand::Outbox) => {
            let cfg = load_config(&cli)?;
            let app = open(&cfg).await?;
            let (waiting, sent) = onewindow_app::licenses::outbox_counts(&app)
                .await
                .map_err(app_err)?;
            match &app.settings.upstream {
                Some(u) => println!("upstream: {}", u.url),
                None => println!("upstream: none configured (events wait until one is)"),
            }
            println!("waiting: {waiting}\tsent: {sent}");
            if let Some(h) = onewindow_app::licenses::outbox_head(&app)
                .await
                .map_err(app_err)?
            {
                println!(
                    "oldest waiting: {} (attempts {}, next attempt {}){}",
                    h.event_id,
                    h.attempts,
                    h.next_attempt_at.to_rfc3339(),
                    h.last_error
                        .as_deref()
                        .map(|e| format!("; last error: {e}"))
                        .unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::License(LicenseCommand::Export { identifier, output }) => {
            let cfg = load_config(&cli)?;
            let app = open(&cfg).await?;
            let row = onewindow_app::licenses::get(&app, identifier)
                .await
                .map_err(|e| match e {
                    onewindow_app::AppError::NotFound => {
                        anyhow!("IDENTIFIER: no licence {identifier} in this library")
                    }
                    e => anyhow!("IDENTIFIER: {}", e.message(true)),
                })?;
            let bytes = onewindow_app::licenses::export_of(&row)
                .and_then(|e| Ok(e.to_file_bytes()?))
                .map_err(app_err)?;
            let path = output
                .clone()
                .unwrap_or_else(|| std::path::PathBuf::from(format!("{}.json", row.identifier)));
            std::fs::write(&path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("{} ({} bytes)", path.display(), bytes.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::License(LicenseCommand::Verify { file, keys }) => {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let public = match keys {
                Some(k) => {
                    let text = std::fs::read_to_string(k)
                        .with_context(|| format!("--keys: cannot read {}", k.display()))?;
                    let v: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| anyhow!("--keys: not JSON: {e}"))?;
                    onewindow_app::licenses::keys_from_jwks(&v)
                        .map_err(|e| anyhow!("--keys: {e}"))?
                }
                None => {
                    let cfg = load_config(&cli)?;
                    let app = open(&cfg).await?;
                    onewindow_app::licenses::known_keys(&app)
                        .await
                        .map_err(app_err)?
                }
            };
            match onewindow_app::licenses::verify_file(&bytes, &public) {
                Ok(e) => {
                    let today = chrono::Utc::now().date_naive();
                    if e.data.expired_on(today) {
                        println!(
                            "INVALID: the signature is good but the licence expired on {}",
                            e.data.valid_to.map(|d| d.to_string()).unwrap_or_default()
                        );
                        return Ok(ExitCode::from(3));
                    }
                    println!(
                        "VALID: {} {} held by {} ({}), issued by {} on {}; signed with {} key {}",
                        e.data.name,
                        e.data.identifier,
                        e.data.holder_name,
                        e.data.holder_code,
                        e.data.issuer_name,
                        e.data.issued_on,
                        e.signature.alg,
                        e.signature.kid
                    );
                    println!(
                        "(offline check of the signature and dates; ask the issuing library for its current status)"
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(p) => {
                    println!("INVALID: {p}");
                    Ok(ExitCode::from(match p {
                        onewindow_app::licenses::FileProblem::Signature(_) => 1,
                        _ => 2,
                    }))
                }
            }
        }
        Command::Disclosure(DisclosureCommand::Import { file, operator }) => {
            let cfg = load_config(&cli)?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
            let docs = onewindow_app::items::parse_import(&text, today)
                .map_err(|e| anyhow!("{}: {}", file.display(), e.message(true)))?;
            let operator = operator
                .clone()
                .or_else(|| std::env::var("USER").ok())
                .or_else(|| std::env::var("LOGNAME").ok())
                .unwrap_or_else(|| "operator".to_string());
            let app = open(&cfg).await?;
            let bar = progress_bar(docs.len() as u64, "importing");
            let n =
                onewindow_app::items::import(&app, &Ctx::operator(), &operator, docs, |i, _| {
                    bar.set_position(i as u64)
                })
                .await
                .map_err(app_err)?;
            bar.finish_and_clear();
            println!("imported {n} documents (reviewer of the migration: {operator})");
            // Index them now if no server holds the index; else the server follows the change
            // feed and indexes them itself.
            drop(app);
            match open_indexed(&cfg).await {
                Ok(app) => {
                    let bar = progress_bar(0, "indexing");
                    let d = onewindow_app::items::reindex(&app, |i, total| {
                        bar.set_length(total as u64);
                        bar.set_position(i as u64);
                    })
                    .await
                    .map_err(app_err)?;
                    bar.finish_and_clear();
                    println!("search index updated: {d} published disclosure items");
                }
                Err(_) => println!("the running server indexes them within seconds"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User(u) => {
            let cfg = load_config(&cli)?;
            let app = open(&cfg).await?;
            user_command(&app, u).await
        }
    }
}

async fn calendar_for(cfg: &Config) -> anyhow::Result<Arc<WorkCalendar>> {
    // Use the installation's calendar (with admin-entered years) when a database exists;
    // otherwise the official years shipped with the program. Never create a database here.
    let url = cfg.effective_database_url();
    let exists = match url.strip_prefix("sqlite:") {
        Some(path) => std::path::Path::new(path).exists(),
        None => true,
    };
    if exists {
        let app = open(cfg).await?;
        Ok(app.calendar())
    } else {
        Ok(Arc::new(
            WorkCalendar::official().map_err(|e| anyhow!("{}", e.message_en()))?,
        ))
    }
}

async fn user_command(app: &App, cmd: &UserCommand) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::operator();
    match cmd {
        UserCommand::Add {
            username,
            display_name,
            department,
            roles,
            password,
        } => {
            let dept = match department {
                Some(d) => Some(
                    org::find_department(app, d)
                        .await
                        .map_err(|_| anyhow!("--department: no department “{d}”"))?
                        .id,
                ),
                None => None,
            };
            let grants = roles
                .iter()
                .map(|r| parse_role_spec(r, dept))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (pw, generated) = read_password(password)?;
            let v = users::create_user(
                app,
                &ctx,
                NewUser {
                    username: username.clone(),
                    display_name: display_name.clone(),
                    password: pw.clone(),
                    department_id: dept,
                    grants,
                },
            )
            .await
            .map_err(app_err)?;
            println!("created user {} (id {})", v.user.username, v.user.id);
            if generated {
                println!("password: {pw}");
            }
        }
        UserCommand::Passwd { username, password } => {
            let u = users::find_by_username(app, username)
                .await
                .map_err(|_| anyhow!("no user “{username}”"))?;
            let (pw, generated) = read_password(password)?;
            users::reset_password(app, &ctx, u.id, &pw)
                .await
                .map_err(app_err)?;
            println!("password of {} set", u.username);
            if generated {
                println!("password: {pw}");
            }
        }
        UserCommand::Disable { username } | UserCommand::Enable { username } => {
            let active = matches!(cmd, UserCommand::Enable { .. });
            let u = users::find_by_username(app, username)
                .await
                .map_err(|_| anyhow!("no user “{username}”"))?;
            users::set_active(app, &ctx, u.id, active)
                .await
                .map_err(app_err)?;
            println!(
                "user {} {}",
                u.username,
                if active { "enabled" } else { "disabled" }
            );
        }
        UserCommand::Token {
            username,
            name,
            days,
        } => {
            let u = users::find_by_username(app, username)
                .await
                .map_err(|_| anyhow!("no user “{username}”"))?;
            let t = auth::create_api_token(app, &ctx, u.id, name, *days)
                .await
                .map_err(app_err)?;
            println!("{}", t.secret);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_accounts(sum: &demo::DemoSummary) {
    println!("demo logins (password for all: {}):", demo::DEMO_PASSWORD);
    for (u, name, roles) in &sum.accounts {
        let roles: Vec<&str> = roles.iter().map(|r| r.zh()).collect();
        println!("  {u:<16} {name:<6} {}", roles.join("、"));
    }
}

async fn serve(cli: &Cli, args: &crate::ServeArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = load_config(cli)?;
    if let Some(l) = &args.listen {
        cfg.listen = l.clone();
        cfg.validate()?;
    }
    init_logging(&cfg);
    let app = open_indexed(&cfg).await?;
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    // Every completed case signs its e-licence: make sure there is a key to sign with.
    onewindow_app::licenses::ensure_signing_key(&app)
        .await
        .map_err(app_err)?;
    if args.demo {
        let sum = demo::seed(&app).await.map_err(app_err)?;
        println!(
            "demo data ready ({} records created this time)",
            sum.created
        );
        print_accounts(&sum);
    }
    let web = WebConfig {
        default_lang: Lang::parse(&cfg.default_language).unwrap_or_default(),
        cookie_secure: cfg.cookie_secure,
        site_name: Arc::from(cfg.site_name.as_str()),
        public_url: cfg.effective_public_url(),
    };
    println!(
        "OneWindow is running: open {}/ (staff login: {}/login); press Ctrl-C to stop",
        web.public_url, web.public_url
    );
    let indexed = onewindow_app::search::reindex_catalog(&app, |_, _| {})
        .await
        .map_err(app_err)?;
    tracing::info!(items = indexed, "search index built");
    let caught_up = onewindow_app::items::catch_up(&app)
        .await
        .map_err(app_err)?;
    tracing::info!(changes = caught_up, "disclosure search index up to date");
    let app = Arc::new(app);
    // Scheduled disclosure items go live when their time comes; changes made by other nodes
    // (or by `onewindow disclosure import`) reach this node's index and page caches.
    let publisher = Arc::clone(&app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = onewindow_app::items::release_due(&publisher).await {
                tracing::warn!(error = ?e, "publishing scheduled disclosure items failed");
            }
            if let Err(e) = onewindow_app::items::follow_changes(&publisher).await {
                tracing::warn!(error = ?e, "following the disclosure change feed failed");
            }
        }
    });
    // Keep this node's search index in step with changes made by other nodes sharing the
    // database (the change feed); a no-op when this node is the only writer.
    let follower = Arc::clone(&app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = onewindow_app::search::follow_changes(&follower).await {
                tracing::warn!(error = ?e, "following the catalog change feed failed");
            }
        }
    });
    // Disclosure requests whose applicant let the 补正 or payment period lapse are closed
    // (条例 art. 30; fee rules) once an hour, with their letters.
    let sweeper = Arc::clone(&app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let ctx = onewindow_app::Ctx::operator();
            match onewindow_app::requests::close_lapsed(&sweeper, &ctx).await {
                Ok(closed) if !closed.is_empty() => {
                    tracing::info!(requests = ?closed, "closed lapsed disclosure requests")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "closing lapsed disclosure requests failed"),
            }
        }
    });
    // E-licences: push new licences and status changes to the upstream library (when one is
    // configured), and mark licences past their validity as 失效.
    tokio::spawn(onewindow_app::licenses::run_pusher(
        Arc::clone(&app),
        std::time::Duration::from_secs(2),
    ));
    let expirer = Arc::clone(&app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match onewindow_app::licenses::expire_due(&expirer).await {
                Ok(n) if n > 0 => {
                    tracing::info!(licences = n, "licences past their validity expired")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "expiring licences failed"),
            }
        }
    });
    let state = AppState::new(app, web);
    onewindow_web::serve(listener, state)
        .await
        .context("server error")?;
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

async fn catalog_command(app: &App, cmd: &CatalogCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CatalogCommand::Import { file, publish } => {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let is_xlsx = file
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
            let guides = if is_xlsx {
                match onewindow_documents::read_catalog_xlsx(&bytes) {
                    Ok(g) => g,
                    Err(problems) => {
                        for p in &problems {
                            eprintln!(
                                "{}: sheet {} row {} field {}: {}",
                                file.display(),
                                p.sheet,
                                p.row,
                                p.field,
                                p.en
                            );
                        }
                        bail!(
                            "{}: {} problem(s); nothing was imported",
                            file.display(),
                            problems.len()
                        );
                    }
                }
            } else {
                serde_json::from_slice::<Vec<onewindow_domain::catalog::ServiceGuide>>(&bytes)
                    .map_err(|e| {
                        anyhow!(
                            "{}: line {} column {}: {e}; nothing was imported",
                            file.display(),
                            e.line(),
                            e.column()
                        )
                    })?
            };
            let bar = progress_bar(guides.len() as u64, "importing");
            let r = onewindow_app::catalog::import(app, &Ctx::operator(), guides, *publish, |i| {
                bar.set_position(i as u64)
            })
            .await;
            bar.finish_and_clear();
            match r {
                Ok(rep) => {
                    println!(
                        "imported: {} new, {} updated, {} unchanged ({})",
                        rep.created,
                        rep.updated,
                        rep.unchanged,
                        if *publish {
                            "published"
                        } else {
                            "as drafts for review"
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(AppError::Invalid(problems)) => {
                    for p in &problems {
                        // items[i] is 0-based; people count rows from 1.
                        eprintln!("{}: {}: {}", file.display(), p.field, p.en);
                    }
                    bail!(
                        "{}: {} problem(s); nothing was imported",
                        file.display(),
                        problems.len()
                    )
                }
                Err(e) => Err(app_err(e)),
            }
        }
        CatalogCommand::Export { format, output } => {
            let guides = onewindow_app::catalog::export(app).await.map_err(app_err)?;
            let bytes = match format.as_str() {
                "json" => {
                    let mut s = serde_json::to_string_pretty(&guides)?;
                    s.push('\n');
                    s.into_bytes()
                }
                "xlsx" => onewindow_documents::catalog_xlsx(&guides).map_err(|e| anyhow!("{e}"))?,
                other => bail!("--format: {other:?} is not json or xlsx"),
            };
            match output {
                Some(path) => {
                    std::fs::write(path, &bytes)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "exported {} published items to {}",
                        guides.len(),
                        path.display()
                    );
                }
                None if format == "xlsx" => bail!("-o FILE is required for xlsx"),
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
