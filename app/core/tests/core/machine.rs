//! The run state machine: every transition snapshotted, plus the properties the worker relies on.

use std::fmt::Write as _;

use redgreen_core::machine::{Effect, Event, Failure, Machine, step};
use redgreen_core::{RunKind, RunState};

fn events() -> Vec<Event> {
    vec![
        Event::Started,
        Event::PhaseSucceeded,
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
        kind,
        state,
        resume_at: (state == RunState::NeedsHuman).then_some(RunState::Red),
        last_error: None,
    }
}

fn describe_event(event: &Event) -> String {
    match event {
        Event::PhaseFailed { failure, .. } => format!("phase_failed({failure:?})"),
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
            let (next, effects) = step(&machine, &Event::PhaseSucceeded);
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
    let machine = Machine {
        kind: RunKind::FollowUp,
        state: RunState::NeedsHuman,
        resume_at: Some(RunState::Green),
        last_error: Some("tests still fail".into()),
    };
    let json = serde_json::to_value(&machine).unwrap();
    assert_eq!(json["state"], "needs_human");
    assert_eq!(json["kind"], "follow_up");
    let back: Machine = serde_json::from_value(json).unwrap();
    assert_eq!(back, machine);
}
