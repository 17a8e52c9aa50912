//! The price table: built-in prices, dated snapshots, operator overrides, unknown models.

use redgreen_llm::{LlmError, ModelPrice, PriceTable, Usage};

#[test]
fn the_default_table_knows_well_known_models() {
    let table = PriceTable::default();
    for model in [
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
    ] {
        let price = table.price(model).unwrap_or_else(|| panic!("{model}"));
        assert!(price.input_per_mtok > 0.0 && price.output_per_mtok > price.input_per_mtok);
    }
    assert_eq!(
        table.price("gpt-4o"),
        Some(ModelPrice {
            input_per_mtok: 2.5,
            output_per_mtok: 10.0
        })
    );
}

#[test]
fn dated_snapshots_take_their_models_price_but_prefixes_do_not() {
    let table = PriceTable::default();
    assert_eq!(table.price("gpt-4o-2024-08-06"), table.price("gpt-4o"));
    assert_eq!(
        table.price("claude-sonnet-4-5-20250929"),
        table.price("claude-sonnet-4-5")
    );
    assert_eq!(
        table.price("claude-3-5-haiku-latest"),
        table.price("claude-3-5-haiku")
    );
    assert_ne!(table.price("gpt-4o-mini"), table.price("gpt-4o"));
    assert_eq!(table.price("gpt-4o-custom"), None);
    assert_eq!(table.price("llama3.1:8b"), None);
}

#[test]
fn cost_is_per_million_tokens() {
    let table = PriceTable::default();
    let usage = Usage {
        input_tokens: 2_000_000,
        output_tokens: 500_000,
    };
    let cost = table.cost("gpt-4o", &usage);
    assert!(cost.priced);
    assert!(
        (cost.usd - (2.0 * 2.5 + 0.5 * 10.0)).abs() < 1e-9,
        "{}",
        cost.usd
    );
    let unknown = table.cost("my-local-model", &usage);
    assert!(!unknown.priced);
    assert_eq!(unknown.usd, 0.0);
}

#[test]
fn operator_overrides_merge_over_the_defaults() {
    let overrides = PriceTable::from_toml_str(
        r#"
        [models."gpt-4o"]
        input_per_mtok = 1.0
        output_per_mtok = 4.0

        [models."my-finetune"]
        input_per_mtok = 0.5
        output_per_mtok = 1.5
        "#,
    )
    .unwrap();
    let mut table = PriceTable::default();
    table.merge(overrides);
    assert_eq!(table.price("gpt-4o").unwrap().input_per_mtok, 1.0);
    assert_eq!(table.price("my-finetune").unwrap().output_per_mtok, 1.5);
    // Untouched defaults remain.
    assert_eq!(table.price("gpt-4o-mini").unwrap().input_per_mtok, 0.15);
}

#[test]
fn a_bad_table_is_a_configuration_error() {
    for text in [
        "[models.\"x\"]\ninput_per_mtok = 1.0\n",
        "[models.\"x\"]\ninput_per_mtok = -1.0\noutput_per_mtok = 1.0\n",
        "[models.\"x\"]\ninput_per_mtok = 1.0\noutput_per_mtok = 1.0\ncolour = 3\n",
        "models = 3",
    ] {
        let error = PriceTable::from_toml_str(text).unwrap_err();
        assert!(matches!(error, LlmError::Config { .. }), "{text}: {error}");
        assert!(!error.is_retryable());
    }
}
