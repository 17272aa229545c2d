//! Contact endpoints: get, create, update, delete, upsert, duplicate lookup, by business and the
//! deprecated list. The location does not allow duplicates (GHL's default): an email or phone
//! already on another contact refuses a create or update with 400 and the other contact's id.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::auth::{contact_location, own_location};
use super::contact_json;
use super::custom_fields::parse_writes;
use super::errors::ApiError;
use super::shared::{lock, AppState};
use super::state::{string_field, AccessGrant, ContactRec, Id, Location};
use super::validate::{json_body, normalize_phone, opt_str, parse_date, validate, Kind, Prop};

/// CreateContactDto (contacts.json).
const CREATE_PROPS: &[Prop] = &[
    Prop("firstName", Kind::Str),
    Prop("lastName", Kind::Str),
    Prop("name", Kind::Str),
    Prop("email", Kind::Email),
    Prop("locationId", Kind::Str),
    Prop("gender", Kind::Str),
    Prop("phone", Kind::Phone),
    Prop("address1", Kind::Str),
    Prop("city", Kind::Str),
    Prop("state", Kind::Str),
    Prop("postalCode", Kind::Str),
    Prop("website", Kind::Str),
    Prop("timezone", Kind::Str),
    Prop("dnd", Kind::Bool),
    Prop("dndSettings", Kind::Object),
    Prop("inboundDndSettings", Kind::Object),
    Prop("tags", Kind::StrArray),
    Prop("customFields", Kind::Array),
    Prop("source", Kind::Str),
    Prop("dateOfBirth", Kind::Date),
    Prop("country", Kind::Str),
    Prop("companyName", Kind::Str),
    Prop("assignedTo", Kind::Str),
];

/// UpdateContactDto: the create fields without locationId, gender and companyName.
const UPDATE_PROPS: &[Prop] = &[
    Prop("firstName", Kind::Str),
    Prop("lastName", Kind::Str),
    Prop("name", Kind::Str),
    Prop("email", Kind::Email),
    Prop("phone", Kind::Phone),
    Prop("address1", Kind::Str),
    Prop("city", Kind::Str),
    Prop("state", Kind::Str),
    Prop("postalCode", Kind::Str),
    Prop("website", Kind::Str),
    Prop("timezone", Kind::Str),
    Prop("dnd", Kind::Bool),
    Prop("dndSettings", Kind::Object),
    Prop("inboundDndSettings", Kind::Object),
    Prop("tags", Kind::StrArray),
    Prop("customFields", Kind::Array),
    Prop("source", Kind::Str),
    Prop("dateOfBirth", Kind::Date),
    Prop("country", Kind::Str),
    Prop("assignedTo", Kind::Str),
];

/// UpsertContactDto: the create fields plus createNewIfDuplicateAllowed.
const UPSERT_PROPS: &[Prop] = &[
    Prop("firstName", Kind::Str),
    Prop("lastName", Kind::Str),
    Prop("name", Kind::Str),
    Prop("email", Kind::Email),
    Prop("locationId", Kind::Str),
    Prop("gender", Kind::Str),
    Prop("phone", Kind::Phone),
    Prop("address1", Kind::Str),
    Prop("city", Kind::Str),
    Prop("state", Kind::Str),
    Prop("postalCode", Kind::Str),
    Prop("website", Kind::Str),
    Prop("timezone", Kind::Str),
    Prop("dnd", Kind::Bool),
    Prop("dndSettings", Kind::Object),
    Prop("inboundDndSettings", Kind::Object),
    Prop("tags", Kind::StrArray),
    Prop("customFields", Kind::Array),
    Prop("source", Kind::Str),
    Prop("dateOfBirth", Kind::Date),
    Prop("country", Kind::Str),
    Prop("companyName", Kind::Str),
    Prop("assignedTo", Kind::Str),
    Prop("createNewIfDuplicateAllowed", Kind::Bool),
];

const DND_CHANNELS: &[&str] = &["Call", "Email", "SMS", "WhatsApp", "GMB", "FB"];

