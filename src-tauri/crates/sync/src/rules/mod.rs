//! The operator's switchable workflows, per pair, each off until switched on. A rule is a plan
//! input: it adds writes to the pair's plan (shown "by rule: welcome note" in the preview and
//! the breakdown) that go through the same journal as every other write, under keys made of
//! the rule, the contact and the record they answer, so a crash never makes one twice.
//!
//! - [`RuleName::Welcome`]: a GHL contact first seen after the rule was switched on gets the
//!   starter tasks and a welcome note in GHL; the children engine copies them to the app in
//!   the same sync (where the app holds tasks and notes). The contact itself reaches the app
//!   as every new GHL contact does.
//! - [`RuleName::Summary`]: each contact write the app's changes made in GHL gets one note on
//!   the GHL contact listing them ("Updated from Novi AMS: tags +member; Job title: …"). The
//!   note stays in GHL.
//! - [`RuleName::FollowUp`]: each engagement the app's API lists (Connectif's activities
//!   export: an email opened, a link clicked, a custom event) that passes the rule's filter
//!   gets one GHL task "Follow up: …", due some days later. Apps whose API lists no
//!   engagement per contact refuse it.
//! - [`RuleName::TagGroups`]: a table of GHL tags and the app's groups they are. For Ninox's
//!   multiple-choice options and Connectif's checkbox options it is put on the pair's tags
//!   line for the sync ([`with_tag_groups`]), so each tag added or removed in GHL adds or
//!   removes its group in the app, and back where the line goes both ways, as the
//!   per-element tag deltas every tag write is. Novi AMS committees ([`novi_groups`]) and
//!   Nifty labels are per-contact sets merged with GHL's tags after the children, both ways,
//!   through the same table.

mod config;
mod follow_up;
mod no_children;
mod novi_groups;
mod summary;
mod welcome;

use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::{links, pair_rules};
use bridge_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use config::{
    render_template, FollowUpConfig, StarterTask, SummaryConfig, TagGroupsConfig, WelcomeConfig,
    FOLLOW_UP_KINDS, TEMPLATE_FIELDS,
};
pub use follow_up::{activity_types, plan_follow_ups};
pub use no_children::NoChildren;
pub(crate) use novi_groups::CommitteeSync;
pub use summary::{plan_from_journal, plan_from_plan, summary_text};
pub use welcome::plan_welcome;

/// A rule an operator can switch on for a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    Welcome,
    Summary,
    TagGroups,
    FollowUp,
}

impl RuleName {
    pub const ALL: [RuleName; 4] = [
        RuleName::Welcome,
        RuleName::Summary,
        RuleName::TagGroups,
        RuleName::FollowUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Welcome => "welcome",
            Self::Summary => "summary",
            Self::TagGroups => "tag_groups",
            Self::FollowUp => "follow_up",
        }
    }

    /// How the plan names the writes it makes ("by rule: welcome note").
    pub fn label(self) -> &'static str {
        match self {
            Self::Welcome => "welcome note",
            Self::Summary => "summary note",
            Self::TagGroups => "tag groups",
            Self::FollowUp => "follow-up task",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Welcome => {
                "A new GHL contact gets starter tasks and a welcome note, in GHL and the app"
            }
            Self::Summary => {
                "A change made in the app to tags or mapped fields adds a note listing it on the GHL contact"
            }
            Self::FollowUp => {
                "An email opened, a link clicked or a custom event in the app adds a GHL task to follow the contact up"
            }
            Self::TagGroups => {
                "A tag added or removed in GHL adds or removes the app group the table names for it, and back"
            }
        }
    }

    /// Why an app cannot run this rule, if it cannot: the follow-up rule needs engagement
    /// records per contact, which only Connectif's API lists (its activities export).
    pub fn refused_for(self, system: System) -> Option<String> {
        if self == Self::TagGroups {
            return tag_groups_refused_for(system);
        }
        if self != Self::FollowUp || system == System::Connectif {
            return None;
        }
        let why = match system {
            System::NiftyImages => "NiftyImages has no per-contact read at all",
            System::Nifty => "Nifty's API lists tasks and comments, no contact engagement",
            System::Novi => "Novi AMS's API lists members, activities and events, no engagement such as opens or clicks",
            _ => "its API lists no engagement (opens, clicks, custom events) per contact",
        };
        Some(format!(
            "the follow-up rule needs the app's engagement records, and {why}; only Connectif's \
             activities export has them"
        ))
    }

    pub fn parse(name: &str) -> Result<Self, BridgeError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == name || r.label() == name)
            .ok_or_else(|| {
                BridgeError::invalid_input(format!(
                    "there is no rule \"{name}\" (rules: {})",
                    Self::ALL.map(Self::as_str).join(", ")
                ))
            })
    }

    /// Whether the records it makes stay where they were written (a summary of the app's
    /// changes is not copied back to that app).
    pub fn stays_in_ghl(self) -> bool {
        matches!(self, Self::Summary | Self::FollowUp)
    }
}

