//! Calendar dates (`YYYY-MM-DD`) as the catalog and the ADR write them. Dates always come
//! in as arguments: nothing here reads a clock.

use time::Date;
use time::macros::format_description;

use crate::error::RecommendError;

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Result<Date, RecommendError> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| RecommendError::Date(text.to_string()))
}
