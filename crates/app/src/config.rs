//! Configuration: built-in defaults → TOML file → `ONEWINDOW_*` environment → command-line flags.
//!
//! One typed [`Config`], built once by the binary and passed down; never global. Unknown keys in
//! the file and unknown `ONEWINDOW_*` variables are errors (a typo must not be silently ignored).
//! Loading never writes files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole configuration. Every key is documented in [`DEFAULT_CONFIG_TOML`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the embedded database, search index and stored files live.
    pub data_dir: PathBuf,
    /// Unset: SQLite file `onewindow.db` in the data dir; `postgres://…` for PostgreSQL.
    pub database_url: Option<String>,
    /// Address the web server listens on.
    pub listen: String,
    /// Public base URL printed at start-up and used in links (default derived from `listen`).
    pub public_url: Option<String>,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Log filter (tracing `EnvFilter` syntax); `RUST_LOG` overrides it.
    pub log_level: String,
    /// Database pool size.
    pub db_max_connections: u32,
    /// SQLite durability: `full` (default; a commit is on disk before it returns) or `normal`.
    pub sqlite_synchronous: String,
    /// Absolute lifetime of a staff login session, in hours.
    pub session_hours: i64,
    /// Failed logins in a row before an account is locked.
    pub lockout_threshold: i64,
    /// Minutes an account stays locked.
    pub lockout_minutes: i64,
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub cookie_secure: bool,
    /// Default UI language: `zh-CN` or `en`.
    pub default_language: String,
    /// Name of the service center shown in page headers.
    pub site_name: String,
    /// Pattern of disclosure index numbers (索引号): `{body}`, `{column}`, `{year}`, `{serial}`.
    pub disclosure_index_format: String,
    /// Index code of the centre itself in index numbers (departments use their credit code).
    pub disclosure_body_code: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            log_format: "text".into(),
            log_level: "info".into(),
            db_max_connections: 16,
            sqlite_synchronous: "full".into(),
            session_hours: 8,
            lockout_threshold: 5,
            lockout_minutes: 15,
            cookie_secure: false,
            default_language: "zh-CN".into(),
            site_name: "泉州市行政服务中心".into(),
            disclosure_index_format: "{body}-{column}-{year}-{serial}".into(),
            disclosure_body_code: "QZ00100".into(),
        }
    }
}

/// The commented default configuration printed by `onewindow default-config`.
pub const DEFAULT_CONFIG_TOML: &str = r#"# OneWindow configuration. Every key is optional; shown here with its default.
# Order of precedence: built-in defaults < this file (--config FILE or ONEWINDOW_CONFIG)
#   < environment variables ONEWINDOW_<KEY IN CAPITALS> < command-line flags.

# Where the embedded database, search index and stored files live (ONEWINDOW_DATA_DIR, --data-dir).
data_dir = "./data"

# Database. Unset: the SQLite file onewindow.db inside data_dir.
# PostgreSQL: database_url = "postgres://user:password@127.0.0.1:5432/onewindow"
# database_url = "sqlite:./data/onewindow.db"

# Address the web server listens on (ONEWINDOW_LISTEN, --listen).
listen = "127.0.0.1:8080"

# Public base URL for links and the start-up message; derived from `listen` when unset.
# public_url = "https://zwfw.example.gov.cn"

# Logs: "text" or "json"; level uses tracing's EnvFilter syntax (RUST_LOG overrides).
log_format = "text"
log_level = "info"

# Database pool size.
db_max_connections = 16

# SQLite durability: "full" (a commit is on disk before it returns) or "normal" (faster; the
# newest commits can be lost on power failure, the database is never corrupted).
sqlite_synchronous = "full"

# Staff sessions and login protection.
session_hours = 8
lockout_threshold = 5
lockout_minutes = 15

# Mark cookies Secure; set to true when the site is served over HTTPS.
cookie_secure = false

# Default UI language: "zh-CN" or "en" (users can switch on every page).
default_language = "zh-CN"

# Name of the service center shown in page headers.
site_name = "泉州市行政服务中心"

# Index numbers (索引号) of disclosure items: {body} = the publishing body's code (the centre's
# code below; a department's unified social credit code), {column} = four-digit column code,
# {year}, {serial} = five digits, sequential per body and year. Provincial rules differ.
disclosure_index_format = "{body}-{column}-{year}-{serial}"
disclosure_body_code = "QZ00100"
"#;

