//! Deterministic seed data: the same seed always yields the same company, locations, custom
//! fields, contacts and their tasks, notes and appointments. Contacts come from a lazy iterator
//! so 100,000 of them can be loaded without a second copy in memory.
//!
//! Seeds reproduce within one build of the fake (the generator is rand's fast `SmallRng`,
//! whose algorithm may change between rand releases).
//!
//! Times are spread over the year before `anchor` (the fake uses the start of the current UTC
//! day), so every write made while the fake runs is newer than any seeded record.

use chrono::{DateTime, Duration, Timelike, Utc};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::ghl::ids::ghl_id;

mod words;

use words::{
    BUSINESSES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, NOTE_BODIES, REFERRAL_SOURCES, SOURCES,
    STREETS, TASK_TITLES, UK_PLACES, US_AREA_CODES, US_PLACES,
};
pub use words::{MEMBERSHIP_LEVELS, TAGS};

/// The data types GHL uses in `GET /locations/{id}/customFields` (`dataType`).
pub mod data_type {
    pub const TEXT: &str = "TEXT";
    pub const NUMERICAL: &str = "NUMERICAL";
    pub const DATE: &str = "DATE";
    pub const SINGLE_OPTIONS: &str = "SINGLE_OPTIONS";
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedWorld {
    pub company_id: String,
    pub company_name: &'static str,
    /// The marketplace app registered on the fake; `client_id` is `<app_id>-<suffix>` as in GHL.
    pub app_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub users: Vec<String>,
    pub locations: Vec<SeedLocation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedLocation {
    pub id: String,
    pub name: &'static str,
    pub address: &'static str,
    pub timezone: &'static str,
    /// A sub-account Private Integration Token with every scope the fake knows.
    pub private_token: String,
    pub custom_fields: Vec<SeedField>,
    pub calendars: Vec<SeedCalendar>,
    pub contact_count: usize,
    /// Seeds this location's contact generator.
    pub contact_seed: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedField {
    pub id: String,
    pub name: &'static str,
    /// `contact.<key>` as GHL reports it.
    pub field_key: &'static str,
    pub data_type: &'static str,
    pub options: &'static [&'static str],
    pub placeholder: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedCalendar {
    pub id: String,
    pub name: &'static str,
    pub slot_minutes: i64,
    pub team_member: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedContact {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub business_id: Option<String>,
    pub address1: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub timezone: String,
    pub source: String,
    pub assigned_to: Option<String>,
    pub dnd: bool,
    pub tags: Vec<String>,
    /// (index into the location's `custom_fields`, value as GHL reads it back)
    pub custom_values: Vec<(usize, Value)>,
    pub date_added: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
    pub tasks: Vec<SeedTask>,
    pub notes: Vec<SeedNote>,
    pub appointments: Vec<SeedAppointment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedTask {
    pub id: String,
    pub title: String,
    pub body: Option<String>,
    pub due_date: DateTime<Utc>,
    pub completed: bool,
    pub assigned_to: String,
    pub date_added: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedNote {
    pub id: String,
    pub body: String,
    pub user_id: String,
    pub date_added: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedAppointment {
    pub id: String,
    /// Index into the location's `calendars`.
    pub calendar: usize,
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: &'static str,
    pub date_added: DateTime<Utc>,
}

/// The company (agency), its app registration and two locations: the primary one with
/// `primary_contacts` contacts and a small second one (for cross-location checks).
pub fn world(seed: u64, primary_contacts: usize) -> SeedWorld {
    let mut rng = SmallRng::seed_from_u64(seed);
    let company_id = ghl_id(&mut rng);
    let app_id = random_hex(&mut rng, 24);
    let client_id = format!("{app_id}-{}", random_hex(&mut rng, 8));
    let client_secret = format!(
        "{}-{}-{}-{}-{}",
        random_hex(&mut rng, 8),
        random_hex(&mut rng, 4),
        random_hex(&mut rng, 4),
        random_hex(&mut rng, 4),
        random_hex(&mut rng, 12)
    );
    let users: Vec<String> = (0..4).map(|_| ghl_id(&mut rng)).collect();
    let mut location = |name, address, timezone, contact_count| {
        let id = ghl_id(&mut rng);
        let private_token = format!(
            "pit-{}-{}-{}-{}-{}",
            random_hex(&mut rng, 8),
            random_hex(&mut rng, 4),
            random_hex(&mut rng, 4),
            random_hex(&mut rng, 4),
            random_hex(&mut rng, 12)
        );
        let custom_fields = custom_fields(&mut rng);
        let calendars = vec![
            SeedCalendar {
                id: ghl_id(&mut rng),
                name: "Discovery Call",
                slot_minutes: 30,
                team_member: users[0].clone(),
            },
            SeedCalendar {
                id: ghl_id(&mut rng),
                name: "Follow-up Session",
                slot_minutes: 60,
                team_member: users[1].clone(),
            },
        ];
        SeedLocation {
            id,
            name,
            address,
            timezone,
            private_token,
            custom_fields,
            calendars,
            contact_count,
            contact_seed: rng.random(),
        }
    };
    let primary = location(
        "Northwind Wellness Studio",
        "120 Market St, Austin, TX 78701, USA",
        "America/Chicago",
        primary_contacts,
    );
    let second = location(
        "Harbor Fitness Club",
        "8 Quay Street, Bristol BS1 4DJ, UK",
        "Europe/London",
        primary_contacts.min(5),
    );
    SeedWorld {
        company_id,
        company_name: "Northwind Agency",
        app_id,
        client_id,
        client_secret,
        users,
        locations: vec![primary, second],
    }
}

fn custom_fields(rng: &mut SmallRng) -> Vec<SeedField> {
    let field = |rng: &mut SmallRng, name, key, data_type, options, placeholder| SeedField {
        id: ghl_id(rng),
        name,
        field_key: key,
        data_type,
        options,
        placeholder,
    };
    vec![
        field(
            rng,
            "Membership Level",
            "contact.membership_level",
            data_type::SINGLE_OPTIONS,
            MEMBERSHIP_LEVELS,
            "Pick a level",
        ),
        field(
            rng,
            "Lifetime Value",
            "contact.lifetime_value",
            data_type::NUMERICAL,
            &[],
            "0.00",
        ),
        field(
            rng,
            "Renewal Date",
            "contact.renewal_date",
            data_type::DATE,
            &[],
            "YYYY-MM-DD",
        ),
        field(
            rng,
            "Referral Source",
            "contact.referral_source",
            data_type::TEXT,
            &[],
            "How did they hear about us?",
        ),
    ]
}

fn random_hex(rng: &mut SmallRng, len: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..len)
        .map(|_| char::from(HEX[rng.random_range(0..HEX.len())]))
        .collect()
}

/// The location's contacts, generated one by one.
pub fn contacts<'a>(
    location: &'a SeedLocation,
    users: &'a [String],
    anchor: DateTime<Utc>,
) -> SeedContacts<'a> {
    SeedContacts {
        rng: SmallRng::seed_from_u64(location.contact_seed),
        location,
        users,
        anchor,
        next: 0,
    }
}

pub struct SeedContacts<'a> {
    rng: SmallRng,
    location: &'a SeedLocation,
    users: &'a [String],
    anchor: DateTime<Utc>,
    next: usize,
}

impl Iterator for SeedContacts<'_> {
    type Item = SeedContact;

    fn next(&mut self) -> Option<SeedContact> {
        if self.next >= self.location.contact_count {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(self.contact(index))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.location.contact_count.saturating_sub(self.next);
        (left, Some(left))
    }
}

impl SeedContacts<'_> {
    fn contact(&mut self, index: usize) -> SeedContact {
        let rng = &mut self.rng;
        let id = ghl_id(rng);
        let first = pick(rng, FIRST_NAMES);
        let last = pick(rng, LAST_NAMES);
        // The index makes every email unique; the pattern varies like real sign-ups do.
        let local = match rng.random_range(0..3) {
            0 => format!("{}.{}{index}", first.to_lowercase(), last.to_lowercase()),
            1 => format!(
                "{}{}{index}",
                &first[..1].to_lowercase(),
                last.to_lowercase()
            ),
            _ => format!("{}_{}{index}", first.to_lowercase(), last.to_lowercase()),
        };
        let email = format!("{local}@{}", pick(rng, EMAIL_DOMAINS));
        let uk = rng.random_bool(0.2);
        let phone = rng.random_bool(0.85).then(|| unique_phone(rng, index, uk));
        let place = if uk {
            pick(rng, UK_PLACES)
        } else {
            pick(rng, US_PLACES)
        };
        let has_address = rng.random_bool(0.7);
        let business = rng
            .random_bool(0.2)
            .then(|| rng.random_range(0..BUSINESSES.len()));
        let date_added = self.anchor - random_span(rng, Duration::days(365));
        let since_added = self.anchor - date_added;
        let date_updated = if rng.random_bool(0.3) {
            date_added
        } else {
            date_added + random_span(rng, since_added)
        };
        let tag_count = rng.random_range(0..=3);
        let tags: Vec<String> = TAGS
            .choose_multiple(rng, tag_count)
            .map(|t| t.to_string())
            .collect();
        let custom_values = self.custom_values();
        let users = self.users;
        let rng = &mut self.rng;
        let tasks = (0..rng.random_range(0..=3))
            .map(|_| {
                let added = date_added + random_span(rng, since_added);
                let due = added + Duration::days(rng.random_range(1..=21));
                SeedTask {
                    id: ghl_id(rng),
                    title: pick(rng, TASK_TITLES).to_string(),
                    body: rng
                        .random_bool(0.5)
                        .then(|| format!("Regarding {first} {last}.")),
                    due_date: due,
                    completed: due < self.anchor && rng.random_bool(0.6),
                    assigned_to: pick(rng, users).clone(),
                    date_added: added,
                }
            })
            .collect();
        let notes = (0..rng.random_range(0..=3))
            .map(|_| SeedNote {
                id: ghl_id(rng),
                body: pick(rng, NOTE_BODIES).to_string(),
                user_id: pick(rng, users).clone(),
                date_added: date_added + random_span(rng, since_added),
            })
            .collect();
        let calendars = &self.location.calendars;
        let appointments = (0..rng.random_range(0..=2))
            .map(|_| {
                let calendar = rng.random_range(0..calendars.len());
                let day = self.anchor + Duration::days(rng.random_range(-60..=60));
                let start = day
                    .with_hour(rng.random_range(9..17))
                    .and_then(|t| t.with_minute(if rng.random_bool(0.5) { 0 } else { 30 }))
                    .unwrap_or(day);
                let status = if start < self.anchor {
                    *pick(rng, &["showed", "showed", "noshow", "cancelled"])
                } else {
                    *pick(rng, &["confirmed", "confirmed", "new"])
                };
                SeedAppointment {
                    id: ghl_id(rng),
                    calendar,
                    title: format!("{} with {first} {last}", calendars[calendar].name),
                    start,
                    end: start + Duration::minutes(calendars[calendar].slot_minutes),
                    status,
                    date_added: date_added.min(start),
                }
            })
            .collect();
        SeedContact {
            id,
            first_name: first.to_string(),
            last_name: last.to_string(),
            email,
            phone,
            company_name: business.map(|b| BUSINESSES[b].to_string()),
            business_id: business.map(|b| business_id(self.location, b)),
            address1: has_address
                .then(|| format!("{} {}", rng.random_range(1..2000), pick(rng, STREETS))),
            city: has_address.then(|| place.city.to_string()),
            state: has_address.then(|| place.state.to_string()),
            postal_code: has_address.then(|| place.postal.to_string()),
            country: place.country.to_string(),
            timezone: place.timezone.to_string(),
            source: pick(rng, SOURCES).to_string(),
            assigned_to: rng.random_bool(0.5).then(|| pick(rng, users).clone()),
            dnd: rng.random_bool(0.05),
            tags,
            custom_values,
            date_added,
            date_updated,
            tasks,
            notes,
            appointments,
        }
    }

    fn custom_values(&mut self) -> Vec<(usize, Value)> {
        let rng = &mut self.rng;
        let anchor = self.anchor;
        let mut values = Vec::new();
        for (i, field) in self.location.custom_fields.iter().enumerate() {
            if !rng.random_bool(0.6) {
                continue;
            }
            let value = match field.data_type {
                data_type::SINGLE_OPTIONS => json!(pick(rng, field.options)),
                data_type::NUMERICAL => json!(rng.random_range(0..500_000) as f64 / 100.0),
                data_type::DATE => {
                    let day = anchor + Duration::days(rng.random_range(-30..=365));
                    json!(day.timestamp_millis() - day.timestamp_millis() % 86_400_000)
                }
                _ => json!(pick(rng, REFERRAL_SOURCES)),
            };
            values.push((i, value));
        }
        values
    }
}

/// Business ids are stable per (location, business) so contacts of one business share one.
fn business_id(location: &SeedLocation, business: usize) -> String {
    let mut rng = SmallRng::seed_from_u64(location.contact_seed ^ (business as u64 + 1));
    random_hex(&mut rng, 24)
}

fn pick<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn random_span(rng: &mut SmallRng, max: Duration) -> Duration {
    let ms = max.num_milliseconds();
    if ms <= 0 {
        return Duration::zero();
    }
    Duration::milliseconds(rng.random_range(0..=ms))
}

/// E.164 numbers, unique per index: the subscriber part is a bijection of the index
/// (multiplying by a number coprime with the range permutes it), the area code is random.
fn unique_phone(rng: &mut SmallRng, index: usize, uk: bool) -> String {
    let index = index as u64;
    if uk {
        let subscriber = (index.wrapping_mul(48_271)) % 1_000_000_000;
        format!("+447{subscriber:09}")
    } else {
        let n = (index.wrapping_mul(7_919_993)) % 8_000_000;
        let exchange = 200 + n / 10_000;
        let line = n % 10_000;
        format!("+1{}{exchange}{line:04}", pick(rng, US_AREA_CODES))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn anchor() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap()
    }

    #[test]
    fn same_seed_same_world_and_contacts() {
        let a = world(7, 50);
        let b = world(7, 50);
        assert_eq!(a, b);
        let ca: Vec<_> = contacts(&a.locations[0], &a.users, anchor()).collect();
        let cb: Vec<_> = contacts(&b.locations[0], &b.users, anchor()).collect();
        assert_eq!(ca.len(), 50);
        assert_eq!(ca, cb);
    }

    #[test]
    fn different_seed_different_data() {
        let a = world(7, 10);
        let b = world(8, 10);
        assert_ne!(a.locations[0].id, b.locations[0].id);
        let ca: Vec<_> = contacts(&a.locations[0], &a.users, anchor()).collect();
        let cb: Vec<_> = contacts(&b.locations[0], &b.users, anchor()).collect();
        assert_ne!(ca, cb);
    }

    #[test]
    fn contacts_are_realistic() {
        let w = world(3, 2_000);
        let all: Vec<_> = contacts(&w.locations[0], &w.users, anchor()).collect();
        let emails: HashSet<_> = all.iter().map(|c| c.email.clone()).collect();
        assert_eq!(emails.len(), all.len(), "emails must be unique");
        let phones: Vec<_> = all.iter().filter_map(|c| c.phone.clone()).collect();
        let unique_phones: HashSet<_> = phones.iter().collect();
        assert_eq!(unique_phones.len(), phones.len(), "phones must be unique");
        for c in &all {
            assert_eq!(c.email, c.email.to_lowercase());
            if let Some(phone) = &c.phone {
                assert!(
                    phone.starts_with("+1") || phone.starts_with("+44"),
                    "{phone}"
                );
                assert!(phone[1..].chars().all(|d| d.is_ascii_digit()), "{phone}");
                assert!((11..=13).contains(&phone.len()), "{phone}");
            }
            assert!(c.date_added <= c.date_updated && c.date_updated <= anchor());
            assert!(c.date_added >= anchor() - Duration::days(366));
            assert!(c.tags.len() <= 3 && c.tasks.len() <= 3 && c.notes.len() <= 3);
            assert!(c.appointments.len() <= 2);
        }
        assert!(all.iter().any(|c| c.business_id.is_some()));
        assert!(all.iter().any(|c| c.tasks.iter().any(|t| t.completed)));
        assert!(all.iter().any(|c| !c.custom_values.is_empty()));
        let with_vip = all
            .iter()
            .filter(|c| c.tags.iter().any(|t| t == "vip"))
            .count();
        assert!(with_vip > 0 && with_vip < all.len());
        let fields = &w.locations[0].custom_fields;
        assert!((3..=5).contains(&fields.len()));
        let types: HashSet<_> = fields.iter().map(|f| f.data_type).collect();
        for t in [
            data_type::TEXT,
            data_type::NUMERICAL,
            data_type::DATE,
            data_type::SINGLE_OPTIONS,
        ] {
            assert!(types.contains(t), "{t} missing");
        }
    }

    #[test]
    fn one_hundred_thousand_contacts_in_seconds() {
        let w = world(11, 100_000);
        let started = std::time::Instant::now();
        let mut count = 0;
        let mut last = String::new();
        for c in contacts(&w.locations[0], &w.users, anchor()) {
            count += 1;
            last = c.id;
        }
        let took = started.elapsed();
        assert_eq!(count, 100_000);
        assert_eq!(last.len(), 20);
        // Generous for an unoptimised test build on a shared machine.
        assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
    }
}
