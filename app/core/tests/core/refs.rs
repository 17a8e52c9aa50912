//! The ref write rule: only well-formed branches under `refs/heads/redgreen/` pass.

use proptest::prelude::*;
use redgreen_core::refs::{RefRefused, WRITABLE_REF_PREFIX, WritableRef};

#[test]
fn accepts_redgreen_branches() {
    let name = WritableRef::parse("refs/heads/redgreen/12-fix-parser").unwrap();
    assert_eq!(name.as_str(), "refs/heads/redgreen/12-fix-parser");
    assert_eq!(name.branch(), "redgreen/12-fix-parser");
    let adr = WritableRef::from_branch("redgreen/adr-stack").unwrap();
    assert_eq!(adr.as_str(), "refs/heads/redgreen/adr-stack");
}

#[test]
fn refuses_everything_outside_the_namespace() {
    for name in [
        "refs/heads/main",
        "refs/heads/redgreen",
        "refs/heads/redgreenx/a",
        "refs/heads/Redgreen/a",
        "refs/tags/redgreen/v1",
        "refs/heads/feature/redgreen/a",
        "redgreen/a",
        "HEAD",
        "",
        " refs/heads/redgreen/a",
    ] {
        assert!(
            matches!(
                WritableRef::parse(name),
                Err(RefRefused::OutsideNamespace { .. })
            ),
            "{name:?} passed"
        );
    }
}

#[test]
fn refuses_malformed_names_that_could_escape_or_confuse_git() {
    for name in [
        "refs/heads/redgreen/",
        "refs/heads/redgreen/../main",
        "refs/heads/redgreen/a/../../main",
        "refs/heads/redgreen//a",
        "refs/heads/redgreen/a.lock",
        "refs/heads/redgreen/.hidden",
        "refs/heads/redgreen/a.",
        "refs/heads/redgreen/a/",
        "refs/heads/redgreen/a b",
        "refs/heads/redgreen/a:b",
        "refs/heads/redgreen/a@{1}",
        "refs/heads/redgreen/a\u{0}b",
        "refs/heads/redgreen/a\nb",
        "refs/heads/redgreen/a~1",
        "refs/heads/redgreen/a^",
        "refs/heads/redgreen/a*",
    ] {
        assert!(
            matches!(WritableRef::parse(name), Err(RefRefused::Malformed { .. })),
            "{name:?} passed"
        );
    }
}

#[test]
fn refusal_names_the_rule() {
    let error = WritableRef::from_branch("main").unwrap_err();
    assert!(
        error.to_string().contains("refs/heads/redgreen/"),
        "{error}"
    );
}

proptest! {
    /// Whatever the input, an accepted ref is inside the namespace with no `..` anywhere.
    #[test]
    fn accepted_refs_stay_in_the_namespace(name in "(refs/heads/)?(redgreen/)?[a-z./@{}~^:-]{0,20}") {
        if let Ok(accepted) = WritableRef::parse(&name) {
            prop_assert!(accepted.as_str().starts_with(WRITABLE_REF_PREFIX));
            prop_assert!(!accepted.as_str().contains(".."));
            prop_assert!(!accepted.as_str().contains("//"));
        }
    }
}
