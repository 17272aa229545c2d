//! Field mappings as data: the lines an operator draws between a GHL field and an app field,
//! each with a direction, an owner (who wins a conflict) and transforms from a closed set.
//! Mappings are validated on save with errors that name the line and the field, and travel as
//! JSON (import/export, the Mappings page).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{json, normalize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Contact,
    Task,
    Note,
    Appointment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Both,
    GhlToApp,
    AppToGhl,
}

/// Who wins when both sides changed the field since the last sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    Ghl,
    App,
    Newest,
    /// Neither side is written; the conflict waits in the review list.
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamePart {
    First,
    Last,
}

/// The closed set of transforms. Each is described as what it does to a value going from GHL
/// to the app; going back it is undone where that is possible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transform {
    Trim,
    Lower,
    Upper,
    /// The app holds a full name; this line's GHL field is its first or last part (one way: app → GHL).
    SplitName {
        part: NamePart,
    },
    /// GHL's `fullName` (first and last) ↔ one app field holding "First Last".
    JoinName,
    PhoneE164 {
        default_region: String,
    },
    /// Dates written by GHL as `ghl` (chrono format) and by the app as `app`.
    DateFormat {
        ghl: String,
        app: String,
    },
    /// GHL value → app value; reversed going back (must then be one-to-one).
    ValueMap {
        values: BTreeMap<String, String>,
    },
    /// Written when the source is empty (one way: it cannot be undone).
    DefaultValue {
        value: String,
    },
    /// GHL tags go to the app prefixed; coming back, only prefixed tags count, unprefixed.
    TagPrefix {
        prefix: String,
    },
    /// GHL's do-not-disturb of one channel (`dndSettings.<Channel>` status `active`,
    /// `inactive` or `permanent`, or the contact's `dnd` flag) ↔ a subscription status
    /// `subscribed`, `unsubscribed` or `none` (Connectif's `_newsletterSubscriptionStatus` and
    /// `_smsSubscriptionStatus`). Do-not-disturb on (active or permanent) is unsubscribed, off is
    /// subscribed; coming back, `none` ("not specified yet") sets nothing in GHL.
    DndSubscription,
    /// GHL tag → the app's group of that name (the `tag_groups` rule's table, put on the tags
    /// line for a sync, never stored in a mapping): each tag in the table goes by its group's
    /// name and comes back by its tag's, compared without case; the others travel as they are.
    TagGroups {
        groups: BTreeMap<String, String>,
    },
}

