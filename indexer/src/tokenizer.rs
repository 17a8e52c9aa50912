//! The tantivy tokenizers: a code-aware one for BM25 (identifiers kept whole and split into
//! their words) and a trigram one for the regex prefilter.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::identifier::split_identifier;

/// The name the code tokenizer is registered under.
pub(crate) const CODE: &str = "code";
/// The name the trigram tokenizer is registered under.
pub(crate) const TRIGRAM: &str = "trigram";

/// Longer runs are hashes, base64 or data, not names anyone searches for.
const MAX_IDENTIFIER_CHARS: usize = 64;

/// Emits every identifier lower-cased and whole (`parse_http_response`), then its words
/// (`parse`, `http`, `response`) when it has more than one, so that an issue's "HTTP
/// response" and the code's `parseHTTPResponse` share terms, and the exact name scores more.
#[derive(Clone, Default)]
pub(crate) struct CodeTokenizer;

pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: code_tokens(text),
            next: 0,
        }
    }
}

/// The code tokenizer's output as tokens, also used to turn query text into terms.
pub(crate) fn code_tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut push = |text: String, from: usize, to: usize| {
        let position = tokens.len();
        tokens.push(Token {
            offset_from: from,
            offset_to: to,
            position,
            text,
            position_length: 1,
        });
    };
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let word_char = c.is_alphanumeric() || c == '_';
        match (start, word_char) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                start = None;
                let word = &text[s..i];
                if word.chars().count() > MAX_IDENTIFIER_CHARS {
                    continue;
                }
                let whole = word.to_lowercase();
                let parts = split_identifier(word);
                let whole_is_part = parts.len() == 1 && parts[0] == whole;
                if !whole.trim_matches('_').is_empty() && !whole_is_part {
                    push(whole, s, i);
                }
                for part in parts {
                    push(part, s, i);
                }
            }
            _ => {}
        }
    }
    tokens
}

/// Lower-cased character trigrams of the whole text, whitespace and punctuation included, so
/// that any literal of three or more characters in a regex can be looked up. Each trigram is
/// emitted once per text: the field records only which files hold it.
#[derive(Clone, Default)]
pub(crate) struct TrigramTokenizer;

impl Tokenizer for TrigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        // Deduplicating on char triples first allocates a string per distinct trigram only.
        let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
        let mut seen = std::collections::HashSet::new();
        let tokens = chars
            .windows(3)
            .filter(|w| seen.insert([w[0], w[1], w[2]]))
            .map(|w| Token {
                offset_from: 0,
                offset_to: 0,
                position: 0,
                text: w.iter().collect(),
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

/// The lower-cased trigrams of `text`, in order, repeats included.
pub(crate) fn trigrams(text: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    (0..chars.len().saturating_sub(2)).map(move |i| chars[i..i + 3].iter().collect())
}
