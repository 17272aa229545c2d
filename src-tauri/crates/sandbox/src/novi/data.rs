//! The tenant's data: members (people and companies), activities (tasks and notes) and events,
//! seeded so that a share of the GHL fake's contacts are also Novi members with the same email.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, Utc};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use super::fields::{format_date, format_stamp, Kind};
use crate::novi::host::guid;
use crate::seed::{SeedContact, MEMBERSHIP_LEVELS};

/// Writable member fields (UniqueID, InternalIdentifier, CreatedDate and LastUpdatedDate are
/// the server's).
pub(crate) const MEMBER_FIELDS: &[(&str, Kind)] = &[
    ("Name", Kind::Str),
    // `Person` or `Company`.
    ("CustomerType", Kind::Str),
    ("FirstName", Kind::Str),
    ("LastName", Kind::Str),
    ("Email", Kind::Str),
    ("Phone", Kind::Str),
    ("Mobile", Kind::Str),
    ("Website", Kind::Str),
    ("Active", Kind::Bool),
    ("MemberStatus", Kind::Str),
    ("JobTitle", Kind::Str),
    ("Notes", Kind::Str),
    ("ParentCustomerUniqueID", Kind::Str),
    ("CustomFields", Kind::Obj),
];

/// Writable activity fields; MemberName and AssignedToMemberName are derived.
pub(crate) const ACTIVITY_FIELDS: &[(&str, Kind)] = &[
    ("MemberUniqueId", Kind::Str),
    ("ActivityType", Kind::Str),
    ("Subject", Kind::Str),
    ("Date", Kind::Date),
    ("Notes", Kind::Str),
    ("ContactMemberUniqueId", Kind::Str),
    ("AssignedToMemberUniqueId", Kind::Str),
    ("TaskComplete", Kind::Bool),
    ("TaskCompletedDate", Kind::Date),
];

/// Writable event fields; EventUniqueId and Url are the server's.
pub(crate) const EVENT_FIELDS: &[(&str, Kind)] = &[
    ("Name", Kind::Str),
    ("Active", Kind::Bool),
    ("Details", Kind::Str),
    ("Summary", Kind::Str),
    ("StartDate", Kind::Date),
    ("EndDate", Kind::Date),
    ("AllDayEvent", Kind::Bool),
    ("TimeZone", Kind::Str),
    ("LocationType", Kind::Str),
    ("LocationName", Kind::Str),
    ("Address1", Kind::Str),
    ("City", Kind::Str),
    ("State", Kind::Str),
    ("ZipCode", Kind::Str),
];

const JOB_TITLES: &[&str] = &[
    "Owner",
    "Office Manager",
    "Director",
    "Practice Manager",
    "Consultant",
    "Marketing Lead",
    "Board Member",
];
/// `MemberStatus` is a slug (`non_member` is documented); Guess: the other slugs.
const STATUSES: &[&str] = &[
    "current",
    "current",
    "current",
    "grace_period",
    "lapsed",
    "non_member",
];
const TASK_SUBJECTS: &[&str] = &[
    "Renewal reminder call",
    "Send committee packet",
    "Confirm conference registration",
    "Follow up on dues invoice",
];
const NOTE_SUBJECTS: &[&str] = &[
    "Spoke at chapter meeting",
    "Interested in sponsorship",
    "Updated mailing preferences",
    "Asked about CE credits",
];

#[derive(Debug)]
pub(crate) struct NoviData {
    /// The tenant's time zone: member stamps are written in it.
    pub zone: FixedOffset,
    /// Members in creation order; never removed (Novi has no member delete).
    pub members: Vec<Map<String, Value>>,
    pub member_index: HashMap<String, usize>,
    /// Activities by creation number, so lists have a stable order.
    pub activities: BTreeMap<u64, Map<String, Value>>,
    pub activity_index: HashMap<String, u64>,
    pub events: Vec<Map<String, Value>>,
    next_internal: u64,
    next_activity: u64,
}

