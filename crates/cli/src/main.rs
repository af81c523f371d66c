//! `onewindow`: the one binary of the platform. Subcommand names and behaviour follow the
//! operators' contract (docs/ARCHITECTURE.md, "CLI"): exit status 0 on success, non-zero with one
//! clear line on standard error otherwise.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// 一窗通办 OneWindow — platform of a municipal administrative service center.
#[derive(Parser, Debug)]
#[command(name = "onewindow", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). Also ONEWINDOW_CONFIG.
    #[arg(long, global = true, env = "ONEWINDOW_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (embedded database, search index, files). Also ONEWINDOW_DATA_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://… Also ONEWINDOW_DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the platform (web pages and JSON API).
    Serve(ServeArgs),
    /// Apply database migrations.
    Migrate,
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Print a commented default configuration.
    DefaultConfig,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Identifiers.
    #[command(subcommand)]
    Id(IdCommand),
    /// The working-day calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The service catalog (事项库).
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The full-text search index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Government information disclosure (政府信息公开).
    #[command(subcommand)]
    Disclosure(DisclosureCommand),
    /// Statutory reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Signing keys for e-licences (private halves stay in DATA_DIR/keys).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The e-licence library (电子证照库).
    #[command(subcommand)]
    License(LicenseCommand),
}

/// `keys` subcommands.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Generate the first signing key (refused when one is active: rotate instead).
    Generate {
        /// `SM2-SM3` (default from the configuration) or `Ed25519`.
        #[arg(long)]
        alg: Option<String>,
    },
    /// Replace the active key with a new one; the old key is retired and still verifies.
    Rotate {
        /// `SM2-SM3` (default from the configuration) or `Ed25519`.
        #[arg(long)]
        alg: Option<String>,
    },
    /// List this library's keys: key id, algorithm, status, created.
    List {
        /// Print the published key set instead (the JSON served at
        /// /.well-known/onewindow-keys.json), for offline verifiers.
        #[arg(long)]
        jwks: bool,
    },
}

