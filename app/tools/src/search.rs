//! `code_search` and `repo_map` over the run's code index.

use redgreen_indexer::{Index, Language, MapOptions, Scope, SearchMode};

use crate::contract::{
    CodeSearchInput, CodeSearchOutput, RepoMapInput, RepoMapOutput, SearchHit, SearchModeName,
};
use crate::error::ToolError;
use crate::workspace::Workspace;

const DEFAULT_LIMIT: u32 = 20;
const DEFAULT_MAP_TOKENS: u32 = 1024;

pub(crate) fn code_search(
    index: &Index,
    input: &CodeSearchInput,
) -> Result<CodeSearchOutput, ToolError> {
    let invalid = |problem: String| ToolError::InvalidArguments {
        tool: "code_search".into(),
        problems: vec![problem],
    };
    let mode = match input.mode.unwrap_or(SearchModeName::Text) {
        SearchModeName::Text => SearchMode::Text,
        SearchModeName::Symbol => SearchMode::Symbol,
        SearchModeName::Regex => SearchMode::Regex,
    };
    let mut scope = Scope::default();
    if let Some(requested) = &input.scope {
        for path in requested.paths.iter().flatten() {
            // A prefix like `src/` keeps its slash; `./src` and `src//x` are tidied.
            let trailing = path.ends_with('/');
            let mut normal = Workspace::normalize(path)?;
            if trailing {
                normal.push('/');
            }
            scope.paths.push(normal);
        }
        if let Some(name) = &requested.language {
            scope.language = Some(Language::from_name(name).ok_or_else(|| {
                invalid(format!(
                    "at `/scope/language`: unknown language `{name}`; use one of {}",
                    Language::all().map(Language::name).join(", ")
                ))
            })?);
        }
    }
    let limit = input.limit.unwrap_or(DEFAULT_LIMIT) as usize;
    let hits = index
        .search_in(&input.query, mode, limit, &scope)
        .map_err(|error| match error {
            redgreen_indexer::IndexError::InvalidQuery(message) => {
                invalid(format!("at `/query`: {message}"))
            }
            other => ToolError::Index(other),
        })?;
    Ok(CodeSearchOutput {
        hits: hits
            .into_iter()
            .map(|hit| SearchHit {
                path: hit.path,
                start_line: hit.start_line,
                end_line: hit.end_line,
                symbol: hit.symbol,
                kind: hit.kind,
                snippet: hit.snippet,
                score: hit.score,
            })
            .collect(),
    })
}

pub(crate) fn repo_map(index: &Index, input: &RepoMapInput) -> Result<RepoMapOutput, ToolError> {
    let mut focus = Vec::new();
    for path in input.focus.iter().flatten() {
        focus.push(Workspace::normalize(path)?);
    }
    let options = MapOptions {
        max_tokens: input.max_tokens.unwrap_or(DEFAULT_MAP_TOKENS) as usize,
        focus,
        mentioned: Vec::new(),
    };
    Ok(RepoMapOutput {
        map: index.repo_map(&options)?,
    })
}