/// A validated change to a contact, applied in one go.
#[derive(Debug, Default)]
pub(crate) struct ContactPatch {
    strings: Vec<(&'static str, Option<String>)>,
    dnd: Option<bool>,
    dnd_settings: Option<Option<Value>>,
    inbound_dnd_settings: Option<Option<Value>>,
    date_of_birth: Option<Option<NaiveDate>>,
    tags: Option<Vec<String>>,
    custom: Vec<(Id, Option<Value>)>,
}

impl ContactPatch {
    fn string(&self, field: &str) -> Option<Option<&str>> {
        self.strings
            .iter()
            .rev()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_deref())
    }

    fn drop_field(&mut self, field: &str) {
        self.strings.retain(|(f, _)| *f != field);
    }

    pub fn apply(self, contact: &mut ContactRec) {
        for (field, value) in self.strings {
            contact.set(field, value.map(|v| Arc::from(v.as_str())));
        }
        if let Some(dnd) = self.dnd {
            contact.dnd = dnd;
        }
        if let Some(settings) = self.dnd_settings {
            contact.dnd_settings = settings;
        }
        if let Some(settings) = self.inbound_dnd_settings {
            contact.inbound_dnd_settings = settings;
        }
        if let Some(born) = self.date_of_birth {
            contact.date_of_birth = born;
        }
        if let Some(tags) = self.tags {
            contact.tags = tags;
        }
        for (id, value) in self.custom {
            contact.custom.retain(|(existing, _)| *existing != id);
            if let Some(value) = value {
                contact.custom.push((id, value));
            }
        }
    }
}

/// Turns a validated body into a patch; nested checks (dnd settings, custom fields) here.
fn build_patch(map: &Map<String, Value>, location: &Location) -> Result<ContactPatch, ApiError> {
    let mut patch = ContactPatch::default();
    let mut problems = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "locationId" | "createNewIfDuplicateAllowed" | "name" => {}
            "email" => patch
                .strings
                .push(("email", value.as_str().map(|s| s.trim().to_string()))),
            "phone" => patch
                .strings
                .push(("phone", value.as_str().and_then(normalize_phone))),
            "dnd" => patch.dnd = value.as_bool(),
            "dndSettings" => {
                problems.extend(check_dnd_settings(value));
                patch.dnd_settings = Some(Some(value.clone()).filter(|v| !v.is_null()));
            }
            "inboundDndSettings" => {
                problems.extend(check_inbound_dnd(value));
                patch.inbound_dnd_settings = Some(Some(value.clone()).filter(|v| !v.is_null()));
            }
            "dateOfBirth" => patch.date_of_birth = Some(value.as_str().and_then(parse_date)),
            "tags" => {
                let tags = value
                    .as_array()
                    .map(|items| items.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                    .unwrap_or_default();
                patch.tags = Some(normalize_tags(tags));
            }
            "customFields" => match parse_writes(value, location) {
                Ok(writes) => patch.custom = writes,
                Err(more) => problems.extend(more),
            },
            other => {
                if let Some(field) = string_field(other) {
                    let text = value
                        .as_str()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty());
                    patch.strings.push((field, text));
                }
            }
        }
    }
    // `name` alone fills first and last name, as GHL splits it.
    if let Some(name) = opt_str(map, "name") {
        if !map.contains_key("firstName") && !map.contains_key("lastName") {
            let mut parts = name.trim().splitn(2, ' ');
            let first = parts.next().map(str::to_string).filter(|s| !s.is_empty());
            let last = parts
                .next()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            patch.strings.push(("firstName", first));
            patch.strings.push(("lastName", last));
        }
    }
    if problems.is_empty() {
        Ok(patch)
    } else {
        Err(ApiError::unprocessable(problems))
    }
}

fn check_dnd_settings(value: &Value) -> Vec<String> {
    let Some(channels) = value.as_object() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (channel, setting) in channels {
        if !DND_CHANNELS.contains(&channel.as_str()) {
            problems.push(format!("dndSettings.property {channel} should not exist"));
            continue;
        }
        let status = setting.get("status").and_then(Value::as_str);
        if !matches!(status, Some("active" | "inactive" | "permanent")) {
            problems.push(format!(
                "dndSettings.{channel}.status must be one of the following values: active, inactive, permanent"
            ));
        }
    }
    problems
}