impl NoviData {
    pub fn new(zone: FixedOffset) -> Self {
        Self {
            zone,
            members: Vec::new(),
            member_index: HashMap::new(),
            activities: BTreeMap::new(),
            activity_index: HashMap::new(),
            events: Vec::new(),
            next_internal: 0,
            next_activity: 0,
        }
    }

    pub fn insert_member(&mut self, id: String, mut fields: Map<String, Value>, at: DateTime<Utc>) {
        self.next_internal += 1;
        fields.insert("UniqueID".into(), json!(id));
        fields.insert("InternalIdentifier".into(), json!(self.next_internal));
        // Guess: a member created without a type is a person.
        if fields.get("CustomerType").is_none_or(Value::is_null) {
            fields.insert("CustomerType".into(), json!("Person"));
        }
        fields.insert("CreatedDate".into(), json!(format_stamp(at, self.zone)));
        fields.insert("LastUpdatedDate".into(), json!(format_stamp(at, self.zone)));
        self.member_index.insert(id, self.members.len());
        self.members.push(order_member(fields));
    }

    pub fn member(&self, id: &str) -> Option<&Map<String, Value>> {
        self.member_index.get(id).and_then(|i| self.members.get(*i))
    }

    pub fn replace_member(
        &mut self,
        id: &str,
        mut fields: Map<String, Value>,
        at: DateTime<Utc>,
    ) -> bool {
        let Some(slot) = self
            .member_index
            .get(id)
            .and_then(|i| self.members.get_mut(*i))
        else {
            return false;
        };
        fields.insert("UniqueID".into(), json!(id));
        for kept in ["InternalIdentifier", "CreatedDate"] {
            fields.insert(kept.into(), slot.get(kept).cloned().unwrap_or(Value::Null));
        }
        // Guess: a PUT without a type keeps the member's.
        if fields.get("CustomerType").is_none_or(Value::is_null) {
            fields.insert(
                "CustomerType".into(),
                slot.get("CustomerType").cloned().unwrap_or(Value::Null),
            );
        }
        fields.insert("LastUpdatedDate".into(), json!(format_stamp(at, self.zone)));
        *slot = order_member(fields);
        true
    }

    pub fn member_name(&self, id: Option<&str>) -> Value {
        id.and_then(|id| self.member(id))
            .and_then(|m| m.get("Name").cloned())
            .unwrap_or(Value::Null)
    }

    pub fn insert_activity(&mut self, id: String, fields: Map<String, Value>) {
        self.next_activity += 1;
        let mut fields = fields;
        fields.insert("UniqueID".into(), json!(id));
        self.activity_index.insert(id, self.next_activity);
        self.activities.insert(self.next_activity, fields);
    }

    /// An activity as Novi shows it: with the member names filled in.
    pub fn activity_view(&self, stored: &Map<String, Value>) -> Value {
        let mut view = Map::new();
        view.insert(
            "UniqueID".into(),
            stored.get("UniqueID").cloned().unwrap_or(Value::Null),
        );
        for (name, _) in ACTIVITY_FIELDS {
            view.insert(
                (*name).to_string(),
                stored.get(*name).cloned().unwrap_or(Value::Null),
            );
            let derived = match *name {
                "MemberUniqueId" => Some("MemberName"),
                "ContactMemberUniqueId" => Some("ContactMemberName"),
                "AssignedToMemberUniqueId" => Some("AssignedToMemberName"),
                _ => None,
            };
            if let Some(derived) = derived {
                let id = stored.get(*name).and_then(Value::as_str);
                view.insert(derived.to_string(), self.member_name(id));
            }
        }
        Value::Object(view)
    }
}

