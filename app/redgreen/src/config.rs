//! Configuration: read once at the edge from the environment and an optional `redgreen.toml`,
//! validated into [`Config`]. Nothing else in redgreen reads the environment.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use redgreen_sandbox::HostIdentity;
use secrecy::{ExposeSecret, SecretString};

/// Every configuration key, as named in PRODUCT.md. The same names are accepted as keys of
/// `redgreen.toml` (either as written here or in lower case without the prefix).
const KEYS: [&str; 21] = [
    "REDGREEN_LISTEN",
    "REDGREEN_DATA_DIR",
    "REDGREEN_DATABASE_URL",
    "REDGREEN_WEBHOOK_SECRET",
    "REDGREEN_GITHUB_API_URL",
    "REDGREEN_GITHUB_APP_ID",
    "REDGREEN_GITHUB_PRIVATE_KEY",
    "REDGREEN_BOT_NAME",
    "REDGREEN_LLM_PROVIDER",
    "REDGREEN_LLM_BASE_URL",
    "REDGREEN_LLM_API_KEY",
    "REDGREEN_LLM_MODEL",
    "REDGREEN_API_TOKEN",
    "REDGREEN_WORKERS",
    "REDGREEN_TRIGGER_ALLOWED_BOTS",
    "REDGREEN_SANDBOX_READONLY_PATHS",
    "REDGREEN_SANDBOX_USER",
    "REDGREEN_SANDBOX_DISK_MB",
    "REDGREEN_TASK_LEASE_SECS",
    "REDGREEN_OSV_DIR",
    "REDGREEN_MAX_ATTEMPTS",
];

/// Each run's disk quota when `REDGREEN_SANDBOX_DISK_MB` is not set: room for a checkout and
/// a virtualenv or a build directory, far from filling a host.
pub const DEFAULT_SANDBOX_DISK_MB: u64 = 2048;

/// The sandbox settings shared by `serve`, `run` and `sandbox run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxSettings {
    /// The unprivileged host user the sandbox's user is (a root redgreen only; `None`: the
    /// sandbox's user is redgreen's own, unprivileged, user).
    pub identity: Option<HostIdentity>,
    /// Each run's disk quota in MiB (`REDGREEN_SANDBOX_DISK_MB`); 0 for none.
    pub disk_mb: u64,
}

/// Variables of the process that are not redgreen's own keys (no `redgreen.toml` spelling):
/// the home directory (where toolchains are found), the OpenTelemetry collector, the log
/// filter. Read here with the rest, so that no other code reads the environment.
const PROCESS_KEYS: [&str; 3] = ["HOME", "OTEL_EXPORTER_OTLP_ENDPOINT", "RUST_LOG"];

/// Which model API redgreen speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmProvider {
    /// OpenAI Chat Completions, or any compatible server (vLLM, Ollama, llama.cpp, ...).
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
}

impl LlmProvider {
    /// The provider's public endpoint, in the official SDKs' convention.
    fn default_base_url(self) -> &'static str {
        match self {
            LlmProvider::OpenAi => "https://api.openai.com/v1",
            LlmProvider::Anthropic => "https://api.anthropic.com",
        }
    }
}

/// The validated configuration of one redgreen process.
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub webhook_secret: Option<SecretString>,
    pub github_api_url: String,
    pub github_app_id: Option<String>,
    /// The PEM text (read from the file when the variable names a path).
    pub github_private_key: Option<SecretString>,
    pub bot_name: String,
    pub llm_provider: LlmProvider,
    pub llm_base_url: String,
    pub llm_api_key: Option<SecretString>,
    pub llm_model: Option<String>,
    pub api_token: Option<SecretString>,
    pub workers: usize,
    /// Bots allowed to trigger commands (`REDGREEN_TRIGGER_ALLOWED_BOTS`, comma-separated
    /// logins such as `dependabot[bot]`); every other bot is ignored. redgreen's own account
    /// is refused here: it never triggers anything.
    pub trigger_allowed_bots: Vec<String>,
    /// Host paths the sandbox exposes read-only besides the system paths and the detected
    /// toolchains (`REDGREEN_SANDBOX_READONLY_PATHS`, colon-separated absolute paths).
    pub sandbox_readonly_paths: Vec<PathBuf>,
    /// The settings `redgreen sandbox run` shares with the server: who the sandbox's user is
    /// on the host and how much disk a run may fill.
    pub sandbox: SandboxSettings,
    /// How long a task's lease lasts without a heartbeat (`REDGREEN_TASK_LEASE_SECS`): how
    /// long the task of a crashed process waits before another process takes it over.
    pub task_lease: std::time::Duration,
    /// A local directory of OSV records (`REDGREEN_OSV_DIR`) that SBOMs are matched against
    /// for known vulnerabilities; none is bundled, and without one no vulnerability is
    /// reported.
    pub osv_dir: Option<PathBuf>,
    /// How many times a phase whose verification failed goes back to the model before the
    /// run parks for a person (`REDGREEN_MAX_ATTEMPTS`, 1 to 10).
    pub max_attempts: u32,
    /// `HOME`: where per-user toolchains (rustup, pyenv) are looked for, to expose them
    /// read-only in the sandbox.
    pub home: Option<PathBuf>,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: traces are exported over OTLP/HTTP when it is set (the
    /// exporter reads the standard `OTEL_EXPORTER_OTLP_*` variables for the details).
    pub otlp_endpoint: Option<String>,
    /// `RUST_LOG`: the log filter (`tracing_subscriber`'s `EnvFilter` syntax); `info` when
    /// unset.
    pub log_filter: String,
}

