//! Ranking: knock-outs, scores, alternatives, and what changes when one constraint does.

use std::collections::BTreeSet;

use redgreen_recommend::{Layer, RecommendError, Recommendation, recommend};

use super::support::{REQUEST, catalog, parse, recommend_text};

fn chosen(recommendation: &Recommendation) -> Vec<(Layer, String)> {
    recommendation
        .layers
        .iter()
        .map(|d| (d.layer, d.primary.id.clone()))
        .collect()
}

/// The layers whose ranking (every considered option's id and score) differs.
fn changed_layers(a: &Recommendation, b: &Recommendation) -> BTreeSet<Layer> {
    let ranking = |r: &Recommendation, layer: Layer| -> Vec<(String, u32)> {
        r.layer(layer)
            .unwrap()
            .considered()
            .map(|o| (o.id.clone(), o.score))
            .collect()
    };
    Layer::ALL
        .into_iter()
        .filter(|layer| ranking(a, *layer) != ranking(b, *layer))
        .collect()
}

#[test]
fn every_layer_has_a_primary_and_two_alternatives_each_with_a_source() {
    let recommendation = recommend_text(REQUEST);
    assert_eq!(recommendation.layers.len(), 14);
    for decision in &recommendation.layers {
        for option in decision.considered() {
            assert!(!option.sources().is_empty(), "{} cites nothing", option.id);
            assert!(option.score <= 1000 && option.confidence <= 100);
        }
        let survivors = decision.considered().count();
        assert_eq!(
            decision.alternatives.len(),
            (survivors - 1).min(2),
            "{}",
            decision.layer
        );
    }
    // Without a language, cloud or SLSA level to narrow them, every layer has two.
    for decision in &recommend_text("a service").layers {
        assert_eq!(decision.alternatives.len(), 2, "{}", decision.layer);
    }
}

#[test]
fn the_language_knocks_out_other_runtimes_and_frameworks() {
    let recommendation = recommend_text(REQUEST);
    let runtime = recommendation.layer(Layer::Runtime).unwrap();
    assert_eq!(runtime.primary.id, "cpython");
    assert!(runtime.alternatives.is_empty());
    assert!(
        runtime
            .excluded
            .iter()
            .all(|e| e.constraints == ["languages"])
    );
    let framework = recommendation.layer(Layer::WebFramework).unwrap();
    assert_eq!(framework.primary.id, "fastapi", "named and test-friendly");
    let ids: BTreeSet<&str> = framework.considered().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from(["django", "fastapi", "flask"]));
}

#[test]
fn the_cloud_knocks_out_other_clouds_managed_services() {
    let recommendation = recommend_text(REQUEST);
    for decision in &recommendation.layers {
        for option in decision.considered() {
            assert!(
                !["gcp", "azure", "gke", "aks", "gcp-cloud-sql-postgresql"]
                    .contains(&option.id.as_str()),
                "{}",
                option.id
            );
        }
    }
    assert_eq!(recommendation.chosen(Layer::Hosting).unwrap().id, "aws");
}

#[test]
fn the_first_alternative_differs_in_kind_when_one_exists() {
    let recommendation = recommend_text(REQUEST);
    let data = recommendation.layer(Layer::Data).unwrap();
    assert_ne!(data.alternatives[0].delivery, data.primary.delivery);
}

#[test]
fn changing_the_language_changes_only_runtime_and_framework() {
    let python = recommend_text("python service");
    let go = recommend_text("go service");
    assert_eq!(
        changed_layers(&python, &go),
        BTreeSet::from([Layer::Runtime, Layer::WebFramework])
    );
    assert_eq!(go.chosen(Layer::Runtime).unwrap().id, "go");
}

#[test]
fn strict_tdd_changes_only_the_framework_layer() {
    let plain = recommend_text("typescript service");
    let tdd = recommend_text("typescript service, strict TDD");
    assert_eq!(
        changed_layers(&plain, &tdd),
        BTreeSet::from([Layer::WebFramework])
    );
    let framework = tdd.layer(Layer::WebFramework).unwrap();
    assert!(
        framework.considered().last().unwrap().id == "express",
        "express ships no test client"
    );
}

#[test]
fn github_first_changes_only_layers_with_github_evidence() {
    let plain = recommend_text("rust service");
    let github = recommend_text("rust service, github-first");
    let changed = changed_layers(&plain, &github);
    let expected = BTreeSet::from([Layer::CiCd, Layer::SecurityScanning, Layer::SbomProvenance]);
    assert_eq!(changed, expected);
}

#[test]
fn a_cloud_changes_only_layers_with_cloud_specific_options() {
    let plain = recommend_text("rust service");
    let azure = recommend_text("rust service on azure");
    let changed = changed_layers(&plain, &azure);
    assert!(changed.contains(&Layer::Hosting));
    assert!(!changed.contains(&Layer::Runtime) && !changed.contains(&Layer::WebFramework));
    assert!(
        !changed.contains(&Layer::SecurityScanning),
        "no scanner is cloud-specific"
    );
    assert_eq!(azure.chosen(Layer::Hosting).unwrap().id, "azure");
}

