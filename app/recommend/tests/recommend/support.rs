//! Shared fixtures: the embedded catalog, a representative request, a fixed date.

use redgreen_recommend::{AdrContext, Catalog, Constraints, Recommendation, recommend};

/// The ADR date every test passes (never the clock).
pub const DATE: &str = "2026-11-23";

/// A request touching every kind of constraint.
pub const REQUEST: &str = "@redgreen recommend a Python FastAPI service for 10k users at 200 rps, \
50 GB of data, SOC 2 and GDPR, ASVS level 2, SLSA 3, AWS, github-first, strict TDD, \
multi-tenant, budget $3000/month; the team knows python and terraform.";

pub fn catalog() -> Catalog {
    Catalog::embedded().expect("the embedded catalog loads")
}

pub fn parse(text: &str) -> Constraints {
    let (constraints, _) = Constraints::parse(text, &catalog());
    constraints
}

pub fn recommend_text(text: &str) -> Recommendation {
    recommend(&catalog(), &parse(text)).expect("a feasible recommendation")
}

pub fn context(title: &str) -> AdrContext<'_> {
    AdrContext {
        title,
        date: DATE,
        decision_makers: &[],
        narrative: None,
    }
}
