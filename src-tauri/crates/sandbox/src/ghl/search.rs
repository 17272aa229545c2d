//! POST /contacts/search, the way GHL's documentation describes it (the spec leaves the body
//! and answer empty; highlevel-api-docs#31, #170, #314 and the "Search Contacts" guide fill in):
//!
//! * body: `locationId`* , `pageLimit`* (1..=500), `page` (1-based), `searchAfter`, `filters`,
//!   `sort` (up to 2 of `{field, direction}`), `query` (≤ 75 characters); anything else is a 422.
//! * `page` paging reaches only the first 10,000 hits (`page * pageLimit > 10000` is a 422);
//!   beyond, pass the `searchAfter` of the last hit and leave `page` out (or 1).
//! * sort fields: `dateAdded` (the default, newest first), `dateUpdated`, `firstNameLowerCase`,
//!   `lastNameLowerCase`, `email`; ties break on the contact id in the same direction. Every hit
//!   carries `searchAfter: [<sort values...>, id]`, dates as epoch milliseconds.
//! * filters: `{field, operator, value}` or `{group: "AND"|"OR", filters: [...]}`, all ANDed.
//!   Operators as documented: `eq`, `not_eq`, `contains`, `not_contains`, `exists`,
//!   `not_exists`, `range` (value `{gt|gte|lt|lte: ISO-8601 or epoch ms}`). Supported fields:
//!   `dateAdded`/`dateUpdated` (`range`, `exists`, `not_exists`); `tags` (`eq`/`contains` mean
//!   "has the tag", a list means any of them; `not_eq`/`not_contains`, `exists`, `not_exists`);
//!   `dnd` (`eq`, `not_eq`); `id`, `email`, `phone`, `firstNameLowerCase`,
//!   `lastNameLowerCase`, `companyName`, `businessId`, `source`, `city`, `state`, `country`,
//!   `postalCode`, `address`, `assignedTo`, `type` (all but `range`; case-insensitive). An
//!   unknown field is a 400 "Invalid field X", as GHL answers. There are no `gt`/`gte`
//!   operators of their own: comparisons go through `range`.
//! * answer: `{contacts, total, traceId}`. The index is current (GHL's lags a few seconds).

use std::cmp::Ordering;
use std::ops::Bound;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::auth::own_location;
use super::contact_json;
use super::contacts::matches_query;
use super::dates::parse_instant;
use super::errors::ApiError;
use super::shared::{lock, AppState};
use super::state::{AccessGrant, ContactRec, Id, Location};
use super::validate::{json_body, normalize_phone, opt_str, validate, Kind, Prop};

const SEARCH_PROPS: &[Prop] = &[
    Prop("locationId", Kind::Str),
    Prop("page", Kind::Integer),
    Prop("pageLimit", Kind::Integer),
    Prop("searchAfter", Kind::Array),
    Prop("filters", Kind::Array),
    Prop("sort", Kind::Array),
    Prop("query", Kind::Str),
];

const MAX_PAGE_LIMIT: u64 = 500;
const PAGE_WINDOW: u64 = 10_000;
const MAX_QUERY_CHARS: usize = 75;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortField {
    DateAdded,
    DateUpdated,
    FirstName,
    LastName,
    Email,
}

impl SortField {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "dateAdded" => SortField::DateAdded,
            "dateUpdated" => SortField::DateUpdated,
            "firstNameLowerCase" => SortField::FirstName,
            "lastNameLowerCase" => SortField::LastName,
            "email" => SortField::Email,
            _ => return None,
        })
    }

    fn is_date(self) -> bool {
        matches!(self, SortField::DateAdded | SortField::DateUpdated)
    }

    fn key(self, contact: &ContactRec) -> Key {
        let text = |field: &str| {
            contact
                .get(field)
                .map_or(Key::Missing, |v| Key::Text(v.to_lowercase()))
        };
        match self {
            SortField::DateAdded => Key::Num(contact.date_added.timestamp_millis()),
            SortField::DateUpdated => Key::Num(contact.date_updated.timestamp_millis()),
            SortField::FirstName => text("firstName"),
            SortField::LastName => text("lastName"),
            SortField::Email => text("email"),
        }
    }
}

/// A sort value. Missing values sort first, as `null` does in the cursor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Missing,
    Num(i64),
    Text(String),
}

