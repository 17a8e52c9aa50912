//! Localization: from an issue's text to ranked files and, within them, ranked definitions.
//! What the issue names is read first ([`cues`]); then each signal adds to the scores of the
//! files and definitions it points at ([`scorer`]), weighed by [`WEIGHTS`], the one table of
//! weights.

mod cues;
mod scorer;

use serde::Serialize;

use crate::error::Result;
use crate::index::Index;
use scorer::Scorer;

/// Ranked files, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Localization {
    pub files: Vec<FileMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileMatch {
    pub path: String,
    pub score: f32,
    /// The file's definitions most likely involved, best first.
    pub symbols: Vec<SymbolMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolMatch {
    /// The qualified name.
    pub name: String,
    pub kind: String,
    pub start_line: u32,
    pub end_line: u32,
    pub score: f32,
}

/// What each signal adds to a file's (or a definition's) score. A file's score is the sum of
/// its signals, times [`Weights::demotion`] for tests, docs and non-code.
///
/// Every weight was tuned on the 60 SWE-bench Lite dev instances (`redgreen-bench
/// localize-eval`, docs/benchmarks.md); the notes say what the alternatives did there. A
/// change here is a change of ranks: run the eval before and after.
pub(crate) struct Weights {
    /// A path the text names, matched by suffix (`models/query.py` names
    /// `django/db/models/query.py`), shared among the files it matches.
    pub named_path: f64,
    /// The raising frame inside the repository weighs as much as a path named in the text (the
    /// k-th frame from it 1 / (1 + k) of that). At 1.5, BM25 over the title and prose outvoted
    /// it; 4.5 to 9 gave the same ranks on the dev set.
    pub frame: f64,
    /// A dotted module path in the text (`sympy.printing.latex`) names its file, though less
    /// surely than its path: issues quote imports of modules that are not the problem (as
    /// high as the path's weight, it cost 2 of 27 evaluation instances their first place).
    pub module: f64,
    /// The title's first word, when it is the name of a top-level definition, is what the
    /// issue is about (`cse() has strange behaviour for ...`): the files defining it score as
    /// a named file would. Half that weight moved one instance of the dev set; up to twice
    /// it, the same two.
    pub title_subject: f64,
    /// A file defines an identifier the text names, shared among the files defining it.
    pub defines: f64,
    /// How much more a definition counts when the text names it qualified (`Model.save`,
    /// `json.dumps`) and its module path plus qualified name end with that.
    pub qualified: f64,
    /// A definition the text names, for the definition's own rank within its file.
    pub symbol_named: f64,
    /// A named definition whose name is a traceback frame's function.
    pub symbol_in_frame: f64,
    /// A file containing an error message's text, shared among the files that do.
    pub error_message: f64,
    /// BM25 over the whole text.
    pub bm25_text: f64,
    /// BM25 over the prose alone (code blocks and spans removed): its words say what is wrong
    /// where the code only shows which names are involved.
    pub bm25_prose: f64,
    /// BM25 over the title alone: its few words name the problem. (Weighting the title's
    /// identifiers above the body's, tried at 3x and 6x, lost instances at Acc@1.)
    pub bm25_title: f64,
    /// A file's BM25 score is its best document's plus this share of its second best (its
    /// whole text and each definition are documents of their own): a file that matches as a
    /// whole and in a definition, or in two definitions, is likelier the subject than one that
    /// matches once (0 → 0.5 took file Acc@1 from 30 to 31 and Acc@5 from 45 to 47; 0.25, 0.75
    /// and 1 did less).
    pub second_document: f64,
    /// Personalized PageRank over the reference graph, seeded by every signal above and
    /// normalized to the best file: neighbours of strong files rise.
    pub graph: f64,
    /// How much more the graph's edges count whose name the text mentions.
    pub graph_mentioned: f64,
    /// Test files, docs and files that are not code rank below the code an issue is about: an
    /// issue is fixed in the code, and tests or docs only echo its words. Docs and non-code
    /// the text names escape this; tests do not: a test an issue names shows the failure, and
    /// the fix is in the code it exercises (which the test is still found beside).
    pub demotion: f64,
}

pub(crate) const WEIGHTS: Weights = Weights {
    named_path: 6.0,
    frame: 6.0,
    module: 2.0,
    title_subject: 6.0,
    defines: 1.5,
    qualified: 2.0,
    symbol_named: 2.0,
    symbol_in_frame: 1.0,
    error_message: 1.0,
    bm25_text: 1.0,
    bm25_prose: 3.0,
    bm25_title: 2.0,
    second_document: 0.5,
    graph: 0.5,
    graph_mentioned: 10.0,
    demotion: 0.25,
};

impl Index {
    /// Ranks the files (and their definitions) that an issue is most likely about.
    pub fn localize(&self, issue_text: &str, limit: usize) -> Result<Localization> {
        let cues = cues::cues(issue_text);
        let graph = self.graph()?;
        // Each signal adds to the scores in turn, in this order (so the sums, and the ranks,
        // are the same on every run); the graph is seeded by all of those before it.
        let mut scorer = Scorer::new(self, graph, &cues);
        scorer.named_paths();
        scorer.frames();
        scorer.modules();
        scorer.title_subject();
        scorer.identifiers();
        scorer.error_messages();
        scorer.bm25(issue_text, WEIGHTS.bm25_text);
        scorer.bm25(&cues.prose, WEIGHTS.bm25_prose);
        scorer.bm25(&cues.title, WEIGHTS.bm25_title);
        scorer.graph();
        scorer.demote();
        Ok(scorer.ranked(limit))
    }
}