/// Why an app cannot run the tag groups rule, if it cannot.
fn tag_groups_refused_for(system: System) -> Option<String> {
    let why = match system {
        System::Ninox | System::Connectif | System::Ghl | System::Novi | System::Nifty => {
            return None
        }
        System::NiftyImages => "NiftyImages keeps no groups (its rows are written, never read)",
    };
    Some(format!(
        "the tag groups rule is refused for this app: {why}"
    ))
}

/// Whether the app's groups are a per-contact set merged with GHL's tags after the children
/// (Novi AMS committees, Nifty labels) rather than a field of the contact mapping.
pub fn groups_are_sets(system: System) -> bool {
    matches!(system, System::Novi | System::Nifty)
}

/// The tag groups rule's table (GHL tag → the app's group), when the rule is on.
pub fn tag_groups_table(
    store: &Store,
    pair: &ConnectionRow,
) -> Result<Option<std::collections::BTreeMap<String, String>>, BridgeError> {
    Ok(active(store, pair)?
        .tag_groups
        .map(|rule| rule.config.groups))
}

/// Puts the tag groups rule's table on the pair's tags line(s), when the rule is on: the
/// mapping a plan is made with (the stored one is left as it is), in a sync or a review's
/// resolution. A pair whose mapping has no tags line is told so; apps whose groups merge as
/// sets ([`groups_are_sets`]) keep their mapping.
pub fn with_tag_groups(
    store: &Store,
    pair: &ConnectionRow,
    mapping: &mut bridge_core::mapping::Mapping,
) -> Result<(), BridgeError> {
    if groups_are_sets(pair.system) {
        return Ok(());
    }
    let Some(table) = tag_groups_table(store, pair)? else {
        return Ok(());
    };
    if !put_table(mapping, &table) {
        return Err(BridgeError::invalid_input(format!(
            "the tag groups rule of \"{}\" needs a tags line in its mapping (GHL tags → the \
             app's group field)",
            pair.name
        )));
    }
    Ok(())
}

/// As [`with_tag_groups`], for a mapping being edited (the window's preview): one without a
/// tags line is shown as it is, since the table has no line to go on.
pub fn with_tag_groups_where_mapped(
    store: &Store,
    pair: &ConnectionRow,
    mapping: &mut bridge_core::mapping::Mapping,
) -> Result<(), BridgeError> {
    if groups_are_sets(pair.system) {
        return Ok(());
    }
    if let Some(table) = tag_groups_table(store, pair)? {
        put_table(mapping, &table);
    }
    Ok(())
}

/// Adds the table to every tags line; false when there is none.
fn put_table(
    mapping: &mut bridge_core::mapping::Mapping,
    table: &std::collections::BTreeMap<String, String>,
) -> bool {
    let mut put = false;
    for line in mapping.fields.iter_mut().filter(|line| line.ghl == "tags") {
        line.transforms
            .push(bridge_core::mapping::Transform::TagGroups {
                groups: table.clone(),
            });
        put = true;
    }
    put
}

