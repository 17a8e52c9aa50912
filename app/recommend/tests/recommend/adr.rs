//! The MADR 4 ADR: every section of the template, the matrix and the other parts the
//! product asks for, and a date that comes from the input.

use redgreen_recommend::AdrContext;

use super::support::{DATE, REQUEST, context, recommend_text};

/// The headings and front-matter keys of MADR 4.0.0's template (vendored beside the catalog).
fn template_sections() -> (Vec<String>, Vec<String>) {
    let template = include_str!("../../catalog/madr-4.0.0-template.md");
    let headings = template
        .lines()
        .filter(|line| line.starts_with("## ") || line.starts_with("### "))
        .filter(|line| !line.contains('{'))
        .map(str::to_string)
        .collect();
    let front = template.split("---").nth(1).unwrap();
    let keys = front
        .lines()
        .filter_map(|line| line.split_once(':').map(|(key, _)| key.trim().to_string()))
        .filter(|key| !key.starts_with('#') && !key.is_empty())
        .collect();
    (headings, keys)
}

#[test]
fn the_adr_has_every_madr_4_section_in_order() {
    let adr = recommend_text(REQUEST)
        .render_adr(&context("Stack for the orders service"))
        .unwrap();
    let (headings, keys) = template_sections();
    assert_eq!(headings.len(), 8, "{headings:?}");
    let mut from = 0;
    for heading in &headings {
        let at = adr[from..]
            .find(&format!("\n{heading}\n"))
            .unwrap_or_else(|| panic!("missing or out of order: {heading}"));
        from += at + 1;
    }
    assert_eq!(
        keys,
        ["status", "date", "decision-makers", "consulted", "informed"]
    );
    let front = adr.split("---").nth(1).unwrap();
    for key in keys {
        assert!(
            front.contains(&format!("\n{key}: ")),
            "front matter lacks {key}"
        );
    }
    assert!(adr.contains("\n# Stack for the orders service\n"));
}

#[test]
fn the_adr_carries_the_product_parts() {
    let adr = recommend_text(REQUEST)
        .render_adr(&context("Stack"))
        .unwrap();
    for part in [
        "### Bill of materials",
        "### Supply-chain notes",
        "### Control mapping",
        "### Quantified trade-offs",
        "### Test plan",
        "### Rollback",
        "### Sources",
        "| NIST SSDF 1.1 | PS.3.2 |",
        "| OWASP ASVS 5.0.0 | V15.1.2 | 2 |",
        "| SLSA 1.0 | build-isolated | 3 |",
        "Chosen option:",
        "* Good, because",
    ] {
        assert!(adr.contains(part), "missing {part}");
    }
}

#[test]
fn asvs_rows_follow_the_requested_level() {
    let level_one = recommend_text("rust service, ASVS L1")
        .render_adr(&context("Stack"))
        .unwrap();
    assert!(
        !level_one.contains("| OWASP ASVS 5.0.0 | V15.1.2 |"),
        "V15.1.2 is level 2"
    );
    assert!(level_one.contains("| OWASP ASVS 5.0.0 | V12.2.1 | 1 |"));
    assert!(
        !level_one.contains("| SLSA 1.0 | build-isolated |"),
        "no SLSA 3 asked for"
    );
}

#[test]
fn the_date_comes_from_the_context() {
    let recommendation = recommend_text(REQUEST);
    let adr = recommendation.render_adr(&context("Stack")).unwrap();
    assert!(adr.contains(&format!("\ndate: {DATE}\n")));
    let later = recommendation
        .render_adr(&AdrContext {
            date: "2028-01-02",
            ..context("Stack")
        })
        .unwrap();
    assert!(later.contains("\ndate: 2028-01-02\n"));
    // Two years on, the facts are reported stale.
    assert!(later.contains("re-check before relying on them"));
    let bad = recommendation.render_adr(&AdrContext {
        date: "tomorrow",
        ..context("Stack")
    });
    assert!(bad.is_err());
}

#[test]
fn a_narrative_is_used_only_if_it_passes_the_evidence_check() {
    let recommendation = recommend_text(REQUEST);
    let good = "The orders service needs a stack that an auditor can follow. FastAPI on CPython, with Amazon RDS for PostgreSQL, fits the team.";
    let adr = recommendation
        .render_adr(&AdrContext {
            narrative: Some(good),
            ..context("Stack")
        })
        .unwrap();
    assert!(adr.contains(good));
    let invented = "MongoDB handles 47000 writes per second, so it wins.";
    let adr = recommendation
        .render_adr(&AdrContext {
            narrative: Some(invented),
            ..context("Stack")
        })
        .unwrap();
    assert!(!adr.contains(invented));
    assert!(adr.contains("rejected by the evidence check"));
}
