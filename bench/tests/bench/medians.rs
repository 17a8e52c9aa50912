//! `medians` over hand-written reports.

use crate::support::bench_json;

#[tokio::test]
async fn medians_are_taken_per_key_with_every_run_listed() {
    let dir = tempfile::tempdir().unwrap();
    let runs = [
        r#"{"webhook": {"latency": {"p99_ms": 3.0, "p50_ms": 1.0}}, "url": "x"}"#,
        r#"{"webhook": {"latency": {"p99_ms": 9.0, "p50_ms": 2.0}}, "url": "x"}"#,
        r#"{"webhook": {"latency": {"p99_ms": 4.0, "p50_ms": 4.0}}, "url": "x"}"#,
        r#"{"webhook": {"latency": {"p99_ms": 1.0, "p50_ms": 8.0}}, "url": "x"}"#,
    ];
    let mut paths = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let path = dir.path().join(format!("run-{i}.json"));
        std::fs::write(&path, run).unwrap();
        paths.push(path.display().to_string());
    }
    let odd: Vec<&str> = paths[..3].iter().map(String::as_str).collect();
    let all: Vec<&str> = paths.iter().map(String::as_str).collect();

    let three = bench_json(&[&["medians", "--keys", "p99_ms"], &odd[..]].concat()).await;
    let four = bench_json(&[&["medians"], &all[..]].concat()).await;

    assert_eq!(
        three["rows"],
        serde_json::json!([{"key": "webhook.latency.p99_ms", "median": 4.0, "runs": [3.0, 9.0, 4.0]}])
    );
    let p50 = four["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"] == "webhook.latency.p50_ms")
        .unwrap();
    // An even count takes the mean of the middle two.
    assert_eq!(p50["median"], 3.0);
    assert_eq!(p50["runs"], serde_json::json!([1.0, 2.0, 4.0, 8.0]));
}