/// Keys in a fixed, readable order: identity first.
fn order_member(mut fields: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ["UniqueID", "InternalIdentifier"] {
        if let Some(value) = fields.remove(key) {
            out.insert(key.to_string(), value);
        }
    }
    for (name, _) in MEMBER_FIELDS {
        out.insert(
            (*name).to_string(),
            fields.remove(*name).unwrap_or(Value::Null),
        );
    }
    for stamp in ["CreatedDate", "LastUpdatedDate"] {
        out.insert(stamp.into(), fields.remove(stamp).unwrap_or(Value::Null));
    }
    out
}

/// How a phone number looks when typed into Novi by a person: national format for US numbers.
fn typed_phone(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(rest) if rest.len() == 10 => {
            format!("({}) {}-{}", &rest[..3], &rest[3..6], &rest[6..])
        }
        _ => match e164.strip_prefix("+44") {
            Some(rest) if rest.len() == 10 => format!("+44 {} {}", &rest[..4], &rest[4..]),
            _ => e164.to_string(),
        },
    }
}

pub(crate) struct SeedPlan<'a> {
    pub seed: u64,
    pub zone: FixedOffset,
    /// The names activities are seeded with.
    pub task_type: &'a str,
    pub note_type: &'a str,
    pub ghl: &'a [SeedContact],
    pub overlap: f64,
    pub novi_only: &'a [SeedContact],
    pub anchor: DateTime<Utc>,
}

pub(crate) fn seeded(plan: &SeedPlan<'_>) -> NoviData {
    let mut rng = SmallRng::seed_from_u64(plan.seed ^ 0x6e6f_7669_616d_7321);
    let mut data = NoviData::new(plan.zone);
    let ghl_emails: HashSet<&str> = plan.ghl.iter().map(|c| c.email.as_str()).collect();
    let shared = plan
        .ghl
        .iter()
        .filter(|_| rng.random_bool(plan.overlap.clamp(0.0, 1.0)));
    let own = plan
        .novi_only
        .iter()
        .filter(|c| !ghl_emails.contains(c.email.as_str()));
    let people: Vec<&SeedContact> = shared.chain(own).collect();
    // Companies first, so people can point at them.
    let mut companies: HashMap<String, String> = HashMap::new();
    for person in &people {
        let Some(company) = &person.company_name else {
            continue;
        };
        if companies.contains_key(company) {
            continue;
        }
        let id = guid(&mut rng);
        let domain: String = company
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        let fields = json!({
            "Name": company,
            "CustomerType": "Company",
            "Email": format!("info@{domain}.com"),
            "Website": format!("https://www.{domain}.com"),
            "Active": true,
            "MemberStatus": "current",
        });
        let modified = plan.anchor - Duration::days(rng.random_range(30..400));
        data.insert_member(id.clone(), filled(MEMBER_FIELDS, fields), modified);
        companies.insert(company.clone(), id);
    }
    for person in people {
        let id = guid(&mut rng);
        // People type their email as they like; matching must normalize.
        let email = if rng.random_bool(0.1) {
            let mut chars = person.email.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        } else {
            person.email.clone()
        };
        let phone = person.phone.as_deref().map(typed_phone);
        let status = *pick(&mut rng, STATUSES);
        let mut custom = Map::new();
        custom.insert(
            "Membership Level".into(),
            json!(pick(&mut rng, MEMBERSHIP_LEVELS)),
        );
        if let Some(city) = &person.city {
            custom.insert("Chapter".into(), json!(city));
        }
        let fields = json!({
            "Name": format!("{} {}", person.first_name, person.last_name),
            "CustomerType": "Person",
            "FirstName": person.first_name,
            "LastName": person.last_name,
            "Email": email,
            "Phone": phone,
            "Mobile": rng.random_bool(0.4).then(|| phone.clone()).flatten(),
            "Active": status != "lapsed" && status != "non_member",
            "MemberStatus": status,
            "JobTitle": rng.random_bool(0.6).then(|| *pick(&mut rng, JOB_TITLES)),
            "Notes": rng.random_bool(0.2).then_some("Joined at the annual conference."),
            "ParentCustomerUniqueID": person.company_name.as_ref().and_then(|c| companies.get(c)),
            "CustomFields": custom,
        });
        let modified = person.date_updated - Duration::minutes(rng.random_range(0..600));
        data.insert_member(id.clone(), filled(MEMBER_FIELDS, fields), modified);
        seed_activities(&mut data, &mut rng, plan, &id, person.date_added);
    }
    seed_events(&mut data, &mut rng, plan.anchor);
    data
}