/// `license` subcommands.
#[derive(Subcommand, Debug)]
pub enum LicenseCommand {
    /// Print licence identifiers, one a line, newest first.
    List {
        /// Only this holder's (resident ID or unified social credit code).
        #[arg(long)]
        holder: Option<String>,
    },
    /// Write one e-licence (data + signature + key id) to a file.
    Export {
        /// The licence identifier (证照标识).
        identifier: String,
        /// Output file (default: IDENTIFIER.json).
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
    /// The upward-sharing queue: events waiting and sent, and what holds the oldest one back.
    Outbox,
    /// Verify an exported e-licence offline: exit 0 if valid, non-zero naming what failed.
    Verify {
        /// The exported file.
        file: std::path::PathBuf,
        /// Public keys (the JSON of /.well-known/onewindow-keys.json); default: this library's
        /// published keys.
        #[arg(long)]
        keys: Option<std::path::PathBuf>,
    },
}

/// `report` subcommands.
#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// The statutory annual report on government information disclosure (政府信息公开工作年度报告)
    /// of a body for a year. The format follows the year: the 2021 national format from 2021,
    /// the 2019 trial format for 2019–2020, the free-form 统计附表 before 2019. Consistency
    /// problems are printed to standard error.
    Annual {
        /// The body: a department's credit code, id, or exact Chinese name; or a region's code
        /// or name (the region and everything in it).
        #[arg(long)]
        body: String,
        /// The year reported on.
        #[arg(long)]
        year: i32,
        /// html (default), docx, pdf or xlsx.
        #[arg(long, default_value = "html")]
        format: String,
        /// Output file (default: standard output for html; annual-report-YEAR.EXT otherwise).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}

/// `disclosure` subcommands.
#[derive(Subcommand, Debug)]
pub enum DisclosureCommand {
    /// Migrate documents already published on an old website: JSON Lines, one object a line
    /// with title, doc_number, issuing_body, pub_date (YYYY-MM-DD), category, body_text (other
    /// fields ignored). Atomic: a bad line stops the import before anything is stored and is
    /// named. The items are published as of their date, with the operator recorded as the
    /// reviewer of the migration.
    Import {
        /// The .jsonl file.
        file: PathBuf,
        /// Who reviewed the migration (default: the login name).
        #[arg(long)]
        operator: Option<String>,
    },
}

/// `catalog` subcommands.
#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Import service guides from a JSON array or an XLSX workbook (by extension). Atomic: if
    /// any row has a problem, nothing is stored and every problem is listed (row and field).
    Import {
        /// The file (.json or .xlsx).
        file: PathBuf,
        /// Publish the imported content at once, recording the operator as its reviewer
        /// (migration); without it, new content becomes drafts for review.
        #[arg(long)]
        publish: bool,
    },
    /// Export the published catalog.
    Export {
        /// json (default) or xlsx.
        #[arg(long, default_value = "json")]
        format: String,
        /// Output file (default: standard output for JSON).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}

/// `search` subcommands.
#[derive(Subcommand, Debug)]
pub enum SearchCommand {
    /// Rebuild the search index from the database.
    Reindex,
}

/// `serve` options.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Seed the demo data (idempotently) and print the demo logins.
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on. Also ONEWINDOW_LISTEN.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
}

/// `demo` subcommands.
#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Seed the demo data without serving (idempotent).
    Seed,
}

/// How to supply a password.
#[derive(Args, Debug)]
pub struct PasswordArgs {
    /// Read the password from standard input (first line).
    #[arg(long, conflicts_with = "password")]
    pub password_stdin: bool,
    /// The password (visible in the process list; prefer --password-stdin). A random one is
    /// generated and printed when neither is given.
    #[arg(long)]
    pub password: Option<String>,
}

/// `user` subcommands.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a staff account.
    Add {
        /// Login name (a–z, 0–9, . _ -).
        username: String,
        /// Display name.
        #[arg(long = "name")]
        display_name: String,
        /// Home department: id, exact name or short name.
        #[arg(long)]
        department: Option<String>,
        /// Role grant, repeatable: ROLE, ROLE@global, ROLE@region:CODE or ROLE@department
        /// (the home department). Roles: system_admin, catalog_manager, intake_clerk,
        /// dept_reviewer, dept_lead, disclosure_officer, publishing_reviewer, analyst.
        #[arg(long = "role")]
        roles: Vec<String>,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Set a staff account's password (clears any lockout, closes its sessions).
    Passwd {
        /// Login name.
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Disable a staff account (closes its sessions at once).
    Disable {
        /// Login name.
        username: String,
    },
    /// Re-enable a disabled staff account.
    Enable {
        /// Login name.
        username: String,
    },
    /// Issue an API token acting as the account; the token is printed once.
    Token {
        /// Login name.
        username: String,
        /// Label of the token.
        #[arg(long)]
        name: String,
        /// Validity in days (default: no expiry).
        #[arg(long)]
        days: Option<i64>,
    },
}

/// `audit` subcommands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, otherwise exit 1 naming the first broken event.
    Verify,
}

/// `id` subcommands.
#[derive(Subcommand, Debug)]
pub enum IdCommand {
    /// Validate a resident ID number or unified social credit code: prints the kind
    /// (`resident-id` or `credit-code`) and the normalised value; exit 1 with the reason if
    /// invalid.
    Check {
        /// The number.
        value: String,
    },
}

/// `calendar` subcommands.
#[derive(Subcommand, Debug)]
pub enum CalendarCommand {
    /// Print the date N working days after DATE (DATE itself not counted).
    Add {
        /// Start date, YYYY-MM-DD.
        date: String,
        /// Number of working days.
        n: u32,
    },
    /// Print `working` or `off` for a date.
    IsWorking {
        /// Date, YYYY-MM-DD.
        date: String,
    },
    /// Load a year's official holiday arrangement (holiday-cn JSON: {"year", "days": [{"name",
    /// "date", "isOffDay"}]}) into the installation's calendar, adding or replacing that year.
    Import {
        /// The JSON file.
        file: std::path::PathBuf,
    },
}

/// mimalloc instead of glibc's malloc. Request handling allocates many small, short-lived objects
/// on several threads; in the case-lifecycle benchmark glibc's allocator took about 16 % of the
/// CPU (`_int_malloc`, `_int_free`, `malloc_consolidate` …), and mimalloc raised the throughput by
/// 11–14 % (bench/cases.md, session 9).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