/// One rule of a pair as the operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub name: RuleName,
    pub label: String,
    pub description: String,
    pub enabled: bool,
    /// When it was last switched on.
    pub enabled_at: Option<String>,
    /// Its settings (the defaults until set).
    pub config: Value,
}

/// The rules a pair's sync acts on: those switched on, with their settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairRules {
    pub welcome: Option<Active<WelcomeConfig>>,
    pub summary: Option<Active<SummaryConfig>>,
    pub follow_up: Option<Active<FollowUpConfig>>,
    pub tag_groups: Option<Active<TagGroupsConfig>>,
}

impl PairRules {
    pub fn any(&self) -> bool {
        self.welcome.is_some()
            || self.summary.is_some()
            || self.follow_up.is_some()
            || self.tag_groups.is_some()
    }
}

/// A rule switched on: since when, and its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Active<C> {
    pub since: String,
    pub config: C,
}

/// The rules switched on for a pair. A stored setting that no longer reads is an error naming
/// the pair and the rule (the operator sets it again).
pub fn active(store: &Store, pair: &ConnectionRow) -> Result<PairRules, BridgeError> {
    let mut rules = PairRules::default();
    for row in pair_rules::for_pair(store.conn(), &pair.id)? {
        let (Ok(name), true, Some(since)) =
            (RuleName::parse(&row.rule), row.enabled, row.enabled_at)
        else {
            continue;
        };
        let unreadable = |e: BridgeError| {
            BridgeError::invalid_input(format!(
                "the {} rule of \"{}\" has settings that do not read: {}",
                name.label(),
                pair.name,
                e.message
            ))
        };
        match name {
            RuleName::Welcome => {
                let config =
                    config::read::<WelcomeConfig>(name, &row.config).map_err(unreadable)?;
                rules.welcome = Some(Active { since, config });
            }
            RuleName::Summary => {
                let config =
                    config::read::<SummaryConfig>(name, &row.config).map_err(unreadable)?;
                rules.summary = Some(Active { since, config });
            }
            RuleName::FollowUp => {
                let config =
                    config::read::<FollowUpConfig>(name, &row.config).map_err(unreadable)?;
                rules.follow_up = Some(Active { since, config });
            }
            RuleName::TagGroups => {
                let config =
                    config::read::<TagGroupsConfig>(name, &row.config).map_err(unreadable)?;
                rules.tag_groups = Some(Active { since, config });
            }
        }
    }
    Ok(rules)
}

/// Every rule of a pair, on or off, with its settings.
pub fn list(store: &Store, pair: &ConnectionRow) -> Result<Vec<RuleView>, BridgeError> {
    let rows = pair_rules::for_pair(store.conn(), &pair.id)?;
    RuleName::ALL
        .into_iter()
        .map(|name| {
            let row = rows.iter().find(|r| r.rule == name.as_str());
            let config = match row {
                Some(row) if row.config != "{}" => serde_json::from_str(&row.config)
                    .map_err(|e| BridgeError::internal(format!("stored rule settings: {e}")))?,
                _ => config::defaults(name),
            };
            Ok(RuleView {
                name,
                label: name.label().into(),
                description: name.description().into(),
                enabled: row.is_some_and(|r| r.enabled),
                enabled_at: row.and_then(|r| r.enabled_at.clone()),
                config,
            })
        })
        .collect()
}

