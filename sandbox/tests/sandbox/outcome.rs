//! The result type keeps the JSON shape that `redgreen sandbox run --json` promises.

use redgreen_sandbox::{Protection, SandboxOutcome};

#[test]
fn outcome_serialises_with_the_contract_field_names() {
    let outcome = SandboxOutcome {
        exit_code: None,
        signal: Some(9),
        timed_out: true,
        oom_killed: false,
        pids_limit_hit: false,
        disk_limit_hit: true,
        truncated: true,
        duration_ms: 1500,
        peak_memory_bytes: Some(1 << 20),
        enforced: vec![
            Protection::Userns,
            Protection::Landlock,
            Protection::CgroupMemory,
            Protection::DiskQuota,
        ],
    };
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "exit_code": null,
            "signal": 9,
            "timed_out": true,
            "oom_killed": false,
            "pids_limit_hit": false,
            "disk_limit_hit": true,
            "truncated": true,
            "duration_ms": 1500,
            "peak_memory_bytes": 1048576,
            "enforced": ["userns", "landlock", "cgroup_memory", "disk_quota"]
        })
    );
    let back: SandboxOutcome = serde_json::from_value(json).unwrap();
    assert_eq!(back, outcome);
}
