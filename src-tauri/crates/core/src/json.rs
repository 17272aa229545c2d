//! Reading the JSON values the engine stores and receives.

use serde_json::Value;

/// The strings of a JSON array, in order. Tag lists, option lists and agreed sets are arrays
/// of strings, from a remote or from our own store: an element of another kind (a number, a
/// null) is skipped rather than failing the whole list, and a value that is absent or no
/// array reads as an empty list. Takes a `&Value` or an `Option<&Value>` (a map's `get`).
pub fn strings<'a>(value: impl Into<Option<&'a Value>>) -> impl Iterator<Item = &'a str> {
    value
        .into()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_strings_of_an_array_in_order_and_nothing_else() {
        let list = json!(["b", 1, "a", null, {"x": "y"}, ["z"], "b"]);
        assert_eq!(strings(&list).collect::<Vec<_>>(), ["b", "a", "b"]);
    }

    #[test]
    fn no_array_reads_as_no_strings() {
        let map = json!({"tags": "vip", "none": null});
        for absent in [map.get("tags"), map.get("none"), map.get("missing")] {
            assert_eq!(strings(absent).count(), 0, "{absent:?}");
        }
        assert_eq!(strings(&json!({"a": "b"})).count(), 0);
    }

    #[test]
    fn a_map_entry_reads_like_the_value() {
        let map = json!({"tags": ["vip", "lead"]});
        assert_eq!(
            strings(map.get("tags")).collect::<Vec<_>>(),
            ["vip", "lead"]
        );
    }
}
