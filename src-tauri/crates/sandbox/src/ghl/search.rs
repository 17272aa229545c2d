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
use super::validate::{json_body, opt_str, validate, Kind, Prop};

mod filters;

use filters::{parse_filters, Filter};

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
/// The longest `query`, and the longest text a filter compares with.
pub(super) const MAX_QUERY_CHARS: usize = 75;

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
