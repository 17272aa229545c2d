//! The fake's data: one company (agency) with its locations, each holding contacts with their
//! tasks and notes, appointments, and the OAuth grants. One mutex guards it all (see `Shared`):
//! requests are short, and one lock makes every write atomic like a database transaction.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde_json::Value;

use super::ids::{ghl_id, random_string};
use crate::seed::{self, SeedContact, SeedLocation};

/// Record ids, shared between the record and the indexes that point at it.
pub(crate) type Id = Arc<str>;

/// The plain string properties a contact can carry, by their API names.
pub(crate) const STRING_FIELDS: &[&str] = &[
    "firstName",
    "lastName",
    "name",
    "email",
    "phone",
    "companyName",
    "businessId",
    "address1",
    "city",
    "state",
    "postalCode",
    "country",
    "website",
    "timezone",
    "source",
    "assignedTo",
    "gender",
    "type",
];

pub(crate) fn string_field(name: &str) -> Option<&'static str> {
    STRING_FIELDS.iter().find(|field| **field == name).copied()
}

#[derive(Debug, Clone)]
pub(crate) struct CustomFieldDef {
    pub id: Id,
    pub name: String,
    pub field_key: String,
    pub data_type: String,
    pub options: Vec<String>,
    pub placeholder: String,
}

impl CustomFieldDef {
    /// Writes may name a field by `key` with or without the `contact.` prefix.
    pub fn matches_key(&self, key: &str) -> bool {
        self.field_key == key || self.field_key.strip_prefix("contact.") == Some(key)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct CalendarDef {
    pub id: Arc<str>,
    pub name: String,
    pub slot_minutes: i64,
    pub team_member: Arc<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct ContactRec {
    pub id: Id,
    /// Plain string properties by API name (see `STRING_FIELDS`); absent = unset. A short
    /// list of shared strings: seeded values repeat a lot (country, source, names), so 100,000
    /// contacts share them instead of holding copies.
    pub fields: Vec<(&'static str, Arc<str>)>,
    pub dnd: bool,
    pub dnd_settings: Option<Value>,
    pub inbound_dnd_settings: Option<Value>,
    pub date_of_birth: Option<NaiveDate>,
    pub tags: Vec<String>,
    /// (custom field id, value as read back)
    pub custom: Vec<(Id, Value)>,
    pub date_added: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
    pub tasks: Vec<TaskRec>,
    pub notes: Vec<NoteRec>,
    pub appointment_ids: Vec<Id>,
}

impl ContactRec {
    pub fn new(id: Id, now: DateTime<Utc>) -> Self {
        Self {
            id,
            fields: vec![("type", Arc::from("lead"))],
            dnd: false,
            dnd_settings: None,
            inbound_dnd_settings: None,
            date_of_birth: None,
            tags: Vec::new(),
            custom: Vec::new(),
            date_added: now,
            date_updated: now,
            tasks: Vec::new(),
            notes: Vec::new(),
            appointment_ids: Vec::new(),
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, value)| &**value)
    }

    /// Sets (`Some`) or clears (`None`) a string property.
    pub fn set(&mut self, field: &'static str, value: Option<Arc<str>>) {
        match (
            self.fields.iter_mut().find(|(name, _)| *name == field),
            value,
        ) {
            (Some(slot), Some(value)) => slot.1 = value,
            (None, Some(value)) => self.fields.push((field, value)),
            (_, None) => self.fields.retain(|(name, _)| *name != field),
        }
    }

    /// The key duplicate detection uses: the email, trimmed and lowercased.
    pub fn email_key(&self) -> Option<String> {
        self.get("email").map(email_key)
    }

    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = ["firstName", "lastName"]
            .iter()
            .filter_map(|f| self.get(f))
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            self.get("name").map(str::to_string)
        } else {
            Some(parts.join(" "))
        }
    }
}

pub(crate) fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(Debug, Clone)]
pub(crate) struct TaskRec {
    pub id: String,
    pub title: Arc<str>,
    pub body: Option<String>,
    pub due_date: DateTime<Utc>,
    pub completed: bool,
    pub assigned_to: Option<Arc<str>>,
}

