//! Runs every allow/deny case in `policies/tests/` against the engine.

use redgreen_core::Command;
use redgreen_policy::{Permission, TriggerRequest};
use serde::Deserialize;

use crate::{engine, policies_dir};

#[derive(Deserialize)]
struct CaseFile {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    principal: Principal,
    action: Command,
    resource: Resource,
    context: serde_json::Map<String, serde_json::Value>,
    decision: Expected,
    policy_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Principal {
    login: String,
    is_bot: bool,
    bot_allowlisted: bool,
    own_app: bool,
    permission: Permission,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resource {
    repository: String,
    min_permission: Permission,
}

#[derive(Deserialize, PartialEq, Eq, Debug, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Expected {
    Allow,
    Deny,
}

fn load_cases() -> Vec<Case> {
    let dir = policies_dir().join("tests");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let file: CaseFile = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
            cases.extend(file.cases);
        }
    }
    assert!(!cases.is_empty(), "no cases found in {}", dir.display());
    cases
}

#[test]
fn every_case_in_policies_tests_gets_its_decision_and_policy_ids() {
    let engine = engine();
    let mut failures = Vec::new();
    for case in load_cases() {
        // The Cedar schema declares an empty context for every action.
        assert!(
            case.context.is_empty(),
            "{}: context must be {{}}",
            case.name
        );
        let request = TriggerRequest {
            actor_login: case.principal.login,
            actor_is_bot: case.principal.is_bot,
            bot_allowlisted: case.principal.bot_allowlisted,
            own_app: case.principal.own_app,
            permission: case.principal.permission,
            command: case.action,
            repository: case.resource.repository,
            min_permission: case.resource.min_permission,
        };
        let expected_allowed = case.decision == Expected::Allow;
        let got = engine.evaluate(&request);
        if got.allowed != expected_allowed || got.policy_ids != case.policy_ids {
            failures.push(format!(
                "{}: expected {:?} by {:?}, got allowed={} by {:?} ({})",
                case.name, case.decision, case.policy_ids, got.allowed, got.policy_ids, got.reason
            ));
        }
        // The request-side clamp must never change what the policies decide on their own.
        let clamped = engine.decide(&request);
        if clamped.allowed != expected_allowed {
            failures.push(format!(
                "{}: decide() says allowed={} by {:?}, the policies alone say {:?}",
                case.name, clamped.allowed, clamped.policy_ids, case.decision
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_policy_is_exercised_by_some_case() {
    let policy_text = std::fs::read_to_string(policies_dir().join("trigger.cedar")).unwrap();
    let ids: Vec<&str> = policy_text
        .split("@id(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(ids.len() >= 6, "found only {ids:?} in trigger.cedar");
    let cases = load_cases();
    for id in ids {
        assert!(
            cases.iter().any(|c| c.policy_ids.iter().any(|p| p == id)),
            "no case in policies/tests names policy {id}"
        );
    }
}
