//! `trigger`, shortened: both phases decide the whole actor × command mix, with the same
//! verdicts, and the paced phase finds every lookup in the caches.

use crate::support::bench_json;

#[tokio::test]
async fn trigger_decides_the_mix_bare_and_through_the_trigger_path() {
    let report = bench_json(&[
        "trigger",
        "--decisions",
        "160",
        "--rate",
        "160",
        "--duration-secs",
        "1",
    ])
    .await;
    for phase in ["bare", "trigger_path"] {
        let phase = &report[phase];
        assert_eq!(phase["decisions"], 160, "{report}");
        // Half the mix is a writer (allowed every command), half a reader (denied at
        // least the commands that change code).
        let allowed = phase["allowed"].as_u64().unwrap();
        assert!((80..160).contains(&allowed), "{report}");
        assert_eq!(phase["latency"]["count"], 160, "{report}");
        assert!(
            phase["latency"]["p99_ms"].as_f64().unwrap() > 0.0,
            "{report}"
        );
    }
    assert_eq!(
        report["bare"]["allowed"], report["trigger_path"]["allowed"],
        "the permissions GitHub answered are the ones the bare phase used: {report}"
    );
    assert_eq!(report["github_requests_while_paced"], 0, "{report}");
}
