//! The catalog check (run in CI): the embedded catalog loads and validates against its
//! schemas, breaks no catalog rule, cites a source for every fact, has no fact older than
//! its threshold relative to its review date, and agrees with the CNCF landscape file.

use redgreen_recommend::{Catalog, Controls, Framework, Layer};

use super::support::catalog;

#[test]
fn the_embedded_catalog_loads_and_breaks_no_rule() {
    let catalog = catalog();
    assert_eq!(catalog.problems(), Vec::new());
    for layer in Layer::ALL {
        let options = catalog.layer(layer);
        assert!(options.len() >= 3, "{layer} has {} options", options.len());
    }
}

#[test]
fn every_fact_cites_an_https_source_and_a_date() {
    for options in catalog().options.values() {
        for option in options {
            assert!(!option.sources().is_empty(), "{} cites nothing", option.id);
            for (name, fact) in &option.facts {
                assert!(fact.source.starts_with("https://"), "{}.{name}", option.id);
                assert_eq!(fact.as_of.len(), 10, "{}.{name}: {}", option.id, fact.as_of);
            }
        }
    }
}

#[test]
fn no_fact_is_stale_at_the_catalog_review_date() {
    let catalog = catalog();
    let stale = catalog.stale_facts(&catalog.reviewed).unwrap();
    assert_eq!(stale, Vec::new());
}

#[test]
fn facts_older_than_the_threshold_are_flagged() {
    let mut catalog = catalog();
    let option = catalog
        .options
        .get_mut(&Layer::Data)
        .unwrap()
        .get_mut(0)
        .unwrap();
    let id = option.id.clone();
    option.facts.get_mut("licence").unwrap().as_of = "2024-01-01".to_string();
    let stale = catalog.stale_facts("2026-11-23").unwrap();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(
        (stale[0].option.as_str(), stale[0].fact.as_str()),
        (id.as_str(), "licence")
    );
    assert_eq!(stale[0].age_days, 1057);
    // One year later every fact is past the 365-day threshold.
    let later = catalog.stale_facts("2027-11-24").unwrap();
    let total: usize = catalog
        .options
        .values()
        .flatten()
        .map(|o| o.facts.len())
        .sum();
    assert_eq!(later.len(), total);
    assert!(catalog.stale_facts("23/11/2026").is_err());
}

#[test]
fn each_layer_mixes_managed_and_self_run_options_where_the_market_has_both() {
    let catalog = catalog();
    for layer in [
        Layer::Data,
        Layer::VectorSearch,
        Layer::Orchestration,
        Layer::CiCd,
        Layer::SecurityScanning,
        Layer::SbomProvenance,
        Layer::RuntimeIsolation,
        Layer::IacPolicy,
        Layer::Telemetry,
        Layer::Hosting,
        Layer::Caching,
        Layer::Monitoring,
    ] {
        let deliveries: std::collections::BTreeSet<&str> =
            catalog.layer(layer).iter().map(|o| o.delivery()).collect();
        assert!(deliveries.contains("managed"), "{layer}: {deliveries:?}");
        assert!(deliveries.len() >= 2, "{layer}: {deliveries:?}");
    }
}

#[test]
fn every_mapped_control_exists_in_the_embedded_control_catalogs() {
    let controls = Controls::embedded().unwrap();
    assert_eq!(controls.asvs.len(), 345, "ASVS 5.0.0 has 345 requirements");
    assert_eq!(controls.asvs["V15.1.2"].level, Some(2));
    assert!(controls.ssdf.contains_key("PS.3.2"));
    assert_eq!(controls.slsa["build-isolated"].level, Some(3));
    for mapping in &controls.mappings {
        assert!(
            controls
                .control(mapping.framework, &mapping.control)
                .is_some(),
            "{:?} {}",
            mapping.framework,
            mapping.control
        );
    }
    let frameworks: std::collections::BTreeSet<Framework> =
        controls.mappings.iter().map(|m| m.framework).collect();
    assert_eq!(frameworks.len(), 3);
}

#[test]
fn a_broken_catalog_file_is_refused_with_its_name() {
    let head = redgreen_recommend::CatalogFile {
        name: "catalog.yaml",
        text: include_str!("../../catalog/catalog.yaml"),
    };
    let mut layers = redgreen_recommend::EMBEDDED_LAYER_FILES.to_vec();
    let broken = include_str!("../../catalog/layers/caching.yaml")
        .replace("delivery: {value: managed", "delivery: {value: rented");
    layers[12] = redgreen_recommend::CatalogFile {
        name: "layers/caching.yaml",
        text: &broken,
    };
    let error = Catalog::load(head, &layers, Controls::embedded().unwrap()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("layers/caching.yaml"), "{message}");
    assert!(!error.is_retryable());
}

/// CNCF maturity facts must match the landscape file they cite (the items the catalog names,
/// cut from cncf/landscape's landscape.yml into `testdata/`; see `testdata/README.md`).
#[test]
fn cncf_maturity_facts_match_the_landscape_file() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/catalog-sources/cncf-landscape.yml"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let landscape: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut items = std::collections::BTreeMap::new();
    for category in landscape["landscape"].as_sequence().unwrap() {
        for subcategory in category["subcategories"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            for item in subcategory["items"].as_sequence().into_iter().flatten() {
                let name = item["name"].as_str().unwrap_or_default().to_string();
                let project = item["project"].as_str().map(str::to_string);
                items.entry(name).or_insert(project);
            }
        }
    }
    let mut checked = 0;
    for option in catalog().options.values().flatten() {
        let Some(name) = &option.landscape else {
            continue;
        };
        let project = items
            .get(name)
            .unwrap_or_else(|| panic!("{}: {name:?} is not in the landscape", option.id));
        let maturity = option.fact("maturity").unwrap();
        match project {
            Some(project) => {
                assert_eq!(
                    maturity.value.as_str(),
                    Some(project.as_str()),
                    "{}",
                    option.id
                );
                assert!(maturity.source.contains("cncf/landscape"), "{}", option.id);
                checked += 1;
            }
            None => assert!(
                !["graduated", "incubating", "sandbox"].contains(&maturity.value.as_str().unwrap()),
                "{} claims a CNCF maturity the landscape does not give it",
                option.id
            ),
        }
    }
    assert!(checked >= 10, "only {checked} CNCF projects checked");
}
