//! Golden outputs: the ADR, the spec and the `--json` output for fixed constraints and a
//! fixed date, byte-identical across runs and kept as insta snapshots.

use super::support::{REQUEST, context, recommend_text};

#[test]
fn the_same_input_gives_byte_identical_outputs() {
    let outputs = || {
        let recommendation = recommend_text(REQUEST);
        (
            recommendation
                .render_adr(&context("Stack for the orders service"))
                .unwrap(),
            serde_json::to_string_pretty(
                &recommendation
                    .infrastructure_spec("Stack for the orders service")
                    .unwrap(),
            )
            .unwrap(),
            serde_json::to_string_pretty(&recommendation.to_json()).unwrap(),
        )
    };
    let first = outputs();
    for _ in 0..3 {
        assert_eq!(outputs(), first);
    }
}

#[test]
fn golden_adr() {
    let adr = recommend_text(REQUEST)
        .render_adr(&context("Stack for the orders service"))
        .unwrap();
    insta::assert_snapshot!(adr);
}

#[test]
fn golden_infrastructure_spec() {
    let spec = recommend_text(REQUEST)
        .infrastructure_spec("Stack for the orders service")
        .unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&spec).unwrap());
}

#[test]
fn golden_ranking_json() {
    let json = recommend_text(REQUEST).to_json();
    insta::assert_snapshot!(serde_json::to_string_pretty(&json).unwrap());
}
