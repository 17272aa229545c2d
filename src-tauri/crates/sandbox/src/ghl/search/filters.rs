//! The `filters` of a contact search: parsed from the body as GHL documents them (see the
//! parent module), and matched against one contact.

use serde_json::{Map, Value};

use super::super::dates::parse_instant;
use super::super::errors::ApiError;
use super::super::state::ContactRec;
use super::super::validate::normalize_phone;
use super::MAX_QUERY_CHARS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    NotEq,
    Contains,
    NotContains,
    Exists,
    NotExists,
    Range,
}

impl Op {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "eq" => Op::Eq,
            "not_eq" => Op::NotEq,
            "contains" => Op::Contains,
            "not_contains" => Op::NotContains,
            "exists" => Op::Exists,
            "not_exists" => Op::NotExists,
            "range" => Op::Range,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FilterField {
    DateAdded,
    DateUpdated,
    Tags,
    Dnd,
    Id,
    /// A string property by its stored name.
    Text(&'static str),
}

impl FilterField {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "dateAdded" => FilterField::DateAdded,
            "dateUpdated" => FilterField::DateUpdated,
            "tags" => FilterField::Tags,
            "dnd" => FilterField::Dnd,
            "id" => FilterField::Id,
            "firstNameLowerCase" => FilterField::Text("firstName"),
            "lastNameLowerCase" => FilterField::Text("lastName"),
            "address" => FilterField::Text("address1"),
            "email" => FilterField::Text("email"),
            "phone" => FilterField::Text("phone"),
            "companyName" => FilterField::Text("companyName"),
            "businessId" => FilterField::Text("businessId"),
            "source" => FilterField::Text("source"),
            "city" => FilterField::Text("city"),
            "state" => FilterField::Text("state"),
            "country" => FilterField::Text("country"),
            "postalCode" => FilterField::Text("postalCode"),
            "assignedTo" => FilterField::Text("assignedTo"),
            "type" => FilterField::Text("type"),
            _ => return None,
        })
    }

    fn allows(self, op: Op) -> bool {
        match self {
            FilterField::DateAdded | FilterField::DateUpdated => {
                matches!(op, Op::Range | Op::Exists | Op::NotExists)
            }
            FilterField::Dnd => matches!(op, Op::Eq | Op::NotEq),
            FilterField::Tags | FilterField::Id | FilterField::Text(_) => op != Op::Range,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Range {
    gt: Option<i64>,
    gte: Option<i64>,
    lt: Option<i64>,
    lte: Option<i64>,
}

impl Range {
    fn contains(&self, ms: i64) -> bool {
        self.gt.is_none_or(|b| ms > b)
            && self.gte.is_none_or(|b| ms >= b)
            && self.lt.is_none_or(|b| ms < b)
            && self.lte.is_none_or(|b| ms <= b)
    }
}

#[derive(Debug, Clone)]
pub(super) enum Filter {
    Leaf {
        field: FilterField,
        op: Op,
        /// Lowercased texts the filter compares with (`eq` takes a list too).
        texts: Vec<String>,
        flag: Option<bool>,
        range: Range,
    },
    Group {
        any: bool,
        filters: Vec<Filter>,
    },
}

impl Filter {
    pub(super) fn matches(&self, contact: &ContactRec) -> bool {
        match self {
            Filter::Group { any: true, filters } => filters.iter().any(|f| f.matches(contact)),
            Filter::Group {
                any: false,
                filters,
            } => filters.iter().all(|f| f.matches(contact)),
            Filter::Leaf {
                field,
                op,
                texts,
                flag,
                range,
            } => leaf_matches(contact, *field, *op, texts, *flag, range),
        }
    }
}

fn leaf_matches(
    contact: &ContactRec,
    field: FilterField,
    op: Op,
    texts: &[String],
    flag: Option<bool>,
    range: &Range,
) -> bool {
    match field {
        FilterField::DateAdded | FilterField::DateUpdated => {
            let at = if field == FilterField::DateAdded {
                contact.date_added
            } else {
                contact.date_updated
            };
            match op {
                Op::Range => range.contains(at.timestamp_millis()),
                Op::NotExists => false,
                _ => true,
            }
        }
        FilterField::Dnd => {
            let equal = flag == Some(contact.dnd);
            if op == Op::Eq {
                equal
            } else {
                !equal
            }
        }
        FilterField::Tags => {
            let has = texts.iter().any(|t| contact.tags.contains(t));
            match op {
                Op::Eq | Op::Contains => has,
                Op::NotEq | Op::NotContains => !has,
                Op::Exists => !contact.tags.is_empty(),
                Op::NotExists => contact.tags.is_empty(),
                Op::Range => false,
            }
        }
        FilterField::Id | FilterField::Text(_) => {
            let value = match field {
                FilterField::Text(name) => contact.get(name).map(str::to_lowercase),
                _ => Some(contact.id.to_lowercase()),
            };
            let value = value.filter(|v| !v.is_empty());
            let equal = || value.as_ref().is_some_and(|v| texts.contains(v));
            let contains = || {
                value
                    .as_ref()
                    .is_some_and(|v| texts.iter().any(|t| v.contains(t.as_str())))
            };
            match op {
                Op::Eq => equal(),
                Op::NotEq => !equal(),
                Op::Contains => contains(),
                Op::NotContains => !contains(),
                Op::Exists => value.is_some(),
                Op::NotExists => value.is_none(),
                Op::Range => false,
            }
        }
    }
}

pub(super) fn parse_filters(value: Option<&Value>) -> Result<Vec<Filter>, ApiError> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().map(parse_filter).collect())
        .unwrap_or_else(|| Ok(Vec::new()))
}

