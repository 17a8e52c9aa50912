//! Branch protection and rulesets, read only (redgreen never writes them; the outbound rule
//! refuses such writes anyway).

use serde_json::Value;

use super::{RepoClient, escaped_segments};
use crate::error::GitHubError;

impl RepoClient {
    /// `GET .../branches/{branch}/protection`: the classic protection, or `None` when the
    /// branch is not protected (GitHub answers 404).
    pub async fn branch_protection(&self, branch: &str) -> Result<Option<Value>, GitHubError> {
        let route = self.path(&format!(
            "/branches/{}/protection",
            escaped_segments(branch)
        ));
        self.get_optional("/repos/{owner}/{repo}/branches/{branch}/protection", &route)
            .await
    }

    /// `GET .../rules/branches/{branch}`: every active ruleset rule that applies to the
    /// branch, each naming its `ruleset_id`.
    pub async fn rules_for_branch(&self, branch: &str) -> Result<Vec<Value>, GitHubError> {
        let route = self.path(&format!("/rules/branches/{}", escaped_segments(branch)));
        let route = &route;
        self.client
            .all_pages(
                self.credential(),
                "/repos/{owner}/{repo}/rules/branches/{branch}",
                |crab, page| async move {
                    let query = [("per_page", 100u32), ("page", page)];
                    crab.get(route, Some(&query)).await
                },
            )
            .await
    }

    /// `GET .../rulesets/{id}`: one ruleset with its bypass actors and
    /// `current_user_can_bypass` (here: whether the App can); `None` if it is not visible.
    pub async fn ruleset(&self, ruleset_id: u64) -> Result<Option<Value>, GitHubError> {
        let route = self.path(&format!("/rulesets/{ruleset_id}"));
        self.get_optional("/repos/{owner}/{repo}/rulesets/{ruleset_id}", &route)
            .await
    }
}