fn check_inbound_dnd(value: &Value) -> Vec<String> {
    let Some(map) = value.as_object() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (key, setting) in map {
        if key != "all" {
            problems.push(format!(
                "inboundDndSettings.property {key} should not exist"
            ));
            continue;
        }
        let status = setting.get("status").and_then(Value::as_str);
        if !matches!(status, Some("active" | "inactive")) {
            problems.push(
                "inboundDndSettings.all.status must be one of the following values: active, inactive"
                    .into(),
            );
        }
    }
    problems
}

/// GHL keeps tags trimmed and lowercase, each once.
pub(crate) fn normalize_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// 400 when the patch's email or phone is already another contact's.
fn duplicate_conflict(
    location: &Location,
    patch: &ContactPatch,
    own_id: Option<&str>,
) -> Option<ApiError> {
    let by_email = patch
        .string("email")
        .flatten()
        .and_then(|email| location.contact_by_email(email))
        .map(|c| (c, "email"));
    let by_phone = || {
        patch
            .string("phone")
            .flatten()
            .and_then(|phone| location.contact_by_phone(phone))
            .map(|c| (c, "phone"))
    };
    let (other, field) = by_email
        .filter(|(c, _)| Some(&*c.id) != own_id)
        .or_else(|| by_phone().filter(|(c, _)| Some(&*c.id) != own_id))?;
    Some(
        ApiError::bad_request("This location does not allow duplicated contacts.").with_extra(
            "meta",
            json!({
                "contactName": other.full_name().map(|n| n.to_lowercase()),
                "contactId": &*other.id,
                "matchingField": field,
            }),
        ),
    )
}

fn trace_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// GET /contacts/{contactId}
pub(crate) async fn get_one(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let location = contact_location(&mut data, &grant, &contact_id)?;
    let contact = location
        .contact(&contact_id)
        .ok_or_else(|| ApiError::bad_request("Contact not found"))?;
    Ok(Json(
        json!({"contact": contact_json::full(&location.id, contact)}),
    ))
}

/// POST /contacts/ → 201 {contact}
pub(crate) async fn create(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, CREATE_PROPS, &["locationId"])?;
    grant.check_location(opt_str(map, "locationId").unwrap_or_default())?;
    let now = shared.now();
    let mut data = lock(&shared.data);
    let id = Id::from(data.new_id().as_str());
    let location = own_location(&mut data, &grant)?;
    let patch = build_patch(map, location)?;
    if let Some(conflict) = duplicate_conflict(location, &patch, None) {
        return Err(conflict);
    }
    let mut contact = ContactRec::new(id, now);
    patch.apply(&mut contact);
    let out = contact_json::full(&location.id, &contact);
    location.insert_contact(contact);
    Ok((StatusCode::CREATED, Json(json!({ "contact": out }))))
}

/// PUT /contacts/{contactId} → {succeded, contact}; `tags` replaces every tag.
pub(crate) async fn update(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, UPDATE_PROPS, &[])?;
    let now = shared.now();
    let mut data = lock(&shared.data);
    let location = contact_location(&mut data, &grant, &contact_id)?;
    let patch = build_patch(map, location)?;
    if let Some(conflict) = duplicate_conflict(location, &patch, Some(&contact_id)) {
        return Err(conflict);
    }
    location.update_contact(&contact_id, now, |c| patch.apply(c));
    let contact = location
        .contact(&contact_id)
        .ok_or_else(|| ApiError::bad_request("Contact not found"))?;
    Ok(Json(json!({
        "succeded": true,
        "contact": contact_json::full(&location.id, contact),
    })))
}

