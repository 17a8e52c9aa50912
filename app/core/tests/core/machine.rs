//! The run state machine: every transition snapshotted, plus the properties the worker relies on.

use std::fmt::Write as _;

use redgreen_core::machine::{Effect, Event, Failure, Machine, PhaseOutput, step};
use redgreen_core::repo_config::Verify;
use redgreen_core::work::{
    BudgetLimits, GreenProof, IssueText, PatchWork, Prepared, Published, RedProof, TestSummary,
    Usage,
};
use redgreen_core::{RunKind, RunState};

/// A plausible product for each phase, as a worker would report it.
fn output_for(phase: RunState) -> PhaseOutput {
    let summary = TestSummary::default();
    match phase {
        RunState::Preparing => PhaseOutput::Prepared(Box::new(Prepared {
            issue: IssueText::default(),
            base_commit: "0123abcd".into(),
            test_command: "python3 -m unittest -v".into(),
            test_command_source: ".github/redgreen.yml".into(),
            max_attempts: 2,
            budget: BudgetLimits {
                tokens: Some(1000),
                usd_micros: None,
                minutes: Some(30),
            },
            baseline: summary,
            verify: Verify::Full,
        })),
        RunState::Planning => PhaseOutput::Planned {
            plan: serde_json::json!({"summary": "fix it"}),
            red_needed: true,
        },
        RunState::Red => PhaseOutput::Red(RedProof {
            tests: vec!["tests.test_x".into()],
            rationale: "shows the bug".into(),
            diff: "+assert".into(),
            run: summary,
            replaced: Vec::new(),
        }),
        RunState::Patch => PhaseOutput::Patched(PatchWork {
            rationale: "the fix".into(),
            diff: "+fixed".into(),
        }),
        RunState::Green => PhaseOutput::Green(Box::new(GreenProof {
            named: summary.clone(),
            suite: summary,
            selection: None,
            baseline: None,
            flaky: Vec::new(),
        })),
        _ => PhaseOutput::Published(Published {
            branch: "redgreen/1-fix".into(),
            commit: "feed".into(),
            pr_number: Some(7),
            pr_url: None,
        }),
    }
}

fn events() -> Vec<Event> {
    vec![
        Event::Started,
        Event::PhaseSucceeded {
            output: output_for(RunState::Patch),
        },
        Event::VerificationFailed {
            evidence: "still failing".into(),
        },
        Event::Spent {
            usage: Usage {
                input_tokens: 10,
                ..Usage::default()
            },
        },
        Event::PhaseFailed {
            reason: "flaky".into(),
            failure: Failure::Transient,
        },
        Event::PhaseFailed {
            reason: "budget".into(),
            failure: Failure::NeedsHuman,
        },
        Event::PhaseFailed {
            reason: "broken".into(),
            failure: Failure::Fatal,
        },
        Event::CancelRequested,
        Event::Continue,
        Event::Retry,
    ]
}

fn machine_in(kind: RunKind, state: RunState) -> Machine {
    Machine {
        resume_at: (state == RunState::NeedsHuman).then_some(RunState::Red),
        state,
        ..Machine::new(kind)
    }
}

fn describe_event(event: &Event) -> String {
    match event {
        Event::PhaseFailed { failure, .. } => format!("phase_failed({failure:?})"),
        Event::PhaseSucceeded { .. } => "PhaseSucceeded".into(),
        Event::VerificationFailed { .. } => "VerificationFailed".into(),
        Event::Spent { .. } => "Spent".into(),
        other => format!("{other:?}"),
    }
}

/// One line per (state, event): the full transition table of a kind, for review in diffs.
fn transition_table(kind: RunKind) -> String {
    let mut table = String::new();
    for state in RunState::ALL {
        for event in events() {
            let before = machine_in(kind, state);
            let (after, effects) = step(&before, &event);
            let effects: Vec<String> = effects
                .iter()
                .map(|effect| match effect {
                    Effect::RunPhase(phase) => format!("run_phase({phase})"),
                    other => format!("{other:?}"),
                })
                .collect();
            let _ = writeln!(
                table,
                "{state:<12} + {:<24} -> {:<12} resume_at={:<6} [{}]",
                describe_event(&event),
                after.state.as_str(),
                after.resume_at.map(RunState::as_str).unwrap_or("-"),
                effects.join(", ")
            );
        }
    }
    table
}

#[test]
fn fix_transitions() {
    insta::assert_snapshot!(transition_table(RunKind::Fix));
}

#[test]
fn test_run_transitions() {
    insta::assert_snapshot!(transition_table(RunKind::Test));
}

