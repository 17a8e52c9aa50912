//! Integration tests of the code index, one module per concern.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "indexer/fixture.rs"]
mod fixture;
#[path = "indexer/identifier.rs"]
mod identifier;
#[path = "indexer/index.rs"]
mod index;
#[path = "indexer/localize.rs"]
mod localize;
#[path = "indexer/parse.rs"]
mod parse;
#[path = "indexer/reach.rs"]
mod reach;
#[path = "indexer/sast.rs"]
mod sast;
#[path = "indexer/search.rs"]
mod search;