fn only_keys(obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    let unknown: Vec<String> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("filters.property {k} should not exist"))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::unprocessable(unknown))
    }
}

fn parse_filter(value: &Value) -> Result<Filter, ApiError> {
    let Some(obj) = value.as_object() else {
        return Err(ApiError::unprocessable_one(
            "each value in filters must be an object",
        ));
    };
    if let Some(group) = obj.get("group") {
        only_keys(obj, &["group", "filters"])?;
        let any = match group.as_str().map(str::to_ascii_uppercase).as_deref() {
            Some("AND") => false,
            Some("OR") => true,
            _ => {
                return Err(ApiError::unprocessable_one(
                    "group must be one of the following values: AND, OR",
                ))
            }
        };
        let Some(children) = obj.get("filters").and_then(Value::as_array) else {
            return Err(ApiError::unprocessable_one("filters must be an array"));
        };
        let filters = children
            .iter()
            .map(parse_filter)
            .collect::<Result<_, _>>()?;
        return Ok(Filter::Group { any, filters });
    }
    only_keys(obj, &["field", "operator", "value"])?;
    let name = obj.get("field").and_then(Value::as_str).unwrap_or_default();
    let field = FilterField::parse(name)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid field {name}")))?;
    let op_name = obj
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let op = Op::parse(op_name).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Invalid operator {op_name}: use one of eq, not_eq, contains, not_contains, exists, not_exists, range"
        ))
    })?;
    if !field.allows(op) {
        return Err(ApiError::bad_request(format!(
            "Operator {op_name} is not supported for field {name}"
        )));
    }
    let value = obj.get("value").filter(|v| !v.is_null());
    if value.is_none() && !matches!(op, Op::Exists | Op::NotExists) {
        return Err(ApiError::unprocessable_one("value should not be empty"));
    }
    let mut texts = Vec::new();
    let mut flag = None;
    let mut range = Range::default();
    match (field, op, value) {
        (_, Op::Exists | Op::NotExists, _) | (_, _, None) => {}
        (FilterField::Dnd, _, Some(v)) => {
            flag = Some(
                v.as_bool()
                    .ok_or_else(|| ApiError::unprocessable_one("value must be a boolean value"))?,
            );
        }
        (_, Op::Range, Some(v)) => range = parse_range(v)?,
        (_, _, Some(v)) => {
            let items = match v {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            for item in items {
                let text = match item {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(ApiError::unprocessable_one("value must be a string")),
                };
                if text.chars().count() > MAX_QUERY_CHARS {
                    return Err(ApiError::unprocessable_one(
                        "value must be shorter than or equal to 75 characters",
                    ));
                }
                let text = if field == FilterField::Text("phone") {
                    normalize_phone(&text).unwrap_or(text)
                } else {
                    text
                };
                texts.push(text.trim().to_lowercase());
            }
        }
    }
    Ok(Filter::Leaf {
        field,
        op,
        texts,
        flag,
        range,
    })
}

fn parse_range(value: &Value) -> Result<Range, ApiError> {
    let invalid = || {
        ApiError::unprocessable_one(
            "range value must be an object of gt, gte, lt, lte with ISO-8601 dates or epoch milliseconds",
        )
    };
    let obj = value
        .as_object()
        .filter(|o| !o.is_empty())
        .ok_or_else(invalid)?;
    let mut range = Range::default();
    for (key, bound) in obj {
        let ms = parse_instant(bound).ok_or_else(invalid)?.timestamp_millis();
        match key.as_str() {
            "gt" => range.gt = Some(ms),
            "gte" => range.gte = Some(ms),
            "lt" => range.lt = Some(ms),
            "lte" => range.lte = Some(ms),
            _ => return Err(invalid()),
        }
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ranges_bound_both_ways() {
        let range = parse_range(&json!({"gt": 10, "lte": "1970-01-01T00:00:00.020Z"})).unwrap();
        assert!(!range.contains(10));
        assert!(range.contains(11));
        assert!(range.contains(20));
        assert!(!range.contains(21));
        assert!(parse_range(&json!({"after": 1})).is_err());
        assert!(parse_range(&json!({})).is_err());
    }

    #[test]
    fn unknown_fields_and_operators_are_refused() {
        let field = parse_filter(&json!({"field": "contact_name", "operator": "eq", "value": "x"}));
        assert_eq!(field.unwrap_err().status.as_u16(), 400);
        let op = parse_filter(&json!({"field": "dateUpdated", "operator": "gt", "value": 1}));
        assert_eq!(op.unwrap_err().status.as_u16(), 400);
        let mismatch =
            parse_filter(&json!({"field": "email", "operator": "range", "value": {"gt": 1}}));
        assert!(mismatch.is_err());
    }
}