#[derive(Debug, Clone)]
pub(crate) struct NoteRec {
    pub id: String,
    pub body: Arc<str>,
    pub user_id: Option<Arc<str>>,
    pub title: Option<String>,
    pub color: Option<String>,
    pub pinned: Option<bool>,
    pub date_added: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct AppointmentRec {
    pub id: Id,
    pub calendar_id: Arc<str>,
    pub contact_id: Id,
    pub title: String,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub appointment_status: Arc<str>,
    pub assigned_user_id: Arc<str>,
    pub address: Option<String>,
    pub description: Option<String>,
    pub meeting_location_type: Option<String>,
    pub date_added: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
}

/// One sub-account with its records and the indexes search and duplicate checks need.
#[derive(Debug)]
pub(crate) struct Location {
    pub id: String,
    pub name: String,
    pub address: String,
    pub timezone: String,
    pub custom_fields: Vec<CustomFieldDef>,
    pub calendars: Vec<CalendarDef>,
    pub contacts: HashMap<Id, ContactRec>,
    /// (dateUpdated in epoch ms, id): the order incremental sync pages in.
    pub by_updated: BTreeSet<(i64, Id)>,
    pub by_added: BTreeSet<(i64, Id)>,
    by_email: HashMap<String, Id>,
    by_phone: HashMap<String, Id>,
    pub appointments: HashMap<Id, AppointmentRec>,
}

impl Location {
    fn new(seed: &SeedLocation) -> Self {
        Self {
            id: seed.id.clone(),
            name: seed.name.to_string(),
            address: seed.address.to_string(),
            timezone: seed.timezone.to_string(),
            custom_fields: seed
                .custom_fields
                .iter()
                .map(|f| CustomFieldDef {
                    id: Id::from(f.id.as_str()),
                    name: f.name.to_string(),
                    field_key: f.field_key.to_string(),
                    data_type: f.data_type.to_string(),
                    options: f.options.iter().map(|o| o.to_string()).collect(),
                    placeholder: f.placeholder.to_string(),
                })
                .collect(),
            calendars: seed
                .calendars
                .iter()
                .map(|c| CalendarDef {
                    id: Arc::from(c.id.as_str()),
                    name: c.name.to_string(),
                    slot_minutes: c.slot_minutes,
                    team_member: Arc::from(c.team_member.as_str()),
                })
                .collect(),
            contacts: HashMap::with_capacity(seed.contact_count),
            by_updated: BTreeSet::new(),
            by_added: BTreeSet::new(),
            by_email: HashMap::with_capacity(seed.contact_count),
            by_phone: HashMap::with_capacity(seed.contact_count),
            appointments: HashMap::new(),
        }
    }

    pub fn contact(&self, id: &str) -> Option<&ContactRec> {
        self.contacts.get(id)
    }

    pub fn insert_contact(&mut self, contact: ContactRec) {
        self.index(&contact);
        self.contacts.insert(contact.id.clone(), contact);
    }

    /// Applies `change` and stamps `dateUpdated`, keeping every index in step.
    pub fn update_contact<R>(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut ContactRec) -> R,
    ) -> Option<R> {
        let mut contact = self.contacts.remove(id)?;
        self.unindex(&contact);
        let result = change(&mut contact);
        contact.date_updated = now;
        self.insert_contact(contact);
        Some(result)
    }

    /// Deletes the contact with its tasks, notes and appointments.
    pub fn remove_contact(&mut self, id: &str) -> Option<ContactRec> {
        let contact = self.contacts.remove(id)?;
        self.unindex(&contact);
        for appointment in &contact.appointment_ids {
            self.appointments.remove(appointment);
        }
        Some(contact)
    }

    pub fn contact_by_email(&self, email: &str) -> Option<&ContactRec> {
        self.by_email
            .get(&email_key(email))
            .and_then(|id| self.contacts.get(id))
    }

    pub fn contact_by_phone(&self, phone: &str) -> Option<&ContactRec> {
        self.by_phone
            .get(phone)
            .and_then(|id| self.contacts.get(id))
    }

    pub fn custom_field_by_id(&self, id: &str) -> Option<&CustomFieldDef> {
        self.custom_fields.iter().find(|f| &*f.id == id)
    }

    pub fn custom_field_by_key(&self, key: &str) -> Option<&CustomFieldDef> {
        self.custom_fields.iter().find(|f| f.matches_key(key))
    }

