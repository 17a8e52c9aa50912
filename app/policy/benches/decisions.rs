//! Times Cedar trigger decisions: back to back, and paced at 500 a second the way the trigger
//! path sees them. Each timed decision includes building its `TriggerRequest`.
//! Run: `cargo bench -p redgreen-policy --bench decisions`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use redgreen_core::Command;
use redgreen_policy::{Permission, PolicyEngine, TriggerRequest};

const BACK_TO_BACK: usize = 20_000;
const PACED: usize = 5_000;
const PACED_INTERVAL: Duration = Duration::from_micros(2_000);

/// Who asked, at what permission, and whether it is a bot, allow-listed, or the app.
type Actor = (&'static str, Permission, bool, bool, bool);

/// A mix of allowed and denied triggers, so every policy is evaluated.
const ACTORS: [Actor; 6] = [
    ("alice", Permission::Write, false, false, false),
    ("bob", Permission::Read, false, false, false),
    ("carol", Permission::Admin, false, false, false),
    ("dependabot[bot]", Permission::Write, true, false, false),
    ("renovate[bot]", Permission::Write, true, true, false),
    ("redgreen[bot]", Permission::Admin, true, true, true),
];
const MINIMUMS: [Permission; 3] = [Permission::Read, Permission::Write, Permission::Maintain];

fn request(i: usize) -> TriggerRequest {
    let (login, permission, is_bot, allowlisted, own_app) = ACTORS[i % ACTORS.len()];
    TriggerRequest {
        actor_login: login.to_owned(),
        actor_is_bot: is_bot,
        bot_allowlisted: allowlisted,
        own_app,
        permission,
        command: Command::ALL[i % Command::ALL.len()],
        repository: "octo-org/demo-repository".to_owned(),
        min_permission: MINIMUMS[i % MINIMUMS.len()],
    }
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| {
        let rank = (q * samples.len() as f64).ceil() as usize;
        samples[rank.saturating_sub(1).min(samples.len() - 1)]
    };
    println!(
        "{label}: n={} p50={:.1}us p99={:.1}us max={:.1}us",
        samples.len(),
        at(0.50).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        at(1.0).as_secs_f64() * 1e6,
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = PolicyEngine::embedded()?;
    let mut allowed = 0usize;
    for i in 0..1_000 {
        allowed += usize::from(engine.decide(&request(i)).allowed);
    }
    println!("warm-up: 1000 decisions, {allowed} allowed");

    let mut samples = Vec::with_capacity(BACK_TO_BACK);
    for i in 0..BACK_TO_BACK {
        let start = Instant::now();
        black_box(engine.decide(&request(i)));
        samples.push(start.elapsed());
    }
    report("back-to-back", samples);

    let mut samples = Vec::with_capacity(PACED);
    let mut late = 0usize;
    let begin = Instant::now();
    for i in 0..PACED {
        let due = begin + PACED_INTERVAL * u32::try_from(i)?;
        match due.checked_duration_since(Instant::now()) {
            Some(wait) => std::thread::sleep(wait),
            None => late += 1,
        }
        let start = Instant::now();
        black_box(engine.decide(&request(i)));
        samples.push(start.elapsed());
    }
    let rate = PACED as f64 / begin.elapsed().as_secs_f64();
    report(
        &format!("paced 500/s (achieved {rate:.0}/s, {late} started late)"),
        samples,
    );
    Ok(())
}