impl Key {
    fn to_json(&self) -> Value {
        match self {
            Key::Missing => Value::Null,
            Key::Num(n) => json!(n),
            Key::Text(t) => json!(t),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Sort {
    field: SortField,
    descending: bool,
}

/// A position in the sort order: the sort values and id of the last hit seen.
#[derive(Debug, Clone)]
struct Cursor {
    keys: Vec<Key>,
    id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
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
enum FilterField {
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
struct Range {
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
enum Filter {
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
    fn matches(&self, contact: &ContactRec) -> bool {
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

fn parse_filters(value: Option<&Value>) -> Result<Vec<Filter>, ApiError> {
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

fn parse_sort(value: Option<&Value>) -> Result<Vec<Sort>, ApiError> {
    let Some(items) = value.and_then(Value::as_array).filter(|i| !i.is_empty()) else {
        return Ok(vec![Sort {
            field: SortField::DateAdded,
            descending: true,
        }]);
    };
    if items.len() > 2 {
        return Err(ApiError::unprocessable_one(
            "sort must contain no more than 2 elements",
        ));
    }
    items
        .iter()
        .map(|item| {
            let obj = item.as_object().ok_or_else(|| {
                ApiError::unprocessable_one("each value in sort must be an object")
            })?;
            if let Some(key) = obj
                .keys()
                .find(|k| !["field", "direction"].contains(&k.as_str()))
            {
                return Err(ApiError::unprocessable_one(format!(
                    "sort.property {key} should not exist"
                )));
            }
            let name = obj.get("field").and_then(Value::as_str).unwrap_or_default();
            let field = SortField::parse(name)
                .ok_or_else(|| ApiError::bad_request(format!("Invalid sort field {name}")))?;
            let descending = match obj.get("direction").and_then(Value::as_str) {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(_) => {
                    return Err(ApiError::unprocessable_one(
                        "sort.direction must be one of the following values: asc, desc",
                    ))
                }
            };
            Ok(Sort { field, descending })
        })
        .collect()
}

fn parse_cursor(value: Option<&Value>, sort: &[Sort]) -> Result<Option<Cursor>, ApiError> {
    let Some(items) = value.and_then(Value::as_array).filter(|i| !i.is_empty()) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::unprocessable_one(
            "searchAfter must hold the sort values and the id of the last contact of the previous page",
        )
    };
    if items.len() != sort.len() + 1 {
        return Err(invalid());
    }
    let mut keys = Vec::new();
    for (item, s) in items.iter().zip(sort) {
        let key = match item {
            Value::Null => Key::Missing,
            _ if s.field.is_date() => {
                Key::Num(parse_instant(item).ok_or_else(invalid)?.timestamp_millis())
            }
            Value::String(text) => Key::Text(text.to_lowercase()),
            _ => return Err(invalid()),
        };
        keys.push(key);
    }
    let id = items
        .last()
        .and_then(Value::as_str)
        .ok_or_else(invalid)?
        .to_string();
    Ok(Some(Cursor { keys, id }))
}

/// Orders (keys, id) pairs by the sort; ties on the keys break on the id, in the first
/// sort's direction.
fn compare(a: (&[Key], &str), b: (&[Key], &str), sort: &[Sort]) -> Ordering {
    for ((ka, kb), s) in a.0.iter().zip(b.0).zip(sort) {
        let ord = ka.cmp(kb);
        let ord = if s.descending { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    let ord = a.1.cmp(b.1);
    if sort.first().is_some_and(|s| s.descending) {
        ord.reverse()
    } else {
        ord
    }
}

struct Request {
    sort: Vec<Sort>,
    filters: Vec<Filter>,
    query: String,
    cursor: Option<Cursor>,
    offset: usize,
    limit: usize,
}

impl Request {
    fn matches(&self, contact: &ContactRec) -> bool {
        self.filters.iter().all(|f| f.matches(contact)) && matches_query(contact, &self.query)
    }

    fn unfiltered(&self) -> bool {
        self.filters.is_empty() && self.query.trim().is_empty()
    }
}

/// One page of hits with their sort keys, and the number of all matches.
fn run<'a>(location: &'a Location, request: &Request) -> (Vec<(&'a ContactRec, Vec<Key>)>, usize) {
    match request.sort.as_slice() {
        [only] if only.field.is_date() => run_on_index(location, request, *only),
        _ => run_sorted(location, request),
    }
}

/// The common case (one date sort) walks the ordered index: no sorting per page.
fn run_on_index<'a>(
    location: &'a Location,
    request: &Request,
    sort: Sort,
) -> (Vec<(&'a ContactRec, Vec<Key>)>, usize) {
    let index = if sort.field == SortField::DateAdded {
        &location.by_added
    } else {
        &location.by_updated
    };
    let total = if request.unfiltered() {
        location.contacts.len()
    } else {
        location
            .contacts
            .values()
            .filter(|c| request.matches(c))
            .count()
    };
    let after = request.cursor.as_ref().map(|c| {
        let ms = match c.keys.first() {
            Some(Key::Num(ms)) => *ms,
            _ => i64::MIN,
        };
        (ms, Id::from(c.id.as_str()))
    });
    let walk: Box<dyn Iterator<Item = &(i64, Id)>> = match (sort.descending, after) {
        (false, None) => Box::new(index.iter()),
        (false, Some(after)) => Box::new(index.range((Bound::Excluded(after), Bound::Unbounded))),
        (true, None) => Box::new(index.iter().rev()),
        (true, Some(after)) => Box::new(
            index
                .range((Bound::Unbounded, Bound::Excluded(after)))
                .rev(),
        ),
    };
    let page = walk
        .filter_map(|(ms, id)| location.contact(id).map(|c| (c, vec![Key::Num(*ms)])))
        .filter(|(c, _)| request.matches(c))
        .skip(request.offset)
        .take(request.limit)
        .collect();
    (page, total)
}

fn run_sorted<'a>(
    location: &'a Location,
    request: &Request,
) -> (Vec<(&'a ContactRec, Vec<Key>)>, usize) {
    let mut hits: Vec<(&ContactRec, Vec<Key>)> = location
        .contacts
        .values()
        .filter(|c| request.matches(c))
        .map(|c| (c, request.sort.iter().map(|s| s.field.key(c)).collect()))
        .collect();
    let total = hits.len();
    hits.sort_by(|a, b| compare((&a.1, &a.0.id), (&b.1, &b.0.id), &request.sort));
    let start = match &request.cursor {
        Some(cursor) => hits.partition_point(|(c, keys)| {
            compare((keys, &c.id), (&cursor.keys, &cursor.id), &request.sort) != Ordering::Greater
        }),
        None => request.offset,
    };
    let page = hits.into_iter().skip(start).take(request.limit).collect();
    (page, total)
}

fn positive(map: &Map<String, Value>, key: &str) -> Option<u64> {
    map.get(key).and_then(Value::as_u64)
}

/// POST /contacts/search → {contacts, total, traceId}
pub(crate) async fn search(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, SEARCH_PROPS, &["locationId", "pageLimit"])?;
    let limit = positive(map, "pageLimit").unwrap_or(0);
    if limit > MAX_PAGE_LIMIT {
        return Err(ApiError::unprocessable_one(format!(
            "pageLimit must not be greater than {MAX_PAGE_LIMIT}"
        )));
    }
    if limit < 1 {
        return Err(ApiError::unprocessable_one(
            "pageLimit must not be less than 1",
        ));
    }
    let page = match map.get("page") {
        None | Some(Value::Null) => 1,
        Some(_) => positive(map, "page")
            .filter(|p| *p >= 1)
            .ok_or_else(|| ApiError::unprocessable_one("page must not be less than 1"))?,
    };
    let query = opt_str(map, "query").unwrap_or_default().to_string();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::unprocessable_one(
            "query must be shorter than or equal to 75 characters",
        ));
    }
    grant.check_location(opt_str(map, "locationId").unwrap_or_default())?;
    let sort = parse_sort(map.get("sort"))?;
    let filters = parse_filters(map.get("filters"))?;
    let cursor = parse_cursor(map.get("searchAfter"), &sort)?;
    if cursor.is_some() && page > 1 {
        return Err(ApiError::unprocessable_one(
            "page must not be used with searchAfter: leave page out and pass the searchAfter of the last contact",
        ));
    }
    if cursor.is_none() && page.saturating_mul(limit) > PAGE_WINDOW {
        return Err(ApiError::unprocessable_one(format!(
            "page * pageLimit must not exceed {PAGE_WINDOW}: use searchAfter to read further"
        )));
    }
    let request = Request {
        sort,
        filters,
        query,
        offset: if cursor.is_some() {
            0
        } else {
            usize::try_from((page - 1) * limit).unwrap_or(usize::MAX)
        },
        cursor,
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
    };
    let mut data = lock(&shared.data);
    let location = own_location(&mut data, &grant)?;
    let (hits, total) = run(location, &request);
    let contacts: Vec<Value> = hits
        .into_iter()
        .map(|(contact, keys)| {
            let mut after: Vec<Value> = keys.iter().map(Key::to_json).collect();
            after.push(json!(&*contact.id));
            contact_json::searched(&location.id, contact, after)
        })
        .collect();
    Ok(Json(json!({
        "contacts": contacts,
        "total": total,
        "traceId": uuid::Uuid::new_v4().to_string(),
    })))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn descending_ties_break_on_id_descending() {
        let sort = [Sort {
            field: SortField::DateUpdated,
            descending: true,
        }];
        let keys = [Key::Num(5)];
        assert_eq!(
            compare((&keys, "a"), (&keys, "b"), &sort),
            Ordering::Greater
        );
        let later = [Key::Num(6)];
        assert_eq!(compare((&later, "a"), (&keys, "b"), &sort), Ordering::Less);
    }
}
