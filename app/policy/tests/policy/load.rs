//! Loading the schema and policies: the shipped files, an override directory, and the
//! clear errors a bad file gets.

use redgreen_core::Command;
use redgreen_policy::{POLICY_FILE, Permission, PolicyEngine, PolicyError, SCHEMA_FILE};

use crate::{human, policies_dir};

fn schema_text() -> String {
    std::fs::read_to_string(policies_dir().join(SCHEMA_FILE)).unwrap()
}

fn policy_text() -> String {
    std::fs::read_to_string(policies_dir().join(POLICY_FILE)).unwrap()
}

fn load_error(schema: &str, policies: &str) -> PolicyError {
    match PolicyEngine::from_sources(schema, policies) {
        Ok(_) => panic!("loaded:\n{policies}"),
        Err(e) => {
            assert!(!e.is_retryable(), "{e}");
            e
        }
    }
}

#[test]
fn the_policies_folder_loads_from_disk_and_decides_like_the_embedded_copy() {
    let from_disk = PolicyEngine::from_dir(&policies_dir()).unwrap();
    let embedded = PolicyEngine::embedded().unwrap();
    for permission in [Permission::Read, Permission::Write] {
        let request = human(permission, Command::Fix, Permission::Write);
        assert_eq!(from_disk.decide(&request), embedded.decide(&request));
    }
}

#[test]
fn an_override_directory_replaces_the_shipped_policy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(SCHEMA_FILE), schema_text()).unwrap();
    std::fs::write(
        dir.path().join(POLICY_FILE),
        "@id(\"admins-only\")\n@reason(\"only admins\")\n\
         permit (principal, action, resource) when { principal.permission == 5 };\n",
    )
    .unwrap();
    let engine = PolicyEngine::from_dir(dir.path()).unwrap();
    assert!(
        !engine
            .decide(&human(Permission::Write, Command::Fix, Permission::Write))
            .allowed
    );
    let d = engine.decide(&human(Permission::Admin, Command::Fix, Permission::Write));
    assert!(d.allowed);
    assert_eq!(d.policy_ids, ["admins-only"]);
}

#[test]
fn a_missing_override_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = PolicyEngine::from_dir(dir.path()).err().unwrap();
    assert!(matches!(err, PolicyError::Read { .. }), "{err}");
    assert!(err.to_string().contains(SCHEMA_FILE), "{err}");
    assert!(!err.is_retryable());
}

#[test]
fn policy_syntax_errors_are_rejected_at_load() {
    let err = load_error(
        &schema_text(),
        "@id(\"broken\")\n@reason(\"x\")\npermit (principal, action, resource) when { principal.permission >= };",
    );
    assert!(matches!(err, PolicyError::Parse { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("do not parse at line 3, column 69"),
        "{err}"
    );
}

#[test]
fn a_policy_that_does_not_match_the_schema_is_rejected_with_its_id() {
    let policies = format!(
        "{}\n@id(\"typo\")\n@reason(\"x\")\n\
         permit (principal is Redgreen::Actor, action, resource) when {{ principal.permision >= 3 }};\n",
        policy_text()
    );
    let err = load_error(&schema_text(), &policies);
    assert!(matches!(err, PolicyError::Invalid { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("typo"), "{message}");
    assert!(message.contains("permision"), "{message}");
}

#[test]
fn a_policy_without_an_id_or_reason_is_rejected() {
    let err = load_error(
        &schema_text(),
        "@reason(\"x\")\npermit (principal, action, resource);",
    );
    assert!(
        matches!(
            err,
            PolicyError::MissingAnnotation {
                annotation: "id",
                ..
            }
        ),
        "{err}"
    );
    let err = load_error(
        &schema_text(),
        "@id(\"x\")\npermit (principal, action, resource);",
    );
    assert!(
        matches!(
            err,
            PolicyError::MissingAnnotation {
                annotation: "reason",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn duplicate_policy_ids_are_rejected() {
    let err = load_error(
        &schema_text(),
        "@id(\"same\")\n@reason(\"a\")\npermit (principal, action, resource);\n\
         @id(\"same\")\n@reason(\"b\")\nforbid (principal, action, resource);",
    );
    assert!(
        matches!(&err, PolicyError::DuplicateId { id } if id == "same"),
        "{err}"
    );
}

#[test]
fn templates_are_rejected() {
    let err = load_error(
        &schema_text(),
        "@id(\"t\")\n@reason(\"x\")\npermit (principal == ?principal, action, resource);",
    );
    assert!(matches!(err, PolicyError::Template { .. }), "{err}");
}

#[test]
fn a_schema_without_a_command_action_is_rejected() {
    let schema = schema_text().replace("action plan, status", "action status");
    let err = load_error(&schema, &policy_text());
    assert!(
        matches!(&err, PolicyError::MissingDeclaration { what } if what.contains("\"plan\"")),
        "{err}"
    );
}

#[test]
fn a_schema_that_parses_badly_is_rejected() {
    let err = load_error(
        "namespace Redgreen {\n  entity Actor = { login: };\n}",
        &policy_text(),
    );
    assert!(matches!(err, PolicyError::Schema { .. }), "{err}");
    assert!(err.to_string().contains("at line 2, column 27"), "{err}");
}

#[test]
fn entity_attributes_the_engine_does_not_set_are_a_load_error() {
    let schema = schema_text().replace("login: String,", "login: String,\n    team: String,");
    let err = load_error(&schema, &policy_text());
    assert!(matches!(err, PolicyError::RequestShape { .. }), "{err}");
    assert!(err.to_string().contains("team"), "{err}");
}