/// A configuration problem, naming the source and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file or a variable does not parse, or a key is unknown or mistyped.
    #[error("invalid configuration ({origin}): {message}")]
    Invalid {
        /// File path or variable name.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Load: defaults, then `file` (if given), then `ONEWINDOW_*` variables from `env`.
    /// `ONEWINDOW_CONFIG` names the file and is not itself a key.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let defaults =
            toml::Table::try_from(Config::default()).map_err(|e| ConfigError::Invalid {
                origin: "defaults".into(),
                message: e.to_string(),
            })?;
        let mut table = defaults.clone();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let from_file: toml::Table =
                toml::from_str(&text).map_err(|e| ConfigError::Invalid {
                    origin: path.display().to_string(),
                    message: e.to_string(),
                })?;
            for (k, v) in from_file {
                table.insert(k, v);
            }
            // Check unknown keys and types now, naming the file.
            Self::from_table(table.clone(), &path.display().to_string())?;
        }
        let mut vars: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("ONEWINDOW_") && k != "ONEWINDOW_CONFIG")
            .collect();
        vars.sort();
        for (name, value) in vars {
            let key = name["ONEWINDOW_".len()..].to_ascii_lowercase();
            let v = match defaults.get(&key) {
                Some(toml::Value::Integer(_)) => {
                    toml::Value::Integer(value.trim().parse().map_err(|_| {
                        ConfigError::Invalid {
                            origin: name.clone(),
                            message: format!("expected a whole number, got {value:?}"),
                        }
                    })?)
                }
                Some(toml::Value::Boolean(_)) => {
                    toml::Value::Boolean(match value.trim().to_ascii_lowercase().as_str() {
                        "1" | "true" | "yes" | "on" => true,
                        "0" | "false" | "no" | "off" => false,
                        _ => {
                            return Err(ConfigError::Invalid {
                                origin: name.clone(),
                                message: format!("expected true or false, got {value:?}"),
                            });
                        }
                    })
                }
                _ => toml::Value::String(value),
            };
            table.insert(key, v);
            Self::from_table(table.clone(), &name)?;
        }
        let cfg = Self::from_table(table, "configuration")?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn from_table(table: toml::Table, origin: &str) -> Result<Config, ConfigError> {
        Config::deserialize(toml::Value::Table(table)).map_err(|e| ConfigError::Invalid {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }

    /// Check values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| ConfigError::Invalid {
            origin: key.to_string(),
            message,
        };
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(bad(
                "listen",
                format!("{:?} is not ADDRESS:PORT", self.listen),
            ));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(bad("log_format", "must be \"text\" or \"json\"".into()));
        }
        if !matches!(self.sqlite_synchronous.as_str(), "full" | "normal") {
            return Err(bad(
                "sqlite_synchronous",
                "must be \"full\" or \"normal\"".into(),
            ));
        }
        if !matches!(self.default_language.as_str(), "zh-CN" | "en") {
            return Err(bad(
                "default_language",
                "must be \"zh-CN\" or \"en\"".into(),
            ));
        }
        if let Err(e) =
            onewindow_domain::disclosure::item::IndexFormat::parse(&self.disclosure_index_format)
        {
            return Err(bad("disclosure_index_format", e.message_en()));
        }
        if self.disclosure_body_code.trim().is_empty() || self.disclosure_body_code.len() > 40 {
            return Err(bad(
                "disclosure_body_code",
                "must be 1 to 40 characters".into(),
            ));
        }
        if self.session_hours < 1 || self.lockout_threshold < 1 || self.lockout_minutes < 1 {
            return Err(bad(
                "session_hours/lockout_threshold/lockout_minutes",
                "must be at least 1".into(),
            ));
        }
        if self.db_max_connections == 0 {
            return Err(bad("db_max_connections", "must be at least 1".into()));
        }
        if let Some(u) = &self.database_url
            && !(u.starts_with("sqlite:")
                || u.starts_with("postgres://")
                || u.starts_with("postgresql://"))
        {
            return Err(bad(
                "database_url",
                "must start with sqlite:, postgres:// or postgresql://".into(),
            ));
        }
        Ok(())
    }

    /// The database URL in effect.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite:{}", self.data_dir.join("onewindow.db").display()),
        }
    }

    /// The public base URL in effect.
    pub fn effective_public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let host = self.listen.replace("0.0.0.0", "127.0.0.1");
                format!("http://{host}")
            }
        }
    }

    /// Use-case tunables from this configuration.
    pub fn settings(&self) -> crate::Settings {
        crate::Settings {
            session_hours: self.session_hours,
            lockout_threshold: self.lockout_threshold,
            lockout_minutes: self.lockout_minutes,
            files_dir: self.data_dir.join("files"),
            index_format: onewindow_domain::disclosure::item::IndexFormat::parse(
                &self.disclosure_index_format,
            )
            .unwrap_or_default(),
            index_body_code: self.disclosure_body_code.trim().to_string(),
            ..crate::Settings::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn printed_default_config_is_the_default() {
        let t: toml::Table = toml::from_str(DEFAULT_CONFIG_TOML).unwrap();
        let c = Config::deserialize(toml::Value::Table(t)).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:9000\"\nsession_hours = 4\n").unwrap();
        let c = Config::load(
            Some(&f),
            env(&[
                ("ONEWINDOW_SESSION_HOURS", "2"),
                ("ONEWINDOW_DATA_DIR", "/srv/ow"),
                ("ONEWINDOW_CONFIG", "ignored"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000");
        assert_eq!(c.session_hours, 2);
        assert_eq!(c.data_dir, PathBuf::from("/srv/ow"));
        assert_eq!(
            c.effective_database_url(),
            "sqlite:/srv/ow/onewindow.db".to_string()
        );
    }

    #[test]
    fn unknown_and_mistyped_settings_are_named() {
        let e = Config::load(None, env(&[("ONEWINDOW_LISTN", "x")])).unwrap_err();
        assert!(e.to_string().contains("ONEWINDOW_LISTN"), "{e}");
        let e = Config::load(None, env(&[("ONEWINDOW_SESSION_HOURS", "eight")])).unwrap_err();
        assert!(e.to_string().contains("ONEWINDOW_SESSION_HOURS"), "{e}");
        let e = Config::load(None, env(&[("ONEWINDOW_LISTEN", "nowhere")])).unwrap_err();
        assert!(e.to_string().contains("listen"), "{e}");
        let e = Config::load(None, env(&[("ONEWINDOW_DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(e.to_string().contains("database_url"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "lisen = 1\n").unwrap();
        let e = Config::load(Some(&f), env(&[])).unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
    }
}