/// Secrets are shown only as present or absent, and URLs without their userinfo.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set =
            |secret: &Option<SecretString>| if secret.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database", &self.database_backend())
            .field("webhook_secret", &set(&self.webhook_secret))
            .field("github_api_url", &redact_url(&self.github_api_url))
            .field("github_app_id", &self.github_app_id)
            .field("github_private_key", &set(&self.github_private_key))
            .field("bot_name", &self.bot_name)
            .field("llm_provider", &self.llm_provider)
            .field("llm_base_url", &redact_url(&self.llm_base_url))
            .field("llm_api_key", &set(&self.llm_api_key))
            .field("llm_model", &self.llm_model)
            .field("api_token", &set(&self.api_token))
            .field("workers", &self.workers)
            .field("trigger_allowed_bots", &self.trigger_allowed_bots)
            .field("sandbox_readonly_paths", &self.sandbox_readonly_paths)
            .field("sandbox", &self.sandbox)
            .field("task_lease", &self.task_lease)
            .field("osv_dir", &self.osv_dir)
            .field("max_attempts", &self.max_attempts)
            .field("home", &self.home)
            .field(
                "otlp_endpoint",
                &self.otlp_endpoint.as_deref().map(redact_url),
            )
            .field("log_filter", &self.log_filter)
            .finish()
    }
}

/// A configuration redgreen refuses to start with. Messages name the key and never include
/// a secret's value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    FileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    FileInvalid { path: PathBuf, message: String },
    #[error("config file {path}: unknown key {key:?}")]
    UnknownKey { path: PathBuf, key: String },
    #[error("config file {path}: key {key:?} must be a string, number or boolean")]
    NotAScalar { path: PathBuf, key: String },
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// Raw values by key, from the file and then the environment (the environment wins).
#[derive(Debug, Default)]
pub struct Sources {
    values: HashMap<&'static str, String>,
}

impl Sources {
    /// Reads the process environment, after `file` (an explicit `--config`, else
    /// `./redgreen.toml` when it exists). The only place redgreen reads its environment.
    pub fn from_process(file: Option<&Path>) -> Result<Sources, ConfigError> {
        let default_file = Path::new("redgreen.toml");
        let file = match file {
            Some(path) => Some(path),
            None => default_file.exists().then_some(default_file),
        };
        let mut sources = match file {
            Some(path) => Sources::from_toml_file(path)?,
            None => Sources::default(),
        };
        let env: HashMap<String, String> = std::env::vars().collect();
        sources.overlay_env(&env);
        Ok(sources)
    }