/// Switches a rule on or off. The welcome rule greets contacts first seen after it is
/// switched on, so it waits for the pair's first sync (else every contact of the location
/// would be new to it).
pub fn switch(
    store: &Store,
    pair: &ConnectionRow,
    name: RuleName,
    on: bool,
    clock: &dyn Clock,
) -> Result<RuleView, BridgeError> {
    if let (true, Some(why)) = (on, name.refused_for(pair.system)) {
        return Err(BridgeError::invalid_input(format!(
            "\"{}\" cannot run the {} rule: {why}",
            pair.name,
            name.label()
        )));
    }
    if on && name == RuleName::TagGroups {
        let stored = pair_rules::for_pair(store.conn(), &pair.id)?
            .into_iter()
            .find(|r| r.rule == name.as_str())
            .map(|r| r.config)
            .unwrap_or_else(|| "{}".into());
        let table: TagGroupsConfig = config::read(name, &stored)?;
        if table.groups.is_empty() {
            return Err(BridgeError::invalid_input(format!(
                "set the tag groups table of \"{}\" first (`bridge rules set \"{}\" tag_groups \
                 '{{\"groups\":{{\"gold\":\"VIP Members\"}}}}'`)",
                pair.name, pair.name
            )));
        }
    }
    if on
        && name == RuleName::Welcome
        && pair.system != System::Nifty
        && links::count_contacts(store.conn(), &pair.id)? == 0
    {
        return Err(BridgeError::new(
            ErrorCode::InvalidInput,
            format!(
                "sync \"{}\" once before switching on the welcome rule: it greets contacts first \
                 seen after it is switched on, and before a first sync every contact of the \
                 location would be new",
                pair.name
            ),
        ));
    }
    pair_rules::set_enabled(store.conn(), &pair.id, name.as_str(), on, clock.now())?;
    view(store, pair, name)
}

/// Replaces a rule's settings, checked first: an unknown field or placeholder is refused,
/// naming it.
pub fn configure(
    store: &Store,
    pair: &ConnectionRow,
    name: RuleName,
    settings: &str,
    clock: &dyn Clock,
) -> Result<RuleView, BridgeError> {
    let normalized = config::check(name, settings)?;
    pair_rules::set_config(
        store.conn(),
        &pair.id,
        name.as_str(),
        &normalized,
        clock.now(),
    )?;
    view(store, pair, name)
}

fn view(store: &Store, pair: &ConnectionRow, name: RuleName) -> Result<RuleView, BridgeError> {
    list(store, pair)?
        .into_iter()
        .find(|v| v.name == name)
        .ok_or_else(|| BridgeError::internal("a rule vanished from its own list"))
}

/// What a rule's planning knows of the pair.
pub struct RuleContext<'a> {
    /// The pair's app connection.
    pub pair: &'a ConnectionRow,
    pub ghl_connection_id: &'a str,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Whether a journal row is a rule's write (its source is a rule, not a record): the
/// children's and the events' recoveries leave these to [`crate::pair`]'s rules step.
pub(crate) fn is_rule_row(row: &bridge_store::table::operations::OperationRow) -> bool {
    row.op
        .intent
        .split('|')
        .nth(3)
        .is_some_and(|local| local.starts_with("rule:"))
}

/// What a rule's write is recognised by when a preview is compared with its apply: its source
/// id, except that a summary note is keyed by the journal id of the contact write it
/// summarizes, which a preview cannot know (it says "planned"): there the rule and the contact
/// name it, as one contact gets at most one summary note a sync.
pub fn preview_identity(source_id: &str) -> &str {
    let summary = format!("rule:{}:", RuleName::Summary.as_str());
    match source_id.strip_prefix(&summary) {
        Some(rest) => rest
            .rfind(':')
            .map_or(source_id, |at| &source_id[..summary.len() + at]),
        None => source_id,
    }
}

/// The source id a rule's write is journaled under: the rule, the contact and what it answers
/// (the same on every plan of the same write, so a crash never makes a second one).
pub(crate) fn source_id(rule: RuleName, contact_id: &str, what: &str) -> String {
    format!("rule:{}:{contact_id}:{what}", rule.as_str())
}

#[cfg(test)]
mod tests;