/// DELETE /contacts/{contactId} → {succeded} (specs/ghl/contacts.json: 200, 400, 401; a
/// contact that does not exist answers 400, as its reads do); its tasks, notes and
/// appointments go with it (a guess: the spec does not say what happens to them).
pub(crate) async fn delete(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(contact_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut data = lock(&shared.data);
    let location = contact_location(&mut data, &grant, &contact_id)?;
    location.remove_contact(&contact_id);
    Ok(Json(json!({"succeded": true})))
}

/// POST /contacts/upsert → 200 {new, contact, traceId}. Matches by email first, then phone.
/// Like GHL, an update silently keeps the stored gender (highlevel-api-docs#313) and skips a
/// phone that belongs to another contact (#37).
pub(crate) async fn upsert(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &bytes)?;
    let map = validate(&body, UPSERT_PROPS, &["locationId"])?;
    grant.check_location(opt_str(map, "locationId").unwrap_or_default())?;
    let now = shared.now();
    let mut data = lock(&shared.data);
    let new_id = Id::from(data.new_id().as_str());
    let location = own_location(&mut data, &grant)?;
    let mut patch = build_patch(map, location)?;
    let by_email = patch
        .string("email")
        .flatten()
        .and_then(|email| location.contact_by_email(email));
    let by_phone = patch
        .string("phone")
        .flatten()
        .and_then(|phone| location.contact_by_phone(phone));
    let existing = by_email.or(by_phone).map(|c| c.id.clone());
    let phone_owner = by_phone.map(|c| c.id.clone());
    let (is_new, id) = match existing {
        Some(id) => {
            patch.drop_field("gender");
            if phone_owner.is_some_and(|owner| owner != id) {
                patch.drop_field("phone");
            }
            location.update_contact(&id, now, |c| patch.apply(c));
            (false, id)
        }
        None => {
            let mut contact = ContactRec::new(new_id.clone(), now);
            patch.apply(&mut contact);
            location.insert_contact(contact);
            (true, new_id)
        }
    };
    let contact = location
        .contact(&id)
        .ok_or_else(|| ApiError::bad_request("Contact not found"))?;
    Ok(Json(json!({
        "new": is_new,
        "contact": contact_json::full(&location.id, contact),
        "traceId": trace_id(),
    })))
}

/// GET /contacts/search/duplicate?locationId&email&number → {contact} or {contact: null}
pub(crate) async fn duplicate(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let location_id = required_location(&query)?;
    grant.check_location(location_id)?;
    let email = query.get("email").filter(|e| !e.trim().is_empty());
    let number = query.get("number").filter(|n| !n.trim().is_empty());
    if email.is_none() && number.is_none() {
        return Err(ApiError::bad_request(
            "Pass at least one of number, email query parameter",
        ));
    }
    let mut data = lock(&shared.data);
    let location = own_location(&mut data, &grant)?;
    let found = email
        .and_then(|e| location.contact_by_email(e))
        .or_else(|| {
            number
                .and_then(|n| normalize_phone(n))
                .and_then(|n| location.contact_by_phone(&n))
        })
        .map(|c| contact_json::full(&location.id, c));
    Ok(Json(json!({ "contact": found })))
}

fn required_location(query: &HashMap<String, String>) -> Result<&str, ApiError> {
    query
        .get("locationId")
        .map(String::as_str)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| {
            ApiError::unprocessable(vec![
                "locationId should not be empty".into(),
                "locationId must be a string".into(),
            ])
        })
}

fn query_number(
    query: &HashMap<String, String>,
    key: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match query.get(key) {
        None => Ok(default),
        Some(raw) => raw.trim().parse::<usize>().map_err(|_| {
            ApiError::unprocessable_one(format!(
                "{key} must be a number conforming to the specified constraints"
            ))
        }),
    }
}

/// Free-text match on names, email, phone and company, as the `query` parameters do.
pub(crate) fn matches_query(contact: &ContactRec, query: &str) -> bool {
    let needle = query.trim().to_lowercase();
    if needle.is_empty() {
        return true;
    }
    ["firstName", "lastName", "email", "phone", "companyName"]
        .iter()
        .filter_map(|f| contact.get(f))
        .chain(contact.full_name().as_deref())
        .any(|v| v.to_lowercase().contains(&needle))
}

