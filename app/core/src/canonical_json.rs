//! JSON with its object keys in sorted order, whatever serde_json's features are.
//!
//! serde_json keeps keys sorted by default but in insertion order when any crate in the build
//! enables its `preserve_order` feature (features are unified across a workspace). The
//! bytes redgreen commits or promises to reproduce (a recommendation, the tool schemas) must
//! not depend on what else is linked, so such JSON is rebuilt here with its keys inserted in
//! sorted order, which both map kinds keep.

use serde_json::{Map, Value};

pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (key, value) in entries {
                out.insert(key, sorted(value));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
