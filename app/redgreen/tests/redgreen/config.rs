//! Configuration: defaults, the file and the environment, validation, and secret hygiene.

use std::collections::HashMap;
use std::time::Duration;

use redgreen::config::{Config, ConfigError, LlmProvider, Sources, redact_url};
use secrecy::ExposeSecret;

fn config(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mut sources = Sources::default();
    sources.overlay_env(&env);
    sources.into_config()
}

fn invalid_key(result: Result<Config, ConfigError>) -> &'static str {
    match result {
        Err(ConfigError::Invalid { key, .. }) => key,
        other => panic!("expected an invalid key, got {other:?}"),
    }
}

#[test]
fn defaults_match_the_product_contract() {
    let config = config(&[]).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
    assert_eq!(config.data_dir, std::path::PathBuf::from("./redgreen-data"));
    assert_eq!(config.database_url, "sqlite://./redgreen-data/redgreen.db");
    assert_eq!(config.github_api_url, "https://api.github.com");
    assert_eq!(config.bot_name, "redgreen");
    assert_eq!(config.llm_provider, LlmProvider::OpenAi);
    assert_eq!(config.llm_base_url, "https://api.openai.com/v1");
    assert_eq!(config.workers, 2);
    assert!(config.webhook_secret.is_none() && config.api_token.is_none());
}

#[test]
fn anthropic_has_its_own_default_endpoint_and_key_variable() {
    let config = config(&[
        ("REDGREEN_LLM_PROVIDER", "anthropic"),
        ("ANTHROPIC_API_KEY", "sk-ant-test"),
        ("OPENAI_API_KEY", "sk-openai-test"),
    ])
    .unwrap();
    assert_eq!(config.llm_base_url, "https://api.anthropic.com");
    assert_eq!(config.llm_api_key.unwrap().expose_secret(), "sk-ant-test");
}

#[test]
fn the_explicit_key_wins_over_the_provider_variable() {
    let config = config(&[
        ("REDGREEN_LLM_API_KEY", "explicit"),
        ("OPENAI_API_KEY", "fallback"),
    ])
    .unwrap();
    assert_eq!(config.llm_api_key.unwrap().expose_secret(), "explicit");
}

#[test]
fn invalid_values_name_their_key() {
    assert_eq!(
        invalid_key(config(&[("REDGREEN_LISTEN", "localhost")])),
        "REDGREEN_LISTEN"
    );
    assert_eq!(
        invalid_key(config(&[("REDGREEN_DATABASE_URL", "mysql://x/y")])),
        "REDGREEN_DATABASE_URL"
    );
    assert_eq!(
        invalid_key(config(&[("REDGREEN_WORKERS", "0")])),
        "REDGREEN_WORKERS"
    );
    assert_eq!(
        invalid_key(config(&[("REDGREEN_WORKERS", "lots")])),
        "REDGREEN_WORKERS"
    );
    for attempts in ["0", "11", "three"] {
        assert_eq!(
            invalid_key(config(&[("REDGREEN_MAX_ATTEMPTS", attempts)])),
            "REDGREEN_MAX_ATTEMPTS"
        );
    }
    let osv_file = tempfile::NamedTempFile::new().unwrap();
    for osv in ["relative/osv", osv_file.path().to_str().unwrap()] {
        assert_eq!(
            invalid_key(config(&[("REDGREEN_OSV_DIR", osv)])),
            "REDGREEN_OSV_DIR"
        );
    }
    for lease in ["1", "3601", "a minute"] {
        assert_eq!(
            invalid_key(config(&[("REDGREEN_TASK_LEASE_SECS", lease)])),
            "REDGREEN_TASK_LEASE_SECS"
        );
    }
    assert_eq!(
        invalid_key(config(&[("REDGREEN_LLM_PROVIDER", "gemini")])),
        "REDGREEN_LLM_PROVIDER"
    );
    assert_eq!(
        invalid_key(config(&[("REDGREEN_BOT_NAME", "@redgreen")])),
        "REDGREEN_BOT_NAME"
    );
    assert_eq!(
        invalid_key(config(&[("REDGREEN_GITHUB_API_URL", "api.github.com")])),
        "REDGREEN_GITHUB_API_URL"
    );
}

#[test]
fn the_task_lease_defaults_to_a_minute_and_can_be_set() {
    assert_eq!(config(&[]).unwrap().task_lease, Duration::from_secs(60));
    let set = config(&[("REDGREEN_TASK_LEASE_SECS", "5")]).unwrap();
    assert_eq!(set.task_lease, Duration::from_secs(5));
}

