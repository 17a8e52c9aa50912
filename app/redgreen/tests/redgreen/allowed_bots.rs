//! `REDGREEN_TRIGGER_ALLOWED_BOTS`: which bots may trigger commands. redgreen's own account
//! is refused outright, so a configuration cannot make it answer itself.

use std::collections::HashMap;

use redgreen::config::{Config, ConfigError, Sources};

fn config(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mut sources = Sources::default();
    sources.overlay_env(&env);
    sources.into_config()
}

#[test]
fn no_bot_is_allowed_by_default_and_a_list_is_trimmed() {
    assert!(config(&[]).unwrap().trigger_allowed_bots.is_empty());
    let config = config(&[(
        "REDGREEN_TRIGGER_ALLOWED_BOTS",
        " dependabot[bot] , renovate[bot],, ",
    )])
    .unwrap();
    assert_eq!(
        config.trigger_allowed_bots,
        vec!["dependabot[bot]", "renovate[bot]"]
    );
}

#[test]
fn the_apps_own_account_and_non_logins_are_refused() {
    for (bot_name, list) in [
        ("redgreen", "dependabot[bot],ReDGreen[bot]"),
        ("acme-fixer", "acme-fixer[bot]"),
    ] {
        let error = config(&[
            ("REDGREEN_BOT_NAME", bot_name),
            ("REDGREEN_TRIGGER_ALLOWED_BOTS", list),
        ])
        .err()
        .unwrap_or_else(|| panic!("{list:?} accepted for {bot_name}"));
        assert!(
            matches!(
                error,
                ConfigError::Invalid {
                    key: "REDGREEN_TRIGGER_ALLOWED_BOTS",
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("own account"), "{error}");
    }
    let error = config(&[("REDGREEN_TRIGGER_ALLOWED_BOTS", "bad bot")])
        .err()
        .unwrap();
    assert!(error.to_string().contains("not a GitHub login"), "{error}");
}