#[test]
fn every_kind_walks_its_phases_in_order_to_done() {
    for kind in RunKind::ALL {
        let mut machine = Machine::new(kind);
        let (next, effects) = step(&machine, &Event::Started);
        let mut visited = vec![next.state];
        assert!(effects.contains(&Effect::RunPhase(next.state)));
        machine = next;
        while machine.state != RunState::Done {
            let output = output_for(machine.state);
            let (next, effects) = step(&machine, &Event::PhaseSucceeded { output });
            assert_ne!(
                next.state, machine.state,
                "{kind}: stuck in {}",
                machine.state
            );
            if next.state != RunState::Done {
                assert!(effects.contains(&Effect::RunPhase(next.state)));
                visited.push(next.state);
            } else {
                assert!(effects.contains(&Effect::Cleanup));
            }
            machine = next;
        }
        assert_eq!(visited, Machine::phases(kind), "{kind}");
    }
}

#[test]
fn terminal_runs_never_move() {
    for kind in RunKind::ALL {
        for state in [RunState::Done, RunState::Failed, RunState::Cancelled] {
            for event in events() {
                let before = machine_in(kind, state);
                let (after, effects) = step(&before, &event);
                assert_eq!(after, before);
                assert!(effects.is_empty());
            }
        }
    }
}

#[test]
fn cancel_from_any_live_state_cleans_up() {
    for kind in RunKind::ALL {
        for state in RunState::ALL.into_iter().filter(|s| !s.is_terminal()) {
            let (after, effects) = step(&machine_in(kind, state), &Event::CancelRequested);
            assert_eq!(after.state, RunState::Cancelled);
            assert!(effects.contains(&Effect::Cleanup), "{kind} {state}");
        }
    }
}

#[test]
fn parked_run_resumes_where_it_stopped_and_restart_redoes_the_phase() {
    let patching = machine_in(RunKind::Fix, RunState::Patch);
    let (parked, _) = step(
        &patching,
        &Event::PhaseFailed {
            reason: "token budget spent".into(),
            failure: Failure::NeedsHuman,
        },
    );
    assert_eq!(parked.state, RunState::NeedsHuman);
    assert_eq!(parked.last_error.as_deref(), Some("token budget spent"));

    // A worker that restarts finds the run parked and does nothing with it.
    assert!(step(&parked, &Event::Started).1.is_empty());

    let (resumed, effects) = step(&parked, &Event::Continue);
    assert_eq!(resumed.state, RunState::Patch);
    assert_eq!(resumed.last_error, None);
    assert_eq!(
        effects,
        vec![Effect::PublishProgress, Effect::RunPhase(RunState::Patch)]
    );

    // A crash mid-phase: the checkpoint says `patch`, so a restart runs `patch` again.
    let (restarted, effects) = step(&resumed, &Event::Started);
    assert_eq!(restarted, resumed);
    assert_eq!(effects, vec![Effect::RunPhase(RunState::Patch)]);
}

#[test]
fn checkpoint_round_trips_through_json() {
    let mut machine = Machine {
        state: RunState::NeedsHuman,
        resume_at: Some(RunState::Green),
        last_error: Some("tests still fail".into()),
        ..Machine::new(RunKind::FollowUp)
    };
    for phase in Machine::phases(RunKind::FollowUp) {
        machine = step(
            &Machine {
                state: *phase,
                ..machine
            },
            &Event::PhaseSucceeded {
                output: output_for(*phase),
            },
        )
        .0;
    }
    let machine = Machine {
        state: RunState::NeedsHuman,
        resume_at: Some(RunState::Green),
        ..machine
    };
    assert!(machine.work.published.is_some() && machine.work.red.is_some());
    let json = serde_json::to_value(&machine).unwrap();
    assert_eq!(json["state"], "needs_human");
    assert_eq!(json["kind"], "follow_up");
    let back: Machine = serde_json::from_value(json).unwrap();
    assert_eq!(back, machine);
}

/// Drives a fix run from `queued` to `state` with every phase succeeding.
fn fix_run_at(state: RunState) -> Machine {
    let mut machine = step(&Machine::new(RunKind::Fix), &Event::Started).0;
    while machine.state != state {
        let output = output_for(machine.state);
        machine = step(&machine, &Event::PhaseSucceeded { output }).0;
    }
    machine
}