    /// Parses a `redgreen.toml`.
    pub fn from_toml_file(path: &Path) -> Result<Sources, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::FileUnreadable {
            path: path.to_owned(),
            source,
        })?;
        Sources::from_toml(path, &text)
    }

    fn from_toml(path: &Path, text: &str) -> Result<Sources, ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::FileInvalid {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?;
        let mut values = HashMap::new();
        for (key, value) in table {
            let canonical = KEYS
                .into_iter()
                .find(|k| {
                    k.eq_ignore_ascii_case(&key)
                        || k.trim_start_matches("REDGREEN_").eq_ignore_ascii_case(&key)
                })
                .ok_or_else(|| ConfigError::UnknownKey {
                    path: path.to_owned(),
                    key: key.clone(),
                })?;
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => {
                    return Err(ConfigError::NotAScalar {
                        path: path.to_owned(),
                        key,
                    });
                }
            };
            values.insert(canonical, text);
        }
        Ok(Sources { values })
    }

    /// Sets every known key present in `env` (the environment overrides the file). The LLM
    /// key also falls back to the providers' usual variables.
    pub fn overlay_env(&mut self, env: &HashMap<String, String>) {
        for key in KEYS.into_iter().chain(PROCESS_KEYS) {
            if let Some(value) = env.get(key) {
                self.values.insert(key, value.clone());
            }
        }
        if !self.values.contains_key("REDGREEN_LLM_API_KEY") {
            let provider_key = match self.get("REDGREEN_LLM_PROVIDER") {
                Some("anthropic") => "ANTHROPIC_API_KEY",
                _ => "OPENAI_API_KEY",
            };
            if let Some(value) = env.get(provider_key) {
                self.values.insert("REDGREEN_LLM_API_KEY", value.clone());
            }
        }
    }

    /// `HOME`, for the toolchains the sandbox exposes. `redgreen sandbox run` reads this too.
    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from)
    }

    fn get(&self, key: &'static str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|value| !value.trim().is_empty())
    }

    fn secret(&self, key: &'static str) -> Option<SecretString> {
        self.get(key)
            .map(|value| SecretString::from(value.to_owned()))
    }

    /// Validates the values into a [`Config`].
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let listen = self
            .get("REDGREEN_LISTEN")
            .unwrap_or("127.0.0.1:3000")
            .parse::<SocketAddr>()
            .map_err(|e| ConfigError::Invalid {
                key: "REDGREEN_LISTEN",
                message: format!("not a socket address like 127.0.0.1:3000 ({e})"),
            })?;
        let data_dir = PathBuf::from(self.get("REDGREEN_DATA_DIR").unwrap_or("./redgreen-data"));
        let database_url = match self.get("REDGREEN_DATABASE_URL") {
            Some(url) => validate_database_url(url)?,
            None => format!("sqlite://{}", data_dir.join("redgreen.db").display()),
        };
        let llm_provider = match self.get("REDGREEN_LLM_PROVIDER").unwrap_or("openai") {
            "openai" => LlmProvider::OpenAi,
            "anthropic" => LlmProvider::Anthropic,
            other => {
                return Err(ConfigError::Invalid {
                    key: "REDGREEN_LLM_PROVIDER",
                    message: format!("{other:?} is not one of openai, anthropic"),
                });
            }
        };
        let github_api_url = validate_http_url(
            "REDGREEN_GITHUB_API_URL",
            self.get("REDGREEN_GITHUB_API_URL")
                .unwrap_or("https://api.github.com"),
        )?;
        let llm_base_url = validate_http_url(
            "REDGREEN_LLM_BASE_URL",
            self.get("REDGREEN_LLM_BASE_URL")
                .unwrap_or(llm_provider.default_base_url()),
        )?;
        let bot_name = self
            .get("REDGREEN_BOT_NAME")
            .unwrap_or("redgreen")
            .to_owned();
        if !bot_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ConfigError::Invalid {
                key: "REDGREEN_BOT_NAME",
                message: "must be a GitHub handle without the @ (letters, digits, - and _)".into(),
            });
        }
        let workers = self.number_in("REDGREEN_WORKERS", 1..=256, 2, "")?;
        let trigger_allowed_bots: Vec<String> = self
            .get("REDGREEN_TRIGGER_ALLOWED_BOTS")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|login| !login.is_empty())
            .map(str::to_owned)
            .collect();
        let own = format!("{bot_name}[bot]");
        if let Some(login) = trigger_allowed_bots
            .iter()
            .find(|login| login.eq_ignore_ascii_case(&own))
        {
            return Err(ConfigError::Invalid {
                key: "REDGREEN_TRIGGER_ALLOWED_BOTS",
                message: format!("{login:?} is redgreen's own account, which never triggers work"),
            });
        }
        if let Some(login) = trigger_allowed_bots.iter().find(|login| {
            !login
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_[]".contains(c))
        }) {
            return Err(ConfigError::Invalid {
                key: "REDGREEN_TRIGGER_ALLOWED_BOTS",
                message: format!("{login:?} is not a GitHub login like dependabot[bot]"),
            });
        }
        // Under two seconds a heartbeat (a quarter of the lease) races ordinary pauses; over
        // an hour a crashed process's work waits longer than anyone would.
        let task_lease_secs =
            self.number_in("REDGREEN_TASK_LEASE_SECS", 2..=3600, 60, "of seconds ")?;
        let osv_dir = match self.get("REDGREEN_OSV_DIR") {
            None => None,
            Some(text) => {
                let path = PathBuf::from(text);
                if !path.is_absolute() || !path.is_dir() {
                    return Err(ConfigError::Invalid {
                        key: "REDGREEN_OSV_DIR",
                        message: format!(
                            "{} is not an absolute path to a directory",
                            path.display()
                        ),
                    });
                }
                Some(path)
            }
        };
        let max_attempts = self.number_in(
            "REDGREEN_MAX_ATTEMPTS",
            1..=10,
            redgreen_core::machine::DEFAULT_MAX_ATTEMPTS,
            "of attempts ",
        )?;
        let github_private_key = match self.get("REDGREEN_GITHUB_PRIVATE_KEY") {
            None => None,
            Some(value) => Some(load_private_key(value)?),
        };
        Ok(Config {
            listen,
            data_dir,
            database_url,
            webhook_secret: self.secret("REDGREEN_WEBHOOK_SECRET"),
            github_api_url,
            github_app_id: self.get("REDGREEN_GITHUB_APP_ID").map(str::to_owned),
            github_private_key,
            bot_name,
            llm_provider,
            llm_base_url,
            llm_api_key: self.secret("REDGREEN_LLM_API_KEY"),
            llm_model: self.get("REDGREEN_LLM_MODEL").map(str::to_owned),
            api_token: self.secret("REDGREEN_API_TOKEN"),
            workers,
            trigger_allowed_bots,
            sandbox_readonly_paths: self.sandbox_readonly_paths()?,
            sandbox: self.sandbox_settings()?,
            task_lease: std::time::Duration::from_secs(task_lease_secs),
            osv_dir,
            max_attempts,
            home: self.home(),
            otlp_endpoint: self.get("OTEL_EXPORTER_OTLP_ENDPOINT").map(str::to_owned),
            log_filter: self.get("RUST_LOG").unwrap_or("info").to_owned(),
        })
    }

    /// A whole number within `range`, or `default` when the key is not set; `what` names the
    /// unit in the error ("of seconds ").
    fn number_in<T>(
        &self,
        key: &'static str,
        range: std::ops::RangeInclusive<T>,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError>
    where
        T: std::str::FromStr + PartialOrd + fmt::Display,
    {
        let Some(text) = self.get(key) else {
            return Ok(default);
        };
        text.parse::<T>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| ConfigError::Invalid {
                key,
                message: format!(
                    "{text:?} is not a number {what}from {} to {}",
                    range.start(),
                    range.end()
                ),
            })
    }

    /// `REDGREEN_SANDBOX_USER` and `REDGREEN_SANDBOX_DISK_MB`: who the sandbox's user is on
    /// the host and each run's disk quota. `redgreen sandbox run` reads these too.
    pub fn sandbox_settings(&self) -> Result<SandboxSettings, ConfigError> {
        let key = "REDGREEN_SANDBOX_USER";
        let invalid = |message: String| ConfigError::Invalid { key, message };
        let root = redgreen_sandbox::running_as_root();
        let identity = match (self.get(key), root) {
            (None, false) => None,
            (Some(_), false) => {
                return Err(invalid(
                    "only a redgreen running as root maps the sandbox to another host user".into(),
                ));
            }
            (None, true) => {
                Some(HostIdentity::default_for_root().map_err(|e| invalid(e.to_string()))?)
            }
            (Some(text), true) => Some(parse_sandbox_user(text).map_err(invalid)?),
        };
        // 0 is the operator's explicit "no cap" (a host without loop devices); otherwise a
        // volume needs room for its own bookkeeping and a checkout.
        let disk_mb = self.number_in(
            "REDGREEN_SANDBOX_DISK_MB",
            0..=1 << 20,
            DEFAULT_SANDBOX_DISK_MB,
            "of MiB ",
        )?;
        if (1..16).contains(&disk_mb) {
            return Err(ConfigError::Invalid {
                key: "REDGREEN_SANDBOX_DISK_MB",
                message: format!("{disk_mb} MiB is below the 16 MiB a volume needs (0: no cap)"),
            });
        }
        Ok(SandboxSettings { identity, disk_mb })
    }

    /// `REDGREEN_SANDBOX_READONLY_PATHS`: colon-separated host paths, each absolute and
    /// existing, exposed read-only in every sandbox. `redgreen sandbox run` reads only this.
    pub fn sandbox_readonly_paths(&self) -> Result<Vec<PathBuf>, ConfigError> {
        let key = "REDGREEN_SANDBOX_READONLY_PATHS";
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        value
            .split(':')
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| {
                let path = PathBuf::from(entry.trim());
                if !path.is_absolute() {
                    return Err(ConfigError::Invalid {
                        key,
                        message: format!("{} is not an absolute path", path.display()),
                    });
                }
                if !path.exists() {
                    return Err(ConfigError::Invalid {
                        key,
                        message: format!("{} does not exist", path.display()),
                    });
                }
                Ok(path)
            })
            .collect()
    }
}

