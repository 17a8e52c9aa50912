//! Times the whole recommendation (catalog load, constraint parsing, ranking, ADR and
//! infrastructure spec; opening the PR excluded) over N runs and prints the median and p99.
//! `cargo bench -p redgreen-recommend` (or `-- N` for another run count).

use std::time::{Duration, Instant};

use redgreen_recommend::{AdrContext, Catalog, Constraints, recommend};

const REQUEST: &str = "@redgreen recommend a Python FastAPI service for 10k users at 200 rps, \
50 GB of data, SOC 2 and GDPR, ASVS level 2, SLSA 3, AWS, github-first, strict TDD, \
multi-tenant, budget $3000/month; the team knows python and terraform.";

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(200);
    let mut whole: Vec<Duration> = Vec::with_capacity(runs);
    let mut after_load: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let Ok(catalog) = Catalog::embedded() else {
            eprintln!("the embedded catalog does not load");
            std::process::exit(1);
        };
        let loaded = Instant::now();
        let (constraints, _) = Constraints::parse(REQUEST, &catalog);
        let Ok(recommendation) = recommend(&catalog, &constraints) else {
            eprintln!("no recommendation");
            std::process::exit(1);
        };
        let context = AdrContext {
            title: "Stack for the benchmark service",
            date: "2026-11-23",
            decision_makers: &[],
            narrative: None,
        };
        let (Ok(adr), Ok(spec)) = (
            recommendation.render_adr(&context),
            recommendation.infrastructure_spec(context.title),
        ) else {
            eprintln!("rendering failed");
            std::process::exit(1);
        };
        bytes = adr.len() + spec.to_string().len() + recommendation.to_json().to_string().len();
        whole.push(start.elapsed());
        after_load.push(loaded.elapsed());
    }
    report(
        &format!("recommend (catalog load + parse + rank + ADR + spec + JSON, {bytes} bytes out)"),
        &mut whole,
    );
    report(
        "  of which with the catalog already loaded",
        &mut after_load,
    );
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{what}: runs {}, median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
