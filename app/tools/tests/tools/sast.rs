//! `sast_scan` through the tool box: findings and histogram over the work tree, the profile
//! checked, and the phases that offer it.

use redgreen_tools::{PhasePolicy, ToolBox, WriteScope};
use serde_json::json;

use crate::support::repo_with;

#[tokio::test]
async fn the_scan_reports_findings_with_their_histogram_in_planning_and_patch() {
    let repo = repo_with(&[
        (
            "app/run.py",
            "import os\n\nos.system(cmd)\nh = hashlib.md5(x)\n",
        ),
        ("static/page.js", "el.innerHTML = html;\n"),
        ("deploy/key.pem", "-----BEGIN OPENSSH PRIVATE KEY-----\n"),
        ("app/safe.py", "print('os.system is not called here')\n"),
    ]);
    let tools = ToolBox::new(repo.path(), WriteScope::default(), String::new()).unwrap();
    for policy in [
        PhasePolicy::read_only(),
        PhasePolicy::patch(Default::default()),
    ] {
        let result = tools.call(&policy, "sast_scan", &json!({})).await;
        assert!(!result.is_error, "{}", result.content);
        let output = result.structured.unwrap();
        let found: Vec<(String, u64, String)> = output["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap(),
                    f["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("app/run.py".to_owned(), 3, "medium".to_owned()),
                ("deploy/key.pem".to_owned(), 1, "critical".to_owned()),
                ("static/page.js".to_owned(), 1, "medium".to_owned()),
            ]
        );
        assert_eq!(
            output["severity_histogram"],
            json!({"critical": 1, "high": 0, "medium": 2, "low": 0, "info": 0})
        );
    }
    let strict = tools
        .call(
            &PhasePolicy::read_only(),
            "sast_scan",
            &json!({"profile": "strict"}),
        )
        .await;
    assert_eq!(strict.structured.unwrap()["severity_histogram"]["low"], 1);

    let unknown = tools
        .call(
            &PhasePolicy::read_only(),
            "sast_scan",
            &json!({"profile": "paranoid"}),
        )
        .await;
    assert!(
        unknown.is_error && unknown.content.contains("unknown profile"),
        "{}",
        unknown.content
    );
    let red = tools
        .call(&PhasePolicy::red(), "sast_scan", &json!({}))
        .await;
    assert!(red.is_error && red.content.contains("not available in the red phase"));
}
