//! SQLite: how durable a commit is before the store answers, chosen on the URL (ADR 0007).
//!
//! The default is `synchronous=FULL`: in WAL mode every commit is fsynced, so a delivery
//! redgreen answered 202 for survives a power loss (GitHub does not redeliver on its own).
//! `?synchronous=normal` trades that for latency: commits are fsynced only at checkpoints,
//! so a power loss (not a process crash) can lose the last acknowledged ones.

use crate::error::StoreError;

/// The `synchronous` setting of every connection to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// `FULL`: a commit is on disk before it returns.
    Full,
    /// `NORMAL`: a commit survives a crash of the process, not of the machine.
    Normal,
}

impl Durability {
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        }
    }

    /// Takes redgreen's own `synchronous` parameter off `url` (sqlx does not know it) and
    /// returns the URL without it and the durability it asks for.
    pub(crate) fn from_url(url: &str) -> Result<(String, Durability), StoreError> {
        let Some((base, query)) = url.split_once('?') else {
            return Ok((url.to_owned(), Durability::Full));
        };
        let mut durability = Durability::Full;
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            match pair.split_once('=') {
                Some(("synchronous", value)) => {
                    durability = match value.to_ascii_lowercase().as_str() {
                        "full" => Durability::Full,
                        "normal" => Durability::Normal,
                        _ => {
                            return Err(StoreError::InvalidUrl {
                                reason: format!(
                                    "synchronous={value:?}: use synchronous=full (the \
                                     default) or synchronous=normal"
                                ),
                            });
                        }
                    }
                }
                _ => rest.push(pair),
            }
        }
        let url = if rest.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        Ok((url, durability))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Durability;

    #[test]
    fn the_parameter_is_taken_off_and_the_others_kept() {
        assert_eq!(
            Durability::from_url("sqlite:///data/r.db").unwrap(),
            ("sqlite:///data/r.db".to_owned(), Durability::Full)
        );
        assert_eq!(
            Durability::from_url("sqlite:///data/r.db?synchronous=NORMAL").unwrap(),
            ("sqlite:///data/r.db".to_owned(), Durability::Normal)
        );
        assert_eq!(
            Durability::from_url("sqlite:///r.db?mode=rwc&synchronous=full&cache=private").unwrap(),
            (
                "sqlite:///r.db?mode=rwc&cache=private".to_owned(),
                Durability::Full
            )
        );
        assert!(Durability::from_url("sqlite:///r.db?synchronous=off").is_err());
    }
}