    pub fn calendar(&self, id: &str) -> Option<&CalendarDef> {
        self.calendars.iter().find(|c| &*c.id == id)
    }

    fn index(&mut self, contact: &ContactRec) {
        let id = contact.id.clone();
        self.by_updated
            .insert((contact.date_updated.timestamp_millis(), id.clone()));
        self.by_added
            .insert((contact.date_added.timestamp_millis(), id.clone()));
        if let Some(email) = contact.email_key() {
            self.by_email.insert(email, id.clone());
        }
        if let Some(phone) = contact.get("phone") {
            self.by_phone.insert(phone.to_string(), id);
        }
    }

    fn unindex(&mut self, contact: &ContactRec) {
        let id = contact.id.clone();
        self.by_updated
            .remove(&(contact.date_updated.timestamp_millis(), id.clone()));
        self.by_added
            .remove(&(contact.date_added.timestamp_millis(), id.clone()));
        if let Some(email) = contact.email_key() {
            if self.by_email.get(&email) == Some(&id) {
                self.by_email.remove(&email);
            }
        }
        if let Some(phone) = contact.get("phone") {
            if self.by_phone.get(phone) == Some(&id) {
                self.by_phone.remove(phone);
            }
        }
    }

    fn load_seed_contact(&mut self, seeded: SeedContact, shared: &mut Interner) {
        let id = Id::from(seeded.id.as_str());
        let mut contact = ContactRec::new(id.clone(), seeded.date_added);
        contact.date_updated = seeded.date_updated;
        let unique = |value: Option<String>| value.map(|v| Arc::from(v.as_str()));
        contact.set("firstName", Some(shared.get(seeded.first_name)));
        contact.set("lastName", Some(shared.get(seeded.last_name)));
        contact.set("email", unique(Some(seeded.email)));
        contact.set("phone", unique(seeded.phone));
        contact.set("companyName", seeded.company_name.map(|v| shared.get(v)));
        contact.set("businessId", seeded.business_id.map(|v| shared.get(v)));
        contact.set("address1", unique(seeded.address1));
        contact.set("city", seeded.city.map(|v| shared.get(v)));
        contact.set("state", seeded.state.map(|v| shared.get(v)));
        contact.set("postalCode", seeded.postal_code.map(|v| shared.get(v)));
        contact.set("country", Some(shared.get(seeded.country)));
        contact.set("timezone", Some(shared.get(seeded.timezone)));
        contact.set("source", Some(shared.get(seeded.source)));
        contact.set("assignedTo", seeded.assigned_to.map(|v| shared.get(v)));
        contact.fields.shrink_to_fit();
        contact.dnd = seeded.dnd;
        contact.tags = seeded.tags;
        contact.custom = seeded
            .custom_values
            .into_iter()
            .filter_map(|(index, value)| {
                self.custom_fields
                    .get(index)
                    .map(|field| (field.id.clone(), value))
            })
            .collect();
        contact.tasks = seeded
            .tasks
            .into_iter()
            .map(|t| TaskRec {
                id: t.id,
                title: shared.get(t.title),
                body: t.body,
                due_date: t.due_date,
                completed: t.completed,
                assigned_to: Some(shared.get(t.assigned_to)),
            })
            .collect();
        contact.notes = seeded
            .notes
            .into_iter()
            .map(|n| NoteRec {
                id: n.id,
                body: shared.get(n.body),
                user_id: Some(shared.get(n.user_id)),
                title: None,
                color: None,
                pinned: None,
                date_added: n.date_added,
            })
            .collect();
        let utc = Utc.fix();
        for a in seeded.appointments {
            let Some(calendar) = self.calendars.get(a.calendar) else {
                continue;
            };
            let appointment_id = Id::from(a.id.as_str());
            contact.appointment_ids.push(appointment_id.clone());
            self.appointments.insert(
                appointment_id.clone(),
                AppointmentRec {
                    id: appointment_id,
                    calendar_id: calendar.id.clone(),
                    contact_id: id.clone(),
                    title: a.title,
                    start: a.start.with_timezone(&utc),
                    end: a.end.with_timezone(&utc),
                    appointment_status: shared.get(a.status.to_string()),
                    assigned_user_id: calendar.team_member.clone(),
                    address: None,
                    description: None,
                    meeting_location_type: None,
                    date_added: a.date_added,
                    date_updated: a.date_added,
                },
            );
        }
        self.insert_contact(contact);
    }
}

