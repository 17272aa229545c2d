//! Each rule's settings: read from and checked into JSON in the rule's own terms, unknown
//! fields and placeholders refused by name.

use bridge_core::BridgeError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RuleName;

/// The placeholders a welcome note may hold.
pub const TEMPLATE_FIELDS: [&str; 4] = ["firstName", "lastName", "email", "app"];

/// A task every new contact starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StarterTask {
    pub title: String,
    /// Due this many days after the day the contact is greeted (at 12:00 UTC).
    #[serde(default)]
    pub due_in_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WelcomeConfig {
    #[serde(default)]
    pub starter_tasks: Vec<StarterTask>,
    /// The note's text; `{firstName}`, `{lastName}`, `{email}` and `{app}` are filled in.
    /// Empty: no note.
    #[serde(default)]
    pub note: String,
}

impl Default for WelcomeConfig {
    fn default() -> Self {
        Self {
            starter_tasks: vec![StarterTask {
                title: "Introductory call".into(),
                due_in_days: 2,
            }],
            note: "Welcome, {firstName}! Your record was added to {app}.".into(),
        }
    }
}

/// The summary rule has nothing to set: it lists every field the pair's mapping carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryConfig {}

/// The engagements the follow-up rule answers and when its tasks are due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FollowUpConfig {
    /// `open` (an email opened) and `click` (a link in an email clicked).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The custom events (their type's alias) that call for a follow-up.
    #[serde(default)]
    pub custom_events: Vec<String>,
    /// The task is due this many days after the sync that reads the engagement (12:00 UTC).
    #[serde(default = "one_day")]
    pub due_in_days: u32,
}

fn one_day() -> u32 {
    1
}

impl Default for FollowUpConfig {
    fn default() -> Self {
        Self {
            kinds: vec!["click".into()],
            custom_events: Vec::new(),
            due_in_days: one_day(),
        }
    }
}

/// The tag groups rule's table: each GHL tag and the name of its group in the app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagGroupsConfig {
    #[serde(default)]
    pub groups: std::collections::BTreeMap<String, String>,
}

fn check_tag_groups(config: &TagGroupsConfig) -> Result<(), BridgeError> {
    if config.groups.is_empty() {
        return Err(BridgeError::invalid_input(
            "the tag groups rule's table is empty: name each GHL tag and its group, e.g. \
             {\"groups\":{\"gold\":\"VIP Members\"}}",
        ));
    }
    let mut tags = std::collections::BTreeSet::new();
    let mut groups = std::collections::BTreeMap::new();
    for (tag, group) in &config.groups {
        if tag.trim().is_empty() || group.trim().is_empty() {
            return Err(BridgeError::invalid_input(format!(
                "the tag groups rule's table has an empty name (\"{tag}\" → \"{group}\")"
            )));
        }
        if !tags.insert(tag.trim().to_lowercase()) {
            return Err(BridgeError::invalid_input(format!(
                "the tag groups rule's table names the tag \"{tag}\" twice"
            )));
        }
        if let Some(other) = groups.insert(group.trim().to_lowercase(), tag) {
            return Err(BridgeError::invalid_input(format!(
                "the tags \"{other}\" and \"{tag}\" both go to the group \"{group}\": coming \
                 back, the group could not say which tag it is"
            )));
        }
    }
    Ok(())
}

/// The kinds of engagement the follow-up rule knows besides custom events.
pub const FOLLOW_UP_KINDS: [&str; 2] = ["open", "click"];

/// A rule's settings as stored (an empty object: the defaults).
pub(super) fn read<C: DeserializeOwned + Default>(
    name: RuleName,
    stored: &str,
) -> Result<C, BridgeError> {
    if stored.trim() == "{}" {
        return Ok(C::default());
    }
    serde_json::from_str(stored).map_err(|e| {
        BridgeError::invalid_input(format!("the {} rule's settings: {e}", name.label()))
    })
}

