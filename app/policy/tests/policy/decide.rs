//! The trigger path's decisions: permissions, bots, the app itself and the minimum's floor.

use redgreen_core::Command;
use redgreen_policy::{Decision, Permission};

use crate::{engine, human};

fn ids(decision: &Decision) -> Vec<&str> {
    decision.policy_ids.iter().map(String::as_str).collect()
}

#[test]
fn read_only_user_is_denied_fix_with_a_reason() {
    let d = engine().decide(&human(Permission::Read, Command::Fix, Permission::Write));
    assert!(!d.allowed);
    assert_eq!(
        ids(&d),
        [
            "forbid-below-min-permission",
            "forbid-write-command-below-triage"
        ]
    );
    assert!(d.reason.contains("below the minimum"), "{}", d.reason);
}

#[test]
fn write_user_is_allowed_every_command_at_the_default_minimum() {
    let engine = engine();
    for command in Command::ALL {
        let d = engine.decide(&human(Permission::Write, command, Permission::Write));
        assert!(d.allowed, "{command:?}: {}", d.reason);
        assert_eq!(ids(&d), ["permit-at-min-permission"]);
    }
}

#[test]
fn admin_is_allowed() {
    let d = engine().decide(&human(Permission::Admin, Command::Fix, Permission::Write));
    assert!(d.allowed, "{}", d.reason);
}

#[test]
fn bot_is_denied_unless_allow_listed() {
    let engine = engine();
    let mut request = human(Permission::Admin, Command::Fix, Permission::Write);
    request.actor_login = "dependabot[bot]".to_owned();
    request.actor_is_bot = true;
    let d = engine.decide(&request);
    assert!(!d.allowed);
    assert_eq!(ids(&d), ["forbid-bot-not-allowlisted"]);

    request.bot_allowlisted = true;
    let d = engine.decide(&request);
    assert!(d.allowed, "{}", d.reason);
    assert_eq!(ids(&d), ["permit-at-min-permission"]);
}

#[test]
fn the_app_itself_is_denied_even_when_allow_listed() {
    let mut request = human(Permission::Admin, Command::Plan, Permission::Write);
    request.actor_login = "redgreen[bot]".to_owned();
    request.actor_is_bot = true;
    request.bot_allowlisted = true;
    request.own_app = true;
    let d = engine().decide(&request);
    assert!(!d.allowed);
    assert_eq!(ids(&d), ["forbid-own-app"]);
    assert!(d.reason.contains("its own comments"), "{}", d.reason);
}

#[test]
fn a_read_minimum_is_clamped_to_triage_for_write_commands() {
    let engine = engine();
    for command in [
        Command::Fix,
        Command::Test,
        Command::Recommend,
        Command::Cancel,
        Command::Retry,
        Command::Continue,
    ] {
        let reader = human(Permission::Read, command, Permission::Read);
        // The clamp raised the minimum to triage before Cedar saw it, and the policy's own
        // floor agrees.
        let d = engine.decide(&reader);
        assert!(!d.allowed, "{command:?}");
        assert_eq!(
            ids(&d),
            [
                "forbid-below-min-permission",
                "forbid-write-command-below-triage"
            ],
            "{command:?}"
        );
        // Without the clamp the policy alone still refuses.
        let d = engine.evaluate(&reader);
        assert!(!d.allowed, "{command:?}");
        assert_eq!(
            ids(&d),
            ["forbid-write-command-below-triage"],
            "{command:?}"
        );

        let triager = human(Permission::Triage, command, Permission::Read);
        assert!(engine.decide(&triager).allowed, "{command:?}");
    }
}

#[test]
fn a_read_minimum_opens_read_commands_to_readers() {
    let engine = engine();
    for command in [Command::Plan, Command::Status] {
        let d = engine.decide(&human(Permission::Read, command, Permission::Read));
        assert!(d.allowed, "{command:?}: {}", d.reason);
    }
}

#[test]
fn a_minimum_of_none_is_clamped_to_read() {
    let engine = engine();
    let outsider = human(Permission::None, Command::Status, Permission::None);
    let d = engine.decide(&outsider);
    assert!(!d.allowed);
    assert_eq!(
        ids(&d),
        ["forbid-below-min-permission", "forbid-no-repository-access"]
    );
    assert_eq!(
        ids(&engine.evaluate(&outsider)),
        ["forbid-no-repository-access"]
    );
}

#[test]
fn a_maintain_minimum_is_respected() {
    let engine = engine();
    let d = engine.decide(&human(
        Permission::Write,
        Command::Fix,
        Permission::Maintain,
    ));
    assert!(!d.allowed);
    assert_eq!(ids(&d), ["forbid-below-min-permission"]);
    for permission in [Permission::Maintain, Permission::Admin] {
        let d = engine.decide(&human(permission, Command::Fix, Permission::Maintain));
        assert!(d.allowed, "{permission:?}: {}", d.reason);
    }
}

#[test]
fn logins_and_repositories_with_cedar_syntax_are_plain_ids() {
    let mut request = human(Permission::Write, Command::Fix, Permission::Write);
    request.actor_login = "ev\"il::Actor".to_owned();
    request.repository = "o/\"r\" || true".to_owned();
    let d = engine().decide(&request);
    assert!(d.allowed, "{}", d.reason);
    request.permission = Permission::Read;
    assert!(!engine().decide(&request).allowed);
}
