//! Configuration: what the gateway refuses, where requests go, and that the key never shows.

use std::time::Duration;

use redgreen_llm::{Gateway, GatewayConfig, LlmError, Provider};
use redgreen_testkit::ModelServer;
use secrecy::SecretString;

use crate::support::{config, request, unlimited, user};

#[test]
fn providers_parse_from_their_configuration_names() {
    assert_eq!("openai".parse::<Provider>().unwrap(), Provider::OpenAi);
    assert_eq!(
        " Anthropic ".parse::<Provider>().unwrap(),
        Provider::Anthropic
    );
    let error = "azure".parse::<Provider>().unwrap_err();
    assert!(error.to_string().contains("azure"), "{error}");
    assert_eq!(Provider::OpenAi.to_string(), "openai");
}

#[test]
fn endpoints_follow_the_sdk_conventions() {
    let cases = [
        (
            Provider::OpenAi,
            "https://api.openai.com/v1",
            "https://api.openai.com/v1/chat/completions",
        ),
        (
            Provider::OpenAi,
            "http://127.0.0.1:8000/v1/",
            "http://127.0.0.1:8000/v1/chat/completions",
        ),
        (
            Provider::Anthropic,
            "https://api.anthropic.com",
            "https://api.anthropic.com/v1/messages",
        ),
        (
            Provider::Anthropic,
            "http://proxy.local/anthropic/",
            "http://proxy.local/anthropic/v1/messages",
        ),
    ];
    for (provider, base, endpoint) in cases {
        let gateway =
            Gateway::new(GatewayConfig::new(provider, base.parse().unwrap(), "m")).unwrap();
        assert_eq!(gateway.endpoint().as_str(), endpoint);
    }
    // The defaults themselves take the path to the public endpoints.
    for provider in [Provider::OpenAi, Provider::Anthropic] {
        let base = provider.default_base_url().parse().unwrap();
        let gateway = Gateway::new(GatewayConfig::new(provider, base, "m")).unwrap();
        assert!(
            gateway
                .endpoint()
                .as_str()
                .ends_with(provider.endpoint_path())
        );
    }
}

#[test]
fn unusable_configurations_are_refused() {
    let base = "https://api.openai.com/v1".parse().unwrap();
    let mut no_model = GatewayConfig::new(Provider::OpenAi, base, "  ");
    let error = Gateway::new(no_model.clone()).unwrap_err();
    assert!(matches!(error, LlmError::Config { .. }), "{error}");
    no_model.model = "m".to_string();
    no_model.request_timeout = Duration::ZERO;
    assert!(Gateway::new(no_model).is_err());
    let ftp = GatewayConfig::new(
        Provider::OpenAi,
        "ftp://example.com/v1".parse().unwrap(),
        "m",
    );
    let error = Gateway::new(ftp).unwrap_err();
    assert!(error.to_string().contains("ftp"), "{error}");
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn the_api_key_never_shows_in_debug_output_or_errors() {
    let key = "sk-test-very-secret-api-key-0123456789";
    let server = ModelServer::start().await;
    // The provider echoes the key it was given in its error, as some proxies do.
    server.push_error(401, &[], format!("Incorrect API key provided: {key}"));
    let mut settings = config(&server, Provider::OpenAi);
    settings.api_key = Some(SecretString::from(key));
    settings.secrets = vec![SecretString::from("webhook-secret-value")];
    assert!(!format!("{settings:?}").contains(key));
    let gateway = Gateway::new(settings).unwrap();
    let shown = format!("{gateway:?}");
    assert!(
        !shown.contains(key) && !shown.contains("webhook-secret-value"),
        "{shown}"
    );
    let error = gateway
        .chat(&mut unlimited(), &request(vec![user("x")]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::Rejected { status: 401, .. }),
        "{error}"
    );
    assert!(!error.to_string().contains(key), "{error}");
    assert!(!format!("{error:?}").contains(key), "{error:?}");
}
