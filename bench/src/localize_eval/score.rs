//! Scoring one localization against the gold locations, and the accuracies over many: file
//! Acc@1/3/5 and function Acc@5/10, overall and by what the issue text names.

use redgreen_indexer::Localization;
use serde::Serialize;

use super::gold::{GoldFunction, last_segment};

/// What the issue text gives away, checked in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// It names a gold file's path or file name.
    NamesPath,
    /// It names a gold function (its bare name, as a whole word).
    NamesSymbol,
    Neither,
}

impl Bucket {
    pub const ALL: [Bucket; 3] = [Bucket::NamesPath, Bucket::NamesSymbol, Bucket::Neither];

    pub fn name(self) -> &'static str {
        match self {
            Bucket::NamesPath => "names_path",
            Bucket::NamesSymbol => "names_symbol",
            Bucket::Neither => "neither",
        }
    }
}

pub fn bucket(text: &str, gold_files: &[String], gold_functions: &[GoldFunction]) -> Bucket {
    let names_path = gold_files.iter().any(|path| {
        let file_name = path.rsplit('/').next().unwrap_or(path);
        contains_word(text, path) || contains_word(text, file_name)
    });
    if names_path {
        Bucket::NamesPath
    } else if gold_functions
        .iter()
        .any(|g| contains_word(text, last_segment(&g.name)))
    {
        Bucket::NamesSymbol
    } else {
        Bucket::Neither
    }
}

/// `needle` occurs in `text` with no identifier character right before or after it, so
/// `core.py` is not found in `score.py` nor `sub` in `subs`.
fn contains_word(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let is_ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.match_indices(needle).any(|(at, _)| {
        !is_ident(text[..at].chars().next_back())
            && !is_ident(text[at + needle.len()..].chars().next())
    })
}

/// 1-based ranks of the first gold file among the ranked files, and of the first gold
/// function among the ranked definitions (files in rank order, each file's definitions in
/// theirs); `None` when absent.
pub fn ranks(
    localization: &Localization,
    gold_files: &[String],
    gold_functions: &[GoldFunction],
) -> (Option<usize>, Option<usize>) {
    let file_rank = localization
        .files
        .iter()
        .position(|f| gold_files.contains(&f.path))
        .map(|i| i + 1);
    let function_rank = localization
        .files
        .iter()
        .flat_map(|f| {
            f.symbols
                .iter()
                .map(move |s| (f.path.as_str(), s.name.as_str()))
        })
        .position(|(path, name)| gold_functions.iter().any(|g| g.matches(path, name)))
        .map(|i| i + 1);
    (file_rank, function_rank)
}

/// Accuracies over a set of instances, in percent, with the counts behind them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Accuracy {
    pub instances: usize,
    pub file_at_1: f64,
    pub file_at_3: f64,
    pub file_at_5: f64,
    pub function_at_5: f64,
    pub function_at_10: f64,
    /// Instances whose patch changes at least one definition that existed at `base_commit`
    /// (the others count as function misses).
    pub with_gold_functions: usize,
}

/// One instance's result, as far as the accuracies need it.
pub struct Outcome {
    pub file_rank: Option<usize>,
    pub function_rank: Option<usize>,
    pub has_gold_functions: bool,
}

impl Accuracy {
    pub fn of(outcomes: &[Outcome]) -> Accuracy {
        let n = outcomes.len();
        let percent = |hits: usize| {
            if n == 0 {
                0.0
            } else {
                (1000.0 * hits as f64 / n as f64).round() / 10.0
            }
        };
        let within = |rank: Option<usize>, k: usize| rank.is_some_and(|r| r <= k);
        let count = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
        Accuracy {
            instances: n,
            file_at_1: percent(count(&|o| within(o.file_rank, 1))),
            file_at_3: percent(count(&|o| within(o.file_rank, 3))),
            file_at_5: percent(count(&|o| within(o.file_rank, 5))),
            function_at_5: percent(count(&|o| within(o.function_rank, 5))),
            function_at_10: percent(count(&|o| within(o.function_rank, 10))),
            with_gold_functions: count(&|o| o.has_gold_functions),
        }
    }
}