#[test]
fn attempts_default_to_three_and_the_osv_dir_to_none() {
    let defaults = config(&[]).unwrap();
    assert_eq!((defaults.max_attempts, defaults.osv_dir), (3, None));
    let osv = tempfile::tempdir().unwrap();
    let set = config(&[
        ("REDGREEN_MAX_ATTEMPTS", "5"),
        ("REDGREEN_OSV_DIR", osv.path().to_str().unwrap()),
    ])
    .unwrap();
    assert_eq!(set.max_attempts, 5);
    assert_eq!(set.osv_dir.as_deref(), Some(osv.path()));
}

#[test]
fn postgres_urls_are_accepted() {
    let config = config(&[("REDGREEN_DATABASE_URL", "postgres://redgreen@db/redgreen")]).unwrap();
    assert_eq!(config.database_backend(), "postgres");
}

#[test]
fn the_private_key_is_pem_text_or_a_readable_path() {
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n";
    let inline = config(&[("REDGREEN_GITHUB_PRIVATE_KEY", pem)]).unwrap();
    assert_eq!(inline.github_private_key.unwrap().expose_secret(), pem);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.pem");
    std::fs::write(&path, pem).unwrap();
    let from_file = config(&[("REDGREEN_GITHUB_PRIVATE_KEY", path.to_str().unwrap())]).unwrap();
    assert_eq!(from_file.github_private_key.unwrap().expose_secret(), pem);

    let not_pem = dir.path().join("notes.txt");
    std::fs::write(&not_pem, "hello").unwrap();
    assert_eq!(
        invalid_key(config(&[(
            "REDGREEN_GITHUB_PRIVATE_KEY",
            not_pem.to_str().unwrap()
        )])),
        "REDGREEN_GITHUB_PRIVATE_KEY"
    );
    let missing = config(&[("REDGREEN_GITHUB_PRIVATE_KEY", "/nonexistent/app.pem")]);
    assert_eq!(invalid_key(missing), "REDGREEN_GITHUB_PRIVATE_KEY");
}

#[test]
fn debug_output_never_shows_a_secret() {
    let config = config(&[
        ("REDGREEN_WEBHOOK_SECRET", "whsec-123"),
        ("REDGREEN_API_TOKEN", "tok-456"),
        ("REDGREEN_LLM_API_KEY", "sk-789"),
        ("REDGREEN_DATABASE_URL", "postgres://u:dbpass-000@db/x"),
    ])
    .unwrap();
    let shown = format!("{config:?}");
    for secret in ["whsec-123", "tok-456", "sk-789", "dbpass-000"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("<set>"));
}

#[test]
fn the_file_sets_keys_and_the_environment_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redgreen.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:4000\"\nREDGREEN_WORKERS = 8\nbot_name = \"rg\"\n",
    )
    .unwrap();
    let mut sources = Sources::from_toml_file(&path).unwrap();
    let env = HashMap::from([("REDGREEN_WORKERS".to_owned(), "3".to_owned())]);
    sources.overlay_env(&env);
    let config = sources.into_config().unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:4000");
    assert_eq!(config.workers, 3);
    assert_eq!(config.bot_name, "rg");
}

#[test]
fn the_file_rejects_unknown_keys_and_bad_toml() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redgreen.toml");
    std::fs::write(&path, "lisen = \"127.0.0.1:4000\"\n").unwrap();
    assert!(matches!(
        Sources::from_toml_file(&path),
        Err(ConfigError::UnknownKey { ref key, .. }) if key == "lisen"
    ));
    std::fs::write(&path, "listen = \n").unwrap();
    assert!(matches!(
        Sources::from_toml_file(&path),
        Err(ConfigError::FileInvalid { .. })
    ));
}

// Configuration errors and `Debug` never echo a URL's userinfo: a password (or a token given
// as the user name) in `REDGREEN_LLM_BASE_URL`, `REDGREEN_GITHUB_API_URL` or
// `REDGREEN_DATABASE_URL` stays out of the message that stops the process and out of logs.

const PASSWORD: &str = "hunter2-s3cret";

fn error_text(env: &[(&str, &str)]) -> String {
    match config(env) {
        Err(error) => error.to_string(),
        Ok(_) => panic!("{env:?} was accepted"),
    }
}

#[test]
fn an_invalid_llm_base_url_is_echoed_without_its_userinfo() {
    for url in [
        format!("htps://admin:{PASSWORD}@llm.example/v1"),
        format!("ftp://admin:{PASSWORD}@llm.example/v1"),
        // No scheme at all: the url crate would read `admin` as one.
        format!("admin:{PASSWORD}@llm.example/v1"),
        format!("{PASSWORD}@llm.example"),
    ] {
        let text = error_text(&[("REDGREEN_LLM_BASE_URL", &url)]);

        assert!(!text.contains(PASSWORD), "{text}");
        assert!(text.contains("REDGREEN_LLM_BASE_URL"), "{text}");
        assert!(text.contains("***@llm.example"), "{text}");
    }
}