impl Transform {
    fn name(&self) -> &'static str {
        match self {
            Transform::Trim => "trim",
            Transform::Lower => "lower",
            Transform::Upper => "upper",
            Transform::SplitName { .. } => "split_name",
            Transform::JoinName => "join_name",
            Transform::PhoneE164 { .. } => "phone_e164",
            Transform::DateFormat { .. } => "date_format",
            Transform::ValueMap { .. } => "value_map",
            Transform::DefaultValue { .. } => "default_value",
            Transform::TagPrefix { .. } => "tag_prefix",
            Transform::DndSubscription => "dnd_subscription",
            Transform::TagGroups { .. } => "tag_groups",
        }
    }

    /// The directions a transform can carry a value in.
    fn allows(&self, direction: Direction) -> bool {
        match self {
            Transform::SplitName { .. } => direction == Direction::AppToGhl,
            Transform::DefaultValue { .. } => direction != Direction::Both,
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMapping {
    /// A GHL field: `email`, `firstName`, `lastName`, `fullName`, `phone`, `tags`, `businessId`,
    /// `customFields.<key>`; for tasks `title`, `body`, `dueDate`, `completed`, …
    pub ghl: String,
    /// The app's field, by the name its API uses.
    pub app: String,
    pub direction: Direction,
    pub owner: Owner,
    #[serde(default)]
    pub transforms: Vec<Transform>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub object: ObjectKind,
    pub fields: Vec<FieldMapping>,
}

/// One problem with one line, for the inline explanation in the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingProblem {
    /// The line's position (0-based) in `fields`.
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// Which way a value is travelling when a transform is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    GhlToApp,
    AppToGhl,
}

impl Mapping {
    pub fn from_json(text: &str) -> Result<Mapping, crate::BridgeError> {
        serde_json::from_str(text)
            .map_err(|e| crate::BridgeError::invalid_input(format!("mapping JSON: {e}")))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Every problem of the mapping against the fields each side really has.
    pub fn validate(
        &self,
        ghl_fields: &BTreeSet<String>,
        app_fields: &BTreeSet<String>,
    ) -> Vec<MappingProblem> {
        let mut problems = Vec::new();
        let mut app_writers: BTreeMap<&str, usize> = BTreeMap::new();
        let mut ghl_writers: BTreeMap<&str, usize> = BTreeMap::new();
        for (line, field) in self.fields.iter().enumerate() {
            let label = format!("{} → {}", field.ghl, field.app);
            let mut problem = |field_name: &str, message: String| {
                problems.push(MappingProblem {
                    line,
                    field: field_name.to_string(),
                    message: format!("line {} ({label}): {message}", line + 1),
                })
            };
            if !ghl_fields.contains(&field.ghl) {
                problem(&field.ghl, format!("GHL has no field '{}'", field.ghl));
            }
            if !app_fields.contains(&field.app) {
                problem(&field.app, format!("the app has no field '{}'", field.app));
            }
            let one_way_owner = matches!(
                (field.direction, field.owner),
                (Direction::GhlToApp, Owner::App) | (Direction::AppToGhl, Owner::Ghl)
            );
            if one_way_owner {
                problem(
                    &field.app,
                    "a one-way line is owned by the side it comes from".into(),
                );
            }
            for transform in &field.transforms {
                if !transform.allows(field.direction) {
                    problem(
                        &field.app,
                        format!(
                            "the {} transform cannot be undone, so this line cannot go {}",
                            transform.name(),
                            match field.direction {
                                Direction::Both => "both ways",
                                Direction::GhlToApp => "from GHL to the app",
                                Direction::AppToGhl => "from the app to GHL",
                            }
                        ),
                    );
                }
                if let Err(message) = check_transform(transform, field.direction) {
                    problem(&field.app, message);
                }
            }
            if field.direction != Direction::AppToGhl {
                if let Some(other) = app_writers.insert(&field.app, line) {
                    problem(
                        &field.app,
                        format!("line {} writes '{}' in the app too", other + 1, field.app),
                    );
                }
            }
            if field.direction != Direction::GhlToApp {
                if let Some(other) = ghl_writers.insert(&field.ghl, line) {
                    problem(
                        &field.ghl,
                        format!("line {} writes '{}' in GHL too", other + 1, field.ghl),
                    );
                }
            }
        }
        problems
    }
}

fn check_transform(transform: &Transform, direction: Direction) -> Result<(), String> {
    match transform {
        Transform::PhoneE164 { default_region } => default_region
            .parse::<phonenumber::country::Id>()
            .map(|_| ())
            .map_err(|_| format!("'{default_region}' is not a country code (e.g. US, GB)")),
        Transform::DateFormat { ghl, app } => {
            for format in [ghl, app] {
                let sample = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
                    .and_then(|d| d.and_hms_opt(9, 30, 0))
                    .ok_or("internal date error")?;
                let text = sample.format(format).to_string();
                if parse_date(&text, format).is_none() {
                    return Err(format!("'{format}' is not a date format that reads back"));
                }
            }
            Ok(())
        }
        Transform::ValueMap { values } if direction != Direction::GhlToApp => {
            let distinct: BTreeSet<&String> = values.values().collect();
            if distinct.len() == values.len() {
                Ok(())
            } else {
                Err("two GHL values map to the same app value, so the way back is ambiguous".into())
            }
        }
        Transform::TagPrefix { prefix } if prefix.trim().is_empty() => {
            Err("the tag prefix is empty".into())
        }
        // The rule's table is put on the line for a sync only; a stored one would outlive it.
        Transform::TagGroups { .. } => Err(
            "tag groups are set by the tag groups rule (`bridge rules set PAIR tag_groups …`), not in a mapping"
                .into(),
        ),
        _ => Ok(()),
    }
}

fn parse_date(text: &str, format: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(text, format)
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, format)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// Applies a line's transforms to a value flowing `flow`. Going back, they apply in reverse
/// order, each undone. Errors name the value and the transform.
pub fn apply(transforms: &[Transform], value: &Value, flow: Flow) -> Result<Value, String> {
    let mut value = value.clone();
    let ordered: Vec<&Transform> = match flow {
        Flow::GhlToApp => transforms.iter().collect(),
        Flow::AppToGhl => transforms.iter().rev().collect(),
    };
    for transform in ordered {
        value = apply_one(transform, value, flow)?;
    }
    Ok(value)
}

fn apply_one(transform: &Transform, value: Value, flow: Flow) -> Result<Value, String> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    Ok(match (transform, flow) {
        (Transform::Trim, _) => map_text(value, |s| s.trim().to_string()),
        (Transform::Lower, _) => map_text(value, |s| s.to_lowercase()),
        (Transform::Upper, _) => map_text(value, |s| s.to_uppercase()),
        (Transform::SplitName { part }, Flow::AppToGhl) => match text(&value) {
            Some(full) => {
                let (first, last) = split_name(&full);
                Value::String(match part {
                    NamePart::First => first,
                    NamePart::Last => last,
                })
            }
            None => value,
        },
        (Transform::SplitName { .. }, Flow::GhlToApp) => value,
        (Transform::JoinName, Flow::GhlToApp) => match value {
            parts @ Value::Array(_) => Value::String(
                json::strings(&parts)
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            other => other,
        },
        (Transform::JoinName, Flow::AppToGhl) => match text(&value) {
            Some(full) => {
                let (first, last) = split_name(&full);
                Value::Array(vec![Value::String(first), Value::String(last)])
            }
            None => value,
        },
        (Transform::PhoneE164 { default_region }, _) => match text(&value) {
            Some(raw) => {
                match normalize::phone_e164(&raw, default_region).map_err(|e| e.message)? {
                    Some(phone) => Value::String(phone),
                    None => Value::Null,
                }
            }
            None => value,
        },
        (Transform::DateFormat { ghl, app }, _) => match text(&value) {
            Some(raw) => {
                let (from, to) = match flow {
                    Flow::GhlToApp => (ghl, app),
                    Flow::AppToGhl => (app, ghl),
                };
                let parsed = parse_date(&raw, from)
                    .ok_or_else(|| format!("'{raw}' does not match the date format '{from}'"))?;
                Value::String(parsed.format(to).to_string())
            }
            None => value,
        },
        (Transform::ValueMap { values }, Flow::GhlToApp) => match text(&value) {
            Some(raw) => values
                .get(&raw)
                .map(|v| Value::String(v.clone()))
                .unwrap_or(Value::String(raw)),
            None => value,
        },
        (Transform::ValueMap { values }, Flow::AppToGhl) => match text(&value) {
            Some(raw) => values
                .iter()
                .find(|(_, app)| **app == raw)
                .map(|(ghl, _)| Value::String(ghl.clone()))
                .unwrap_or(Value::String(raw)),
            None => value,
        },
        (Transform::DefaultValue { value: fallback }, _) => match &value {
            Value::Null => Value::String(fallback.clone()),
            Value::String(s) if s.trim().is_empty() => Value::String(fallback.clone()),
            _ => value,
        },
        (Transform::DndSubscription, Flow::GhlToApp) => match &value {
            Value::Null => Value::Null,
            Value::Bool(on) => Value::String(subscription(*on).into()),
            Value::String(status) => match status.trim().to_ascii_lowercase().as_str() {
                "active" | "permanent" => Value::String(subscription(true).into()),
                "inactive" => Value::String(subscription(false).into()),
                other => {
                    return Err(format!(
                        "'{other}' is not a GHL do-not-disturb status (active, inactive, permanent)"
                    ))
                }
            },
            other => return Err(format!("{other} is not a GHL do-not-disturb status")),
        },
        (Transform::DndSubscription, Flow::AppToGhl) => match &value {
            Value::Null => Value::Null,
            Value::String(status) => match status.trim().to_ascii_lowercase().as_str() {
                "unsubscribed" => Value::String("active".into()),
                "subscribed" => Value::String("inactive".into()),
                "none" | "" => Value::Null,
                other => {
                    return Err(format!(
                        "'{other}' is not a subscription status (subscribed, unsubscribed, none)"
                    ))
                }
            },
            other => return Err(format!("{other} is not a subscription status")),
        },
        (Transform::TagPrefix { prefix }, Flow::GhlToApp) => {
            map_tags(value, |tag| Some(format!("{prefix}{tag}")))
        }
        (Transform::TagPrefix { prefix }, Flow::AppToGhl) => map_tags(value, |tag| {
            tag.strip_prefix(prefix.as_str()).map(str::to_string)
        }),
        (Transform::TagGroups { groups }, Flow::GhlToApp) => {
            map_tags(value, |tag| Some(renamed(groups.iter(), tag)))
        }
        (Transform::TagGroups { groups }, Flow::AppToGhl) => map_tags(value, |group| {
            Some(renamed(
                groups.iter().map(|(tag, group)| (group, tag)),
                group,
            ))
        }),
    })
}

/// `name` renamed by the first pair of `table` whose left side it is (without case), else
/// as it is.
fn renamed<'a>(mut table: impl Iterator<Item = (&'a String, &'a String)>, name: &str) -> String {
    let wanted = name.trim().to_lowercase();
    table
        .find(|(from, _)| from.trim().to_lowercase() == wanted)
        .map_or_else(|| name.to_string(), |(_, to)| to.clone())
}

/// The subscription status of a channel whose do-not-disturb is `on`.
fn subscription(on: bool) -> &'static str {
    if on {
        "unsubscribed"
    } else {
        "subscribed"
    }
}

fn map_text(value: Value, f: fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| map_text(v, f)).collect()),
        other => other,
    }
}

fn map_tags(value: Value, f: impl Fn(&str) -> Option<String>) -> Value {
    match value {
        items @ Value::Array(_) => Value::Array(
            json::strings(&items)
                .filter_map(&f)
                .map(Value::String)
                .collect(),
        ),
        Value::String(tag) => f(&tag).map(Value::String).unwrap_or(Value::Null),
        other => other,
    }
}

/// "Ada King Lovelace" → ("Ada", "King Lovelace"): GHL's own first/last split.
fn split_name(full: &str) -> (String, String) {
    let full = full.trim();
    match full.split_once(char::is_whitespace) {
        Some((first, last)) => (first.to_string(), last.trim().to_string()),
        None => (full.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests;