#[test]
fn a_failed_green_goes_back_to_patch_with_the_evidence_until_the_attempts_are_spent() {
    let green = fix_run_at(RunState::Green);
    let failed = Event::VerificationFailed {
        evidence: "test_other failed: 1 != 2".into(),
    };
    let (patching, effects) = step(&green, &failed);
    assert_eq!(patching.state, RunState::Patch);
    assert_eq!(patching.attempts, 1);
    assert_eq!(
        patching.feedback.as_deref(),
        Some("test_other failed: 1 != 2")
    );
    assert_eq!(
        effects,
        vec![Effect::PublishProgress, Effect::RunPhase(RunState::Patch)]
    );
    // The red proof survives the retry: the next patch is judged against the same tests.
    assert!(patching.work.red.is_some());

    // The repository allows 2 attempts (see `output_for`): the second failure parks the run
    // at patch, and the parking reason carries the last evidence.
    let (parked, effects) = step(&patching, &failed);
    assert_eq!(parked.state, RunState::NeedsHuman);
    assert_eq!(parked.resume_at, Some(RunState::Patch));
    assert!(parked.last_error.as_deref().unwrap().contains("1 != 2"));
    assert!(effects.contains(&Effect::Cleanup));

    // `continue` grants fresh attempts and a second allowance.
    let (resumed, _) = step(&parked, &Event::Continue);
    assert_eq!(resumed.state, RunState::Patch);
    assert_eq!(resumed.attempts, 0);
    assert_eq!(resumed.feedback, None);
    assert_eq!(resumed.allowances, 2);
}

#[test]
fn a_red_test_that_passes_is_sent_back_to_red() {
    let red = fix_run_at(RunState::Red);
    let (again, effects) = step(
        &red,
        &Event::VerificationFailed {
            evidence: "tests.test_x passed on the base commit".into(),
        },
    );
    assert_eq!(again.state, RunState::Red);
    assert_eq!(
        effects,
        vec![Effect::PublishProgress, Effect::RunPhase(RunState::Red)]
    );
}

#[test]
fn continue_grants_a_whole_allowance_from_what_was_spent() {
    let mut machine = fix_run_at(RunState::Planning);
    assert_eq!(machine.budget().unwrap().tokens, Some(1000));
    for _ in 0..2 {
        let usage = Usage {
            input_tokens: 300,
            output_tokens: 100,
            model_ms: 50,
            wall_ms: 80,
            ..Usage::default()
        };
        machine = step(&machine, &Event::Spent { usage }).0;
    }
    assert_eq!(machine.usage.tokens(), 800);
    assert_eq!(machine.usage.overhead_ms(), 60);
    let (parked, _) = step(
        &machine,
        &Event::PhaseFailed {
            reason: "token budget spent".into(),
            failure: Failure::NeedsHuman,
        },
    );
    let (resumed, _) = step(&parked, &Event::Continue);
    // A whole allowance from what was spent: 800 + 1,000 tokens, 0 + 30 minutes.
    assert_eq!(resumed.budget().unwrap().tokens, Some(1800));
    assert_eq!(resumed.budget().unwrap().minutes, Some(30));
    assert_eq!(resumed.allowances, 2);
    assert_eq!(
        resumed.usage, machine.usage,
        "continue keeps what was spent"
    );
    // An overrun (spent past the cap before a call was refused) still gets a whole one.
    let overrun = Machine {
        usage: Usage {
            input_tokens: 5000,
            ..machine.usage
        },
        ..parked
    };
    let (resumed, _) = step(&overrun, &Event::Continue);
    assert_eq!(resumed.budget().unwrap().tokens, Some(5200 + 1000));
}

#[test]
fn a_follow_up_whose_plan_needs_no_test_skips_red() {
    let planning = {
        let mut machine = step(&Machine::new(RunKind::FollowUp), &Event::Started).0;
        let output = output_for(RunState::Preparing);
        machine = step(&machine, &Event::PhaseSucceeded { output }).0;
        machine
    };
    assert_eq!(planning.state, RunState::Planning);
    let planned = |red_needed| Event::PhaseSucceeded {
        output: PhaseOutput::Planned {
            plan: serde_json::json!({}),
            red_needed,
        },
    };
    assert_eq!(step(&planning, &planned(false)).0.state, RunState::Patch);
    assert_eq!(step(&planning, &planned(true)).0.state, RunState::Red);
    // A fix always proves the bug first, whatever the plan says.
    let fix = fix_run_at(RunState::Planning);
    assert_eq!(step(&fix, &planned(false)).0.state, RunState::Red);
}

#[test]
fn regressions_are_tests_that_passed_on_the_base_and_do_not_pass_now() {
    use redgreen_core::work::TestOutcome::*;
    let summary = |outcomes: &[(&str, redgreen_core::work::TestOutcome)]| TestSummary {
        outcomes: outcomes.iter().map(|(n, o)| (n.to_string(), *o)).collect(),
        ..TestSummary::default()
    };
    let base = summary(&[("a", Passed), ("b", Passed), ("c", Failed), ("d", Passed)]);
    let after = summary(&[("a", Passed), ("b", Failed), ("c", Passed), ("e", Passed)]);
    assert_eq!(after.regressions_against(&base), vec!["b", "d"]);
    assert!(summary(&[]).regressions_against(&base).is_empty());
}