impl Config {
    /// Creates the data directory, or narrows an existing one, to mode 0700: it holds the
    /// embedded database, the App's credentials and every run's work tree, none of which any
    /// other local user may read or enter.
    pub fn create_data_dir(&self) -> std::io::Result<()> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.data_dir)?;
        std::fs::set_permissions(&self.data_dir, std::fs::Permissions::from_mode(0o700))
    }

    /// `sqlite` or `postgres`, for logs (the URL itself may hold a password).
    pub fn database_backend(&self) -> &'static str {
        if self.database_url.starts_with("sqlite:") {
            "sqlite"
        } else {
            "postgres"
        }
    }
}

/// `REDGREEN_SANDBOX_USER`: an account name, or `uid:gid`; never root.
fn parse_sandbox_user(text: &str) -> Result<HostIdentity, String> {
    let identity = match text.split_once(':') {
        Some((uid, gid)) => match (uid.trim().parse(), gid.trim().parse()) {
            (Ok(uid), Ok(gid)) => HostIdentity { uid, gid },
            _ => return Err(format!("{text:?} is not an account name or uid:gid")),
        },
        None => HostIdentity::of_account(text.trim())
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("there is no host account {text:?}"))?,
    };
    if identity.uid == 0 || identity.gid == 0 {
        return Err(format!(
            "{text:?} is root: the sandbox's user must be unprivileged"
        ));
    }
    Ok(identity)
}

