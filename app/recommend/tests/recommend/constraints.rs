//! Constraint parsing: free text and the fenced YAML block; unknown words come back.

use redgreen_recommend::{Constraints, WordOrigin};

use super::support::{REQUEST, catalog};

#[test]
fn free_text_yields_every_kind_of_constraint() {
    let (c, unknown) = Constraints::parse(REQUEST, &catalog());
    assert_eq!(unknown, Vec::new(), "{unknown:?}");
    assert_eq!(c.languages.iter().collect::<Vec<_>>(), ["python"]);
    assert_eq!(c.preferences.iter().collect::<Vec<_>>(), ["fastapi"]);
    assert_eq!(c.compliance.iter().collect::<Vec<_>>(), ["gdpr", "soc2"]);
    assert_eq!((c.asvs_level, c.slsa_level), (Some(2), Some(3)));
    assert_eq!(c.users, Some(10_000));
    assert_eq!(c.requests_per_second, Some(200));
    assert_eq!(c.data_volume_gb, Some(50));
    assert_eq!(c.budget_usd_per_month, Some(3000));
    assert_eq!(c.clouds.iter().collect::<Vec<_>>(), ["aws"]);
    assert!(c.github_first && c.strict_tdd && c.multi_tenancy);
    assert_eq!(
        c.team_skills.iter().collect::<Vec<_>>(),
        ["python", "terraform"]
    );
}

#[test]
fn the_yaml_block_is_read_and_wins_over_the_text() {
    let text = "@redgreen recommend something in go for 500 users\n\n```yaml\nlanguage: rust\nusers: 20k\ncompliance: [HIPAA, \"SOC 2\"]\nslsa_level: L2\ncloud: gcp\ndeny_licenses: [agpl]\noperations: managed\nregion: eu\n```\n";
    let (c, unknown) = Constraints::parse(text, &catalog());
    assert_eq!(unknown, Vec::new(), "{unknown:?}");
    assert_eq!(c.languages.iter().collect::<Vec<_>>(), ["go", "rust"]);
    assert_eq!(c.users, Some(20_000));
    assert_eq!(c.compliance.iter().collect::<Vec<_>>(), ["hipaa", "soc2"]);
    assert_eq!(c.slsa_level, Some(2));
    assert_eq!(c.clouds.iter().collect::<Vec<_>>(), ["gcp"]);
    assert!(c.deny_licences.contains("AGPL-3.0-only"));
    assert_eq!(c.operations.as_deref(), Some("managed"));
    assert_eq!(c.region.as_deref(), Some("eu"));
}

#[test]
fn unknown_words_keys_and_values_are_reported_not_dropped() {
    let text = "recommend python with blockchain vibes\n```yaml\nlanguage: python\nflux_capacitor: true\ncompliance: [fedramp]\nframeworks: [rails-ish]\n```";
    let (c, unknown) = Constraints::parse(text, &catalog());
    assert_eq!(c.languages.iter().collect::<Vec<_>>(), ["python"]);
    let words: Vec<(&str, WordOrigin)> = unknown
        .iter()
        .map(|w| (w.word.as_str(), w.origin))
        .collect();
    assert!(
        words.contains(&("blockchain", WordOrigin::Text)),
        "{words:?}"
    );
    assert!(words.contains(&("vibes", WordOrigin::Text)), "{words:?}");
    assert!(
        words.contains(&("flux_capacitor", WordOrigin::YamlKey)),
        "{words:?}"
    );
    assert!(
        words.contains(&("compliance: fedramp", WordOrigin::YamlValue)),
        "{words:?}"
    );
    assert!(
        words.contains(&("frameworks: rails-ish", WordOrigin::YamlValue)),
        "{words:?}"
    );
}

#[test]
fn a_broken_yaml_block_is_reported() {
    let (_, unknown) = Constraints::parse("```yaml\nlanguage: [python\n```", &catalog());
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].origin, WordOrigin::YamlBlock);
    assert!(
        unknown[0]
            .note
            .as_deref()
            .unwrap()
            .contains("not valid YAML")
    );
}

#[test]
fn phrasings_of_the_same_constraint_agree() {
    let catalog = catalog();
    let parse = |text: &str| Constraints::parse(text, &catalog).0;
    assert_eq!(parse("SOC-2 type II").compliance, parse("soc2").compliance);
    assert_eq!(parse("1.5k rps").requests_per_second, Some(1500));
    assert_eq!(
        parse("2,000 requests per second").requests_per_second,
        Some(2000)
    );
    assert_eq!(parse("2 TB").data_volume_gb, Some(2000));
    assert_eq!(parse("budget 5k").budget_usd_per_month, Some(5000));
    assert_eq!(parse("asvs l3").asvs_level, Some(3));
    assert_eq!(parse("SLSA build level 2").slsa_level, Some(2));
    assert_eq!(
        parse("self-hosted on-prem").operations.as_deref(),
        Some("self_hosted")
    );
    assert_eq!(parse("google cloud").clouds, parse("gcp").clouds);
    assert!(
        parse("we prefer postgres and k8s")
            .preferences
            .contains("postgresql")
    );
    assert!(
        parse("we prefer postgres and k8s")
            .preferences
            .contains("kubernetes")
    );
}

#[test]
fn parsing_is_deterministic() {
    let catalog = catalog();
    let a = Constraints::parse(REQUEST, &catalog);
    let b = Constraints::parse(REQUEST, &catalog);
    assert_eq!(a, b);
}
