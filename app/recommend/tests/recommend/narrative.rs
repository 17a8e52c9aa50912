//! The narrative check: numbers and product names must come from the evidence.

use redgreen_recommend::check_narrative;

use super::support::{REQUEST, recommend_text};

#[test]
fn numbers_and_names_from_the_evidence_pass() {
    let recommendation = recommend_text(REQUEST);
    let evidence = recommendation.evidence();
    let primary = &recommendation.layers[2].primary;
    let prose = format!(
        "For 10000 users and 200 requests per second, {} scores {} of 1000.",
        primary.name, primary.score
    );
    assert_eq!(check_narrative(&prose, &evidence), Ok(()));
}

#[test]
fn invented_numbers_and_foreign_products_are_rejected() {
    let evidence = recommend_text(REQUEST).evidence();
    let problems = check_narrative(
        "Pinecone would cost 1234 dollars, and CockroachDB serves 99999 queries.",
        &evidence,
    )
    .unwrap_err();
    assert!(problems.iter().any(|p| p.contains("1234")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("99999")), "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains("CockroachDB")),
        "{problems:?}"
    );
    // Pinecone is in the catalog but excluded by the AWS constraint? No: it runs on AWS,
    // so it is a considered option and may be named.
    assert!(
        !problems.iter().any(|p| p.starts_with("Pinecone")),
        "{problems:?}"
    );
}

#[test]
fn a_catalog_product_outside_the_recommendation_is_rejected() {
    // With Python required, the Go frameworks were excluded but are still evidence; a
    // product of the catalog that the ranking never saw is not.
    let recommendation = recommend_text("python service");
    let mut evidence = recommendation.evidence();
    evidence.names.remove("Gin");
    let problems = check_narrative("Gin would be faster.", &evidence).unwrap_err();
    assert_eq!(problems, ["Gin is not an option of this recommendation"]);
}