#[test]
fn a_denied_licence_removes_its_options() {
    let recommendation = recommend_text("rust service, no agpl");
    let caching = recommendation.layer(Layer::Caching).unwrap();
    let redis = caching.excluded.iter().find(|e| e.id == "redis").unwrap();
    assert_eq!(redis.constraints, ["deny_licences"]);
    assert!(caching.considered().all(|o| o.id != "redis"));
}

#[test]
fn hipaa_requires_eligibility_of_managed_services_and_encryption_of_the_data_store() {
    let recommendation = recommend_text("java service, HIPAA");
    let data = recommendation.layer(Layer::Data).unwrap();
    let excluded: BTreeSet<&str> = data.excluded.iter().map(|e| e.id.as_str()).collect();
    // PostgreSQL leaves encryption at rest to the storage layer, per its own docs.
    assert!(excluded.contains("postgresql"), "{excluded:?}");
    let hosting = recommendation.layer(Layer::Hosting).unwrap();
    // Fly.io and Hetzner publish no HIPAA eligibility: without a BAA they are out.
    let fly = hosting.excluded.iter().find(|e| e.id == "fly-io").unwrap();
    assert!(
        fly.reasons[0].contains("no evidence of hipaa_eligible"),
        "{:?}",
        fly.reasons
    );
}

#[test]
fn a_requirement_without_evidence_keeps_the_option_unverified_when_the_rule_allows() {
    let recommendation = recommend_text("rust service, SOC 2");
    let hosting = recommendation.layer(Layer::Hosting).unwrap();
    // Fly.io publishes no audit log in the catalog: kept, marked unverified, less confident.
    let fly = hosting.considered().find(|o| o.id == "fly-io").unwrap();
    assert!(
        fly.unverified.iter().any(|u| u.starts_with("soc2")),
        "{:?}",
        fly.unverified
    );
    assert!(fly.confidence < hosting.primary.confidence);
}

#[test]
fn slsa_level_three_excludes_ci_platforms_below_it() {
    let recommendation = recommend_text("rust service, slsa 3");
    let ci = recommendation.layer(Layer::CiCd).unwrap();
    assert!(["github-actions", "google-cloud-build"].contains(&ci.primary.id.as_str()));
    assert_eq!(ci.primary.id, "github-actions", "ties break by id");
    // Jenkins publishes no level, so it cannot be shown to reach level 3.
    let jenkins = ci.excluded.iter().find(|e| e.id == "jenkins").unwrap();
    assert_eq!(jenkins.constraints, ["slsa"]);
}

#[test]
fn missing_evidence_scores_neutral_and_lowers_confidence() {
    let recommendation = recommend_text("rust service, SOC 2");
    let data = recommendation.layer(Layer::Data).unwrap();
    let sqlite = data.considered().find(|o| o.id == "sqlite").unwrap();
    let audit = sqlite
        .criteria
        .iter()
        .find(|c| c.criterion == "audit_log")
        .unwrap();
    assert_eq!((audit.score, audit.evidence.is_none()), (50, true));
    assert!(sqlite.confidence < 100);
}

#[test]
fn an_impossible_language_is_explained_not_answered_with_an_empty_adr() {
    let error = recommend(&catalog(), &parse("a COBOL service")).unwrap_err();
    let RecommendError::Infeasible(infeasible) = &error else {
        panic!("expected an explanation, got {error}");
    };
    let layers: Vec<Layer> = infeasible.blocked.iter().map(|b| b.layer).collect();
    assert_eq!(layers, [Layer::Runtime, Layer::WebFramework]);
    let text = infeasible.explain();
    assert!(
        text.contains("No stack satisfies these constraints"),
        "{text}"
    );
    assert!(text.contains("supports python, not cobol"), "{text}");
    assert!(text.contains("`languages`"), "{text}");
    assert!(!error.is_retryable());
}

#[test]
fn an_impossible_licence_and_cloud_mix_is_explained() {
    let mut constraints = parse("rust on gcp");
    constraints
        .deny_licences
        .insert("LicenseRef-proprietary".into());
    constraints.deny_licences.insert("Apache-2.0".into());
    let error = recommend(&catalog(), &constraints).unwrap_err();
    let RecommendError::Infeasible(infeasible) = error else {
        panic!()
    };
    assert!(infeasible.blocked.iter().any(|b| b.layer == Layer::Hosting));
    assert!(infeasible.explain().contains("is denied"));
}

#[test]
fn ranking_is_deterministic() {
    let a = recommend_text(REQUEST).to_json().to_string();
    let b = recommend_text(REQUEST).to_json().to_string();
    assert_eq!(a, b);
    assert_eq!(
        chosen(&recommend_text(REQUEST)),
        chosen(&recommend_text(REQUEST))
    );
}