fn validate_database_url(url: &str) -> Result<String, ConfigError> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        Some("sqlite" | "postgres" | "postgresql") => Ok(url.to_owned()),
        // Only the scheme is echoed: the rest of the URL may carry a password. And only a
        // well-formed scheme: text before `://` that is not one (`user:password@host://`)
        // may be the password itself.
        _ => Err(ConfigError::Invalid {
            key: "REDGREEN_DATABASE_URL",
            message: format!(
                "unsupported scheme {:?}: use sqlite://PATH or postgres://USER@HOST/DB",
                scheme.filter(|scheme| is_scheme(scheme)).unwrap_or("")
            ),
        }),
    }
}

fn validate_http_url(key: &'static str, url: &str) -> Result<String, ConfigError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url.trim_end_matches('/').to_owned())
    } else {
        Err(ConfigError::Invalid {
            key,
            message: format!("{:?} is not an http(s) URL", redact_url(url)),
        })
    }
}

/// RFC 3986's `scheme`: a letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// `url` fit for an error message or a log: any userinfo (`user:password@`, or a token
/// given as the user name) becomes `***@`; a URL without userinfo is returned as it is.
/// Text the `url` crate cannot read as a URL with a host (a missing or misspelled scheme:
/// `user:password@host/v1`, which it would read as the scheme `user`) is redacted the same
/// way by hand: everything before the last `@` of its authority goes.
pub fn redact_url(url: &str) -> String {
    if let Ok(mut parsed) = url::Url::parse(url)
        && parsed.has_host()
    {
        if parsed.username().is_empty() && parsed.password().is_none() {
            return url.to_owned();
        }
        // Both fail only for URLs that cannot have userinfo, which `has_host` ruled out.
        if parsed.set_password(None).is_ok() && parsed.set_username("***").is_ok() {
            return parsed.into();
        }
    }
    let authority_start = url.find("://").map_or(0, |at| at + 3);
    let authority_len = url[authority_start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - authority_start);
    let authority = &url[authority_start..authority_start + authority_len];
    match authority.rfind('@') {
        Some(at) => format!(
            "{}***{}",
            &url[..authority_start],
            &url[authority_start + at..]
        ),
        None => url.to_owned(),
    }
}

/// The key is PEM text or a path to a PEM file. Errors name the path, never the content.
fn load_private_key(value: &str) -> Result<SecretString, ConfigError> {
    const KEY: &str = "REDGREEN_GITHUB_PRIVATE_KEY";
    let pem = if value.trim_start().starts_with("-----BEGIN") {
        SecretString::from(value.to_owned())
    } else {
        // The value is not echoed: a mangled key pasted as text must not end up in a log.
        let text = std::fs::read_to_string(value).map_err(|e| ConfigError::Invalid {
            key: KEY,
            message: format!("is neither PEM text nor the path of a readable PEM file ({e})"),
        })?;
        SecretString::from(text)
    };
    let text = pem.expose_secret();
    if !(text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----")) {
        return Err(ConfigError::Invalid {
            key: KEY,
            message: "is not a PEM private key (expected a -----BEGIN ... PRIVATE KEY----- block)"
                .into(),
        });
    }
    Ok(pem)
}
