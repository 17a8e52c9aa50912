//! The policy's answer to one trigger, with the rules that produced it.

/// Whether a trigger may proceed. The caller logs `policy_ids` with every decision and may
/// show `reason` to the actor when it is a denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The `@id`s of the policies that determined the decision, sorted. Empty when nothing
    /// permitted the request and nothing forbade it (Cedar's default deny) or when the
    /// request could not be evaluated.
    pub policy_ids: Vec<String>,
    /// Why, in words fit for a reply on GitHub: the `@reason`s of those policies.
    pub reason: String,
}
