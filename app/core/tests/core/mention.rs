//! `find_mention`: what counts as asking the bot, and what it asks.

use redgreen_core::Command;
use redgreen_core::mention::{Mention, find_mention};

fn mention(text: &str) -> Option<Mention> {
    find_mention(text, "redgreen")
}

fn asks(text: &str, command: Command, instructions: &str) {
    assert_eq!(
        mention(text),
        Some(Mention {
            command,
            instructions: instructions.into(),
        }),
        "{text:?}"
    );
}

fn ignored(text: &str) {
    assert_eq!(mention(text), None, "{text:?}");
}

#[test]
fn every_command_by_name_in_any_case() {
    for command in Command::ALL {
        let name = command.as_str();
        asks(&format!("@redgreen {name} now"), command, "now");
        asks(&format!("@redgreen {}", name.to_uppercase()), command, "");
    }
}

#[test]
fn the_handle_matches_in_any_case() {
    asks("@RedGreen plan", Command::Plan, "");
    asks("@REDGREEN status", Command::Status, "");
}

#[test]
fn free_text_is_a_fix_with_all_of_it() {
    asks(
        "@redgreen the parser drops the last line",
        Command::Fix,
        "the parser drops the last line",
    );
    asks("@redgreen", Command::Fix, "");
    asks(
        "@redgreen, please fix the typo.",
        Command::Fix,
        "please fix the typo.",
    );
    // Words that merely start with a command are not the command.
    asks(
        "@redgreen test-driven refactor please",
        Command::Fix,
        "test-driven refactor please",
    );
    asks("@redgreen fixes?", Command::Fix, "fixes?");
}

#[test]
fn punctuation_around_the_command() {
    asks("@redgreen: plan it", Command::Plan, "it");
    asks("@redgreen status?", Command::Status, "");
    asks("(@redgreen cancel)", Command::Cancel, "");
    asks("**@redgreen** retry", Command::Retry, "");
}

#[test]
fn instructions_span_the_following_lines() {
    asks(
        "Hi team.\n@redgreen recommend\n- postgres\n- no kubernetes\n",
        Command::Recommend,
        "- postgres\n- no kubernetes",
    );
    asks(
        "@redgreen\nfix the flaky test\n\n```\ntraceback\n```",
        Command::Fix,
        "the flaky test\n\n```\ntraceback\n```",
    );
}

#[test]
fn the_mention_can_be_anywhere_in_a_line() {
    asks(
        "Could you look, @redgreen plan this?",
        Command::Plan,
        "this?",
    );
    asks("\t@redgreen test", Command::Test, "");
}

#[test]
fn the_first_visible_mention_wins() {
    asks(
        "@redgreen plan first\n@redgreen fix second",
        Command::Plan,
        "first\n@redgreen fix second",
    );
    asks(
        "`@redgreen cancel` then @redgreen retry",
        Command::Retry,
        "",
    );
}

#[test]
fn other_handles_are_not_the_bot() {
    ignored("@redgreen-other fix");
    ignored("@redgreen_fork fix");
    ignored("@redgreenish fix");
    ignored("@redgree fix");
    ignored("@red fix");
    ignored("@redgreen/maintainers fix");
    ignored("redgreen fix");
}

#[test]
fn the_apps_bot_login_counts() {
    asks("@redgreen[bot] plan", Command::Plan, "");
}

#[test]
fn emails_and_embedded_ats_are_not_mentions() {
    ignored("write to foo@redgreen.com");
    ignored("write to foo.@redgreen fix");
    ignored("path/@redgreen fix");
    ignored("escaped \\@redgreen fix");
    ignored("a@@redgreen fix");
    asks(
        "mail foo@redgreen.com or ask @redgreen plan",
        Command::Plan,
        "",
    );
}

#[test]
fn inline_code_is_not_a_mention() {
    ignored("run `@redgreen fix` to ask");
    ignored("run ``@redgreen `fix` `` to ask");
    ignored("a span `over\n@redgreen fix\ntwo lines`");
    // An unmatched backtick is literal text.
    asks("a lone ` then @redgreen fix it", Command::Fix, "it");
    // A blank line ends the paragraph, so a span cannot close across it.
    asks(
        "`unclosed\n\n@redgreen plan `later`",
        Command::Plan,
        "`later`",
    );
}

#[test]
fn fenced_code_is_not_a_mention() {
    ignored("```\n@redgreen fix\n```");
    ignored("~~~\n@redgreen fix\n~~~");
    ignored("```bash\n@redgreen fix\n```");
    ignored("````\n```\n@redgreen fix\n````");
    ignored("  ```\n  @redgreen fix\n  ```");
    // An unclosed fence runs to the end, as GitHub renders it.
    ignored("```\n@redgreen fix");
    // A longer fence is not closed by a shorter one.
    ignored("````\n```\n@redgreen fix\n");
    // A tilde fence is not closed by backticks.
    ignored("~~~\n```\n@redgreen fix\n");
    asks("```\ncode\n```\n@redgreen fix after", Command::Fix, "after");
    asks("~~~\ncode\n~~~\n\n@redgreen plan", Command::Plan, "");
}

#[test]
fn quoted_lines_are_not_mentions() {
    ignored("> @redgreen fix");
    ignored("   > @redgreen fix");
    ignored(">> nested @redgreen fix");
    asks(
        "> @redgreen fix\n\nAgreed, @redgreen plan",
        Command::Plan,
        "",
    );
}

#[test]
fn html_comments_are_not_mentions() {
    ignored("<!-- @redgreen fix -->");
    ignored("<!--\nTemplate: mention @redgreen to ask for a fix.\n\nMore hints.\n-->\nBug report");
    ignored("<!-- unclosed @redgreen fix");
    asks("<!-- hint --> @redgreen plan", Command::Plan, "");
    asks("<!--\nhint\n-->\n@redgreen test", Command::Test, "");
    asks("a < b and @redgreen fix", Command::Fix, "");
}

#[test]
fn a_bot_name_with_another_case_or_empty() {
    assert_eq!(
        find_mention("@acme-bot plan", "ACME-bot").map(|mention| mention.command),
        Some(Command::Plan)
    );
    assert_eq!(find_mention("@ fix", ""), None);
    assert_eq!(find_mention("@redgreen fix", "acme"), None);
}

#[test]
fn non_ascii_text_around_the_mention() {
    asks("é @redgreen plan ünïcode", Command::Plan, "ünïcode");
    ignored("é@redgreen plan");
    asks("「@redgreen fix」", Command::Fix, "");
    assert_eq!(find_mention("@réd fix", "redgreen"), None);
    assert_eq!(
        find_mention("@réd fix", "réd").map(|m| m.command),
        Some(Command::Fix)
    );
}
