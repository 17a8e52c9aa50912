//! The explanation given instead of an ADR when some layer has no option left: which
//! options each constraint removed, and which constraint to relax.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::layer::Layer;
use crate::recommendation::Exclusion;

/// A layer whose every option was knocked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedLayer {
    pub layer: Layer,
    pub excluded: Vec<Exclusion>,
}

/// Why no stack satisfies the constraints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Infeasibility {
    pub blocked: Vec<BlockedLayer>,
}

impl Infeasibility {
    /// For each constraint, how many options of the blocked layers it removed, most first:
    /// relaxing the first one is the likeliest way to a feasible stack.
    pub fn culprits(&self) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for layer in &self.blocked {
            for exclusion in &layer.excluded {
                for constraint in &exclusion.constraints {
                    *counts.entry(constraint.clone()).or_default() += 1;
                }
            }
        }
        let mut culprits: Vec<(String, usize)> = counts.into_iter().collect();
        culprits.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        culprits
    }

    /// The explanation as Markdown, for a comment or the terminal.
    pub fn explain(&self) -> String {
        let mut out = String::from(
            "No stack satisfies these constraints: in the layers below, every catalog option \
             was excluded by a knock-out filter, so no ADR was written.\n",
        );
        for layer in &self.blocked {
            out.push_str(&format!("\n**{}**: no option left.\n", layer.layer.title()));
            for exclusion in &layer.excluded {
                out.push_str(&format!(
                    "- {}: {}\n",
                    exclusion.name,
                    exclusion.reasons.join("; ")
                ));
            }
        }
        if let Some((constraint, count)) = self.culprits().first() {
            out.push_str(&format!(
                "\nThe constraint `{constraint}` removed {count} of these options; relaxing it \
                 is the likeliest way to a feasible stack.\n"
            ));
        }
        out
    }
}

impl std::fmt::Display for Infeasibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.explain())
    }
}
