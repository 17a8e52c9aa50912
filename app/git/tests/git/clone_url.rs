//! Which clone URLs are accepted: the token must only ever go where it is meant to.

use redgreen_git::{CloneUrl, GitError};

#[test]
fn accepts_https_and_loopback_http() {
    for url in [
        "https://github.com/octo/repo.git",
        "https://ghe.example.com:8443/octo/repo.git",
        "http://127.0.0.1:4000/octo/repo.git",
        "http://localhost/octo/repo.git",
        "http://[::1]:9/octo/repo.git",
    ] {
        let parsed = CloneUrl::parse(url).unwrap();
        assert_eq!(parsed.as_str(), url);
    }
}

#[test]
fn refuses_credentials_in_the_url_without_echoing_them() {
    let secret = "ghs_SecretInUrl000111222333";
    for url in [
        format!("https://x-access-token:{secret}@github.com/octo/repo.git"),
        format!("https://{secret}@github.com/octo/repo.git"),
    ] {
        let error = CloneUrl::parse(&url).unwrap_err();
        assert!(matches!(error, GitError::InvalidUrl { .. }), "{error:?}");
        assert!(!error.to_string().contains(secret));
        assert!(!format!("{error:?}").contains(secret));
    }
}

#[test]
fn refuses_plain_http_beyond_loopback_and_other_schemes() {
    for url in [
        "http://github.com/octo/repo.git",
        "http://10.0.0.5/octo/repo.git",
        "ssh://git@github.com/octo/repo.git",
        "file:///srv/repo.git",
        "git@github.com:octo/repo.git",
        "https://github.com/octo/repo.git?x=1",
        "not a url",
    ] {
        let error = CloneUrl::parse(url).unwrap_err();
        assert!(
            matches!(error, GitError::InvalidUrl { .. }),
            "{url}: {error:?}"
        );
        assert!(!error.is_retryable());
    }
}

#[test]
fn same_origin_compares_scheme_host_and_port() {
    let url = CloneUrl::parse("https://github.com/octo/repo.git").unwrap();
    assert!(url.same_origin("https://github.com/other/thing.git"));
    assert!(url.same_origin("https://github.com:443/octo/repo.git"));
    assert!(!url.same_origin("http://github.com/octo/repo.git"));
    assert!(!url.same_origin("https://github.com.evil.example/octo/repo.git"));
    assert!(!url.same_origin("https://github.com:8443/octo/repo.git"));
}