/// Hands out one shared copy per distinct seeded value.
#[derive(Default)]
struct Interner(HashMap<String, Arc<str>>);

impl Interner {
    fn get(&mut self, value: String) -> Arc<str> {
        if let Some(shared) = self.0.get(&value) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(value.as_str());
        self.0.insert(value, shared.clone());
        shared
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserType {
    Location,
    Company,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Location => "Location",
            UserType::Company => "Company",
        }
    }
}

/// What a bearer token stands for.
#[derive(Debug, Clone)]
pub(crate) struct AccessGrant {
    pub user_type: UserType,
    pub location_id: Option<String>,
    pub company_id: String,
    pub user_id: String,
    /// `None`: a Private Integration Token holding every scope.
    pub scopes: Option<BTreeSet<String>>,
    /// The rate limit is per app per location (or company, for agency tokens).
    pub rate_key: String,
    pub expires_at: Option<Instant>,
}

impl AccessGrant {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.as_ref().is_none_or(|s| s.contains(scope))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub user_type: UserType,
    pub location_id: Option<String>,
    pub company_id: String,
    pub user_id: String,
    pub scopes: BTreeSet<String>,
    /// Refresh tokens are single use: once spent they answer `invalid_grant`.
    pub spent: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub location_id: String,
    pub company_id: String,
    pub user_id: String,
    pub scopes: BTreeSet<String>,
    pub expires_at: Instant,
    pub used: bool,
}

#[derive(Debug)]
pub(crate) struct Data {
    pub company_id: String,
    pub company_name: String,
    pub app_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub users: Vec<String>,
    /// `locations[0]` is the primary, fully seeded one.
    pub locations: Vec<Location>,
    pub tokens: HashMap<String, AccessGrant>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub codes: HashMap<String, CodeGrant>,
    /// Ids and secrets minted at run time: deterministic for a given seed and request order.
    pub rng: SmallRng,
}

impl Data {
    pub fn from_seed(seed_value: u64, primary_contacts: usize, anchor: DateTime<Utc>) -> Self {
        let world = seed::world(seed_value, primary_contacts);
        let mut locations = Vec::new();
        let mut tokens = HashMap::new();
        for seeded in &world.locations {
            let mut location = Location::new(seeded);
            let mut interner = Interner::default();
            for contact in seed::contacts(seeded, &world.users, anchor) {
                location.load_seed_contact(contact, &mut interner);
            }
            tokens.insert(
                seeded.private_token.clone(),
                AccessGrant {
                    user_type: UserType::Location,
                    location_id: Some(seeded.id.clone()),
                    company_id: world.company_id.clone(),
                    user_id: world.users[0].clone(),
                    scopes: None,
                    rate_key: format!("pit:{}", seeded.id),
                    expires_at: None,
                },
            );
            locations.push(location);
        }
        Self {
            company_id: world.company_id,
            company_name: world.company_name.to_string(),
            app_id: world.app_id,
            client_id: world.client_id,
            client_secret: world.client_secret,
            users: world.users,
            locations,
            tokens,
            refresh_tokens: HashMap::new(),
            codes: HashMap::new(),
            rng: SmallRng::seed_from_u64(seed_value ^ 0x0005_eed0_f1d5),
        }
    }

    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }

    pub fn location_mut(&mut self, id: &str) -> Option<&mut Location> {
        self.locations.iter_mut().find(|l| l.id == id)
    }

    /// The location holding a contact, whichever it is (to tell 403 from "not found").
    pub fn location_of_contact(&self, contact_id: &str) -> Option<&str> {
        self.locations
            .iter()
            .find(|l| l.contacts.contains_key(contact_id))
            .map(|l| l.id.as_str())
    }

    pub fn location_of_appointment(&self, event_id: &str) -> Option<&str> {
        self.locations
            .iter()
            .find(|l| l.appointments.contains_key(event_id))
            .map(|l| l.id.as_str())
    }

    pub fn new_id(&mut self) -> String {
        ghl_id(&mut self.rng)
    }

    pub fn new_secret(&mut self) -> String {
        random_string(&mut self.rng, 40)
    }
}