fn seed_activities(
    data: &mut NoviData,
    rng: &mut SmallRng,
    plan: &SeedPlan<'_>,
    member: &str,
    since: DateTime<Utc>,
) {
    let anchor = plan.anchor;
    let staff: Vec<String> = data
        .members
        .iter()
        .take(3)
        .filter_map(|m| {
            m.get("UniqueID")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    for _ in 0..rng.random_range(0..=2) {
        let span = (anchor - since).num_minutes().max(1);
        let date = since + Duration::minutes(rng.random_range(0..span));
        let task = rng.random_bool(0.5);
        let complete = task && rng.random_bool(0.5);
        let fields = json!({
            "MemberUniqueId": member,
            "ActivityType": if task { plan.task_type } else { plan.note_type },
            "Subject": if task { *pick(rng, TASK_SUBJECTS) } else { *pick(rng, NOTE_SUBJECTS) },
            "Date": format_date(date),
            "Notes": rng.random_bool(0.5).then_some("Logged by the membership team."),
            "AssignedToMemberUniqueId": if task { staff.choose(rng).cloned() } else { None },
            "TaskComplete": complete,
            "TaskCompletedDate": complete.then(|| format_date(date + Duration::days(2))),
        });
        let id = guid(rng);
        data.insert_activity(id, filled(ACTIVITY_FIELDS, fields));
    }
}

fn seed_events(data: &mut NoviData, rng: &mut SmallRng, anchor: DateTime<Utc>) {
    let events = [
        (
            "Annual Conference 2026",
            45,
            "In Person",
            "Austin Convention Center",
        ),
        (
            "Chapter Networking Breakfast",
            10,
            "In Person",
            "Tidewater Cafe",
        ),
        ("Webinar: Dues and Renewals", -20, "Online", "Zoom"),
        ("Board Meeting", 3, "In Person", "Association Office"),
    ];
    for (name, days, location_type, location) in events {
        let start = anchor + Duration::days(days) + Duration::hours(15);
        let fields = json!({
            "Name": name,
            "Active": true,
            "Details": format!("<p>{name}</p>"),
            "Summary": name,
            "StartDate": format_date(start),
            "EndDate": format_date(start + Duration::hours(2)),
            "AllDayEvent": false,
            "TimeZone": "Central Standard Time",
            "LocationType": location_type,
            "LocationName": location,
            "City": (location_type == "In Person").then_some("Austin"),
            "State": (location_type == "In Person").then_some("TX"),
        });
        let mut event = filled(EVENT_FIELDS, fields);
        let id = guid(rng);
        event.insert("EventUniqueId".into(), json!(id));
        data.events.push(event);
    }
}

/// A seed object with every schema field present.
fn filled(schema: &[(&str, Kind)], values: Value) -> Map<String, Value> {
    let mut out = Map::new();
    let values = values.as_object().cloned().unwrap_or_default();
    for (name, kind) in schema {
        let value = values.get(*name).cloned().unwrap_or(Value::Null);
        let value = match (kind, value) {
            (Kind::Bool, Value::Null) => Value::Bool(false),
            (_, value) => value,
        };
        out.insert((*name).to_string(), value);
    }
    out
}

fn pick<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_typed_like_people_do() {
        assert_eq!(typed_phone("+15125550123"), "(512) 555-0123");
        assert_eq!(typed_phone("+447123456789"), "+44 7123 456789");
        assert_eq!(typed_phone("+33123"), "+33123");
    }
}
