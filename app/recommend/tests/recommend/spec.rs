//! The infrastructure spec: built from the chosen options, valid against its schema, with
//! its cost inputs shown and no invented price.

use redgreen_recommend::{Layer, validate_spec};

use super::support::{REQUEST, recommend_text};

#[test]
fn the_spec_validates_and_names_the_chosen_services() {
    let recommendation = recommend_text(REQUEST);
    let spec = recommendation.infrastructure_spec("Stack").unwrap();
    validate_spec(&spec).unwrap();
    assert_eq!(spec["hosting"]["provider"], "Amazon Web Services");
    assert_eq!(
        spec["hosting"]["regions"][0], "eu-central-1",
        "GDPR keeps data in the EU"
    );
    assert_eq!(
        spec["database"]["service"],
        recommendation.chosen(Layer::Data).unwrap().name.as_str()
    );
    assert_eq!(spec["security"]["waf"], "AWS WAF");
    assert_eq!(
        spec["cicd"]["platform"],
        recommendation.chosen(Layer::CiCd).unwrap().name.as_str()
    );
}

#[test]
fn the_cost_estimate_shows_its_inputs_and_invents_no_price() {
    let spec = recommend_text(REQUEST)
        .infrastructure_spec("Stack")
        .unwrap();
    let cost = &spec["estimatedMonthlyCost"];
    assert_eq!(cost["inputs"]["users"], 10_000);
    assert_eq!(cost["inputs"]["requestsPerSecond"], 200);
    assert_eq!(cost["inputs"]["dataVolumeGb"], 50);
    assert_eq!(cost["inputs"]["budgetUsdPerMonth"], 3000);
    assert!(cost["amount"].is_null());
    assert_eq!(cost["complete"], false);
    for item in cost["lineItems"].as_array().unwrap() {
        assert!(item["usageUsd"].is_null());
        assert!(
            item["source"].as_str().unwrap().starts_with("https://"),
            "{item}"
        );
    }
}

#[test]
fn a_spec_that_breaks_the_schema_is_refused() {
    let mut spec = recommend_text(REQUEST)
        .infrastructure_spec("Stack")
        .unwrap();
    spec["cicd"]["deploymentStrategy"] = "yolo".into();
    let error = validate_spec(&spec).unwrap_err();
    assert!(error.to_string().contains("deploymentStrategy"), "{error}");
    spec["cicd"]["deploymentStrategy"] = "canary".into();
    spec.as_object_mut().unwrap().remove("security");
    assert!(validate_spec(&spec).is_err());
}

#[test]
fn without_gdpr_or_region_the_us_region_is_used() {
    let spec = recommend_text("rust on aws")
        .infrastructure_spec("Stack")
        .unwrap();
    assert_eq!(spec["hosting"]["regions"][0], "us-east-1");
}