#[test]
fn an_invalid_github_api_url_is_echoed_without_its_userinfo() {
    let text = error_text(&[(
        "REDGREEN_GITHUB_API_URL",
        &format!("git://x-access-token:{PASSWORD}@github.example/api/v3"),
    )]);

    assert!(!text.contains(PASSWORD), "{text}");
    assert!(text.contains("REDGREEN_GITHUB_API_URL"), "{text}");
}

#[test]
fn an_unsupported_database_url_names_its_scheme_and_never_its_password() {
    let text = error_text(&[(
        "REDGREEN_DATABASE_URL",
        &format!("mysql://admin:{PASSWORD}@db.example/redgreen"),
    )]);
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(text.contains("\"mysql\""), "{text}");

    // What precedes `://` here is not a scheme but the credentials.
    let text = error_text(&[(
        "REDGREEN_DATABASE_URL",
        &format!("admin:{PASSWORD}@db.example://redgreen"),
    )]);
    assert!(!text.contains(PASSWORD), "{text}");
}

#[test]
fn debug_shows_urls_without_their_userinfo() {
    let config = config(&[
        (
            "REDGREEN_LLM_BASE_URL",
            &format!("https://admin:{PASSWORD}@llm.example/v1"),
        ),
        (
            "REDGREEN_DATABASE_URL",
            &format!("postgres://admin:{PASSWORD}@db.example/redgreen"),
        ),
    ])
    .unwrap();

    let text = format!("{config:?}");

    assert!(!text.contains(PASSWORD), "{text}");
    assert!(text.contains("https://***@llm.example/v1"), "{text}");
}

#[test]
fn redact_url_drops_userinfo_and_leaves_other_urls_alone() {
    for (url, redacted) in [
        (
            "https://user:pass@api.example/v1".to_owned(),
            "https://***@api.example/v1",
        ),
        (
            "postgres://admin:p%40ss@db.example:5432/redgreen".to_owned(),
            "postgres://***@db.example:5432/redgreen",
        ),
        (
            "https://ghp_tokenasuser@github.example/".to_owned(),
            "https://***@github.example/",
        ),
        ("user:pass@host/v1".to_owned(), "***@host/v1"),
        (
            "https://api.openai.com/v1".to_owned(),
            "https://api.openai.com/v1",
        ),
        (
            "http://127.0.0.1:8000/v1?key=a@b".to_owned(),
            "http://127.0.0.1:8000/v1?key=a@b",
        ),
        (
            "sqlite://./data/redgreen.db".to_owned(),
            "sqlite://./data/redgreen.db",
        ),
    ] {
        assert_eq!(redact_url(&url), redacted, "{url}");
    }
}

#[test]
fn the_sandbox_user_is_never_root_and_the_disk_cap_is_usable_or_off() {
    let root = redgreen_sandbox::running_as_root();
    let settings = config(&[]).unwrap().sandbox;
    assert_eq!(settings.disk_mb, 2048);
    if root {
        // A root redgreen always maps the sandbox to someone unprivileged.
        let identity = settings.identity.unwrap();
        assert!(identity.uid != 0 && identity.gid != 0, "{identity:?}");
        let named = config(&[("REDGREEN_SANDBOX_USER", "4321:4322")]).unwrap();
        let identity = named.sandbox.identity.unwrap();
        assert_eq!((identity.uid, identity.gid), (4321, 4322));
        for root_user in ["0:0", "4321:0", "root"] {
            assert_eq!(
                invalid_key(config(&[("REDGREEN_SANDBOX_USER", root_user)])),
                "REDGREEN_SANDBOX_USER",
                "{root_user}"
            );
        }
        assert_eq!(
            invalid_key(config(&[("REDGREEN_SANDBOX_USER", "no-such-account-xyz")])),
            "REDGREEN_SANDBOX_USER"
        );
    } else {
        assert_eq!(settings.identity, None);
        assert_eq!(
            invalid_key(config(&[("REDGREEN_SANDBOX_USER", "4321:4322")])),
            "REDGREEN_SANDBOX_USER"
        );
    }
    assert_eq!(
        config(&[("REDGREEN_SANDBOX_DISK_MB", "0")])
            .unwrap()
            .sandbox
            .disk_mb,
        0
    );
    assert_eq!(
        invalid_key(config(&[("REDGREEN_SANDBOX_DISK_MB", "8")])),
        "REDGREEN_SANDBOX_DISK_MB"
    );
}