pub(super) fn defaults(name: RuleName) -> Value {
    match name {
        RuleName::Welcome => serde_json::to_value(WelcomeConfig::default()),
        RuleName::Summary => serde_json::to_value(SummaryConfig::default()),
        RuleName::FollowUp => serde_json::to_value(FollowUpConfig::default()),
        RuleName::TagGroups => serde_json::to_value(TagGroupsConfig::default()),
    }
    .unwrap_or(Value::Null)
}

/// Checks settings given by the operator and returns them as stored.
pub(super) fn check(name: RuleName, settings: &str) -> Result<String, BridgeError> {
    let value = match name {
        RuleName::Welcome => {
            let config: WelcomeConfig = read_given(name, settings)?;
            for (at, task) in config.starter_tasks.iter().enumerate() {
                if task.title.trim().is_empty() {
                    return Err(BridgeError::invalid_input(format!(
                        "the welcome rule's starter task {} has no title",
                        at + 1
                    )));
                }
            }
            unknown_placeholder(&config.note)?;
            serde_json::to_value(config)
        }
        RuleName::Summary => serde_json::to_value(read_given::<SummaryConfig>(name, settings)?),
        RuleName::FollowUp => {
            let config: FollowUpConfig = read_given(name, settings)?;
            check_follow_up(&config)?;
            serde_json::to_value(config)
        }
        RuleName::TagGroups => {
            let config: TagGroupsConfig = read_given(name, settings)?;
            check_tag_groups(&config)?;
            serde_json::to_value(config)
        }
    };
    value
        .map(|v| v.to_string())
        .map_err(|e| BridgeError::internal(format!("rule settings as JSON: {e}")))
}

fn check_follow_up(config: &FollowUpConfig) -> Result<(), BridgeError> {
    if let Some(kind) = config
        .kinds
        .iter()
        .find(|k| !FOLLOW_UP_KINDS.contains(&k.as_str()))
    {
        return Err(BridgeError::invalid_input(format!(
            "the follow-up rule's kind \"{kind}\" is unknown (kinds: open, click; name custom \
             events under customEvents)"
        )));
    }
    for event in &config.custom_events {
        if event.trim().is_empty() {
            return Err(BridgeError::invalid_input(
                "the follow-up rule names a custom event without a name",
            ));
        }
        // The events this app itself pushes for GHL's tasks, notes and appointments would
        // answer the rule's own tasks.
        if event.trim().to_lowercase().starts_with("ghl-") {
            return Err(BridgeError::invalid_input(format!(
                "the follow-up rule cannot answer the custom event \"{event}\": it is one Contact \
                 Bridge sends for GHL's own activity"
            )));
        }
    }
    if config.kinds.is_empty() && config.custom_events.is_empty() {
        return Err(BridgeError::invalid_input(
            "the follow-up rule needs at least one kind (open, click) or custom event",
        ));
    }
    Ok(())
}

fn read_given<C: DeserializeOwned>(name: RuleName, settings: &str) -> Result<C, BridgeError> {
    serde_json::from_str(settings).map_err(|e| {
        BridgeError::invalid_input(format!("the {} rule's settings: {e}", name.label()))
    })
}

/// Refuses a `{placeholder}` the template cannot fill, naming it.
fn unknown_placeholder(template: &str) -> Result<(), BridgeError> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            break;
        };
        let name = &after[..close];
        if !TEMPLATE_FIELDS.contains(&name) {
            return Err(BridgeError::invalid_input(format!(
                "the welcome note has the placeholder {{{name}}}, which nothing fills (it may hold {})",
                TEMPLATE_FIELDS.map(|f| format!("{{{f}}}")).join(", ")
            )));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// Fills a template's placeholders; an empty value leaves nothing in its place.
pub fn render_template(template: &str, fill: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = template.to_string();
    for field in TEMPLATE_FIELDS {
        let placeholder = format!("{{{field}}}");
        if out.contains(&placeholder) {
            out = out.replace(&placeholder, &fill(field).unwrap_or_default());
        }
    }
    out.trim().to_string()
}