/// GET /contacts/business/{businessId}?locationId&limit&skip&query → {contacts, count}
pub(crate) async fn by_business(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(business_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let location_id = required_location(&query)?;
    grant.check_location(location_id)?;
    let limit = query_number(&query, "limit", 25)?;
    let skip = query_number(&query, "skip", 0)?;
    let text = query.get("query").map(String::as_str).unwrap_or_default();
    let mut data = lock(&shared.data);
    let location = own_location(&mut data, &grant)?;
    let matching: Vec<&ContactRec> = location
        .by_added
        .iter()
        .rev()
        .filter_map(|(_, id)| location.contact(id))
        .filter(|c| c.get("businessId") == Some(business_id.as_str()))
        .filter(|c| matches_query(c, text))
        .collect();
    let contacts: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(limit)
        .map(|c| contact_json::listed(&location.id, c))
        .collect();
    Ok(Json(json!({"contacts": contacts, "count": matching.len()})))
}

/// GET /contacts/ (deprecated) → {contacts, count, meta}. Newest first by dateAdded; the cursor
/// is `startAfter` (dateAdded, epoch ms) + `startAfterId` of the last contact seen.
pub(crate) async fn list(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let location_id = required_location(&query)?;
    grant.check_location(location_id)?;
    let limit = query_number(&query, "limit", 20)?;
    if limit > 100 {
        return Err(ApiError::unprocessable_one(
            "limit must not be greater than 100",
        ));
    }
    let limit = limit.max(1);
    let start_after = match query.get("startAfter") {
        None => None,
        Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| {
            ApiError::unprocessable_one(
                "startAfter must be a number conforming to the specified constraints",
            )
        })?),
    };
    let start_after_id = query.get("startAfterId").cloned().unwrap_or_default();
    let text = query.get("query").map(String::as_str).unwrap_or_default();
    let mut data = lock(&shared.data);
    let location = own_location(&mut data, &grant)?;
    let upper = match start_after {
        Some(ms) if start_after_id.is_empty() => Bound::Excluded((ms, Id::from(""))),
        Some(ms) => Bound::Excluded((ms, Id::from(start_after_id.as_str()))),
        None => Bound::Unbounded,
    };
    let matches =
        |(_, id): &&(i64, Id)| location.contact(id).is_some_and(|c| matches_query(c, text));
    let total = location.by_added.iter().filter(matches).count();
    let before_cursor = location
        .by_added
        .range((Bound::Unbounded, upper.clone()))
        .filter(matches)
        .count();
    let page: Vec<&(i64, Id)> = location
        .by_added
        .range((Bound::Unbounded, upper))
        .rev()
        .filter(matches)
        .take(limit)
        .collect();
    let contacts: Vec<Value> = page
        .iter()
        .filter_map(|(_, id)| location.contact(id))
        .map(|c| contact_json::listed(&location.id, c))
        .collect();
    let seen_before = total - before_cursor;
    let current_page = seen_before / limit + 1;
    let last = page.last();
    let has_more = before_cursor > page.len();
    let next_url = last.filter(|_| has_more).map(|(ms, id)| {
        format!(
            "{}/contacts/?locationId={}&startAfter={ms}&startAfterId={id}&limit={limit}",
            shared.base_url, location.id
        )
    });
    Ok(Json(json!({
        "contacts": contacts,
        "count": total,
        "meta": {
            "total": total,
            "nextPageUrl": next_url,
            "startAfterId": last.filter(|_| has_more).map(|(_, id)| id.to_string()),
            "startAfter": last.filter(|_| has_more).map(|(ms, _)| *ms),
            "currentPage": current_page,
            "nextPage": has_more.then_some(current_page + 1),
            "prevPage": (current_page > 1).then(|| current_page - 1),
        },
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lowercased_and_unique() {
        assert_eq!(
            normalize_tags([" VIP ", "vip", "Lead", ""]),
            vec!["vip".to_string(), "lead".to_string()]
        );
    }

    #[test]
    fn dnd_settings_are_checked() {
        assert!(check_dnd_settings(&json!({"Email": {"status": "active"}})).is_empty());
        assert_eq!(
            check_dnd_settings(&json!({"Fax": {"status": "active"}})).len(),
            1
        );
        assert_eq!(
            check_dnd_settings(&json!({"SMS": {"status": "maybe"}})).len(),
            1
        );
    }
}
