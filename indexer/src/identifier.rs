//! Splitting code identifiers into the words people use for them in issue text.

/// Splits `parseHTTPResponse_v2` into `["parse", "http", "response", "v2"]`: on `_`, `-`,
/// `.`, `/`, `:` and on case changes (keeping acronyms whole), lower-cased. Issues say
/// "the response parser", code says `ResponseParser`; matching needs both as words.
pub fn split_identifier(identifier: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in identifier.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (prev, cur) = (chars[i - 1], chars[i]);
            let next_is_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
            // A boundary before an upper-case letter that follows a lower-case letter or a
            // digit (`parseHttp`, `v2Parser`), or that starts a word after an acronym
            // (`HTTPResponse`). Digits stay with the letters before them (`utf8`, `v2`).
            let boundary = ((prev.is_lowercase() || prev.is_numeric()) && cur.is_uppercase())
                || (prev.is_uppercase() && cur.is_uppercase() && next_is_lower);
            if boundary {
                words.push(chars[start..i].iter().collect::<String>().to_lowercase());
                start = i;
            }
        }
        if start < chars.len() {
            words.push(chars[start..].iter().collect::<String>().to_lowercase());
        }
    }
    words
}
