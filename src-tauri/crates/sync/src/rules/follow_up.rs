//! The follow-up rule: what a contact did in the app (Connectif's activities export: an email
//! opened, a link in an email clicked, a custom event) becomes one GHL task "Follow up: …" on
//! the contact, due some days later. Each task is keyed by the activity (its id in the file,
//! or its type, time and event when the file has no id), so a re-plan, a second read of the
//! same export or a crash never makes a second one.

use bridge_connectors::connectif::ExportedActivity;
use bridge_core::hash::content_hash;
use bridge_core::BridgeError;
use bridge_store::table::{contacts, links, operations};
use bridge_store::Store;

use super::{source_id, Active, FollowUpConfig, RuleContext, RuleName};
use crate::children::{ChildAction, ChildKind, ChildOperation, ChildValues};
use crate::plan::Side;

/// Connectif's activity type of an email opened (support.connectif.ai article 360016806179).
pub const EMAIL_OPENED: &str = "email-opened";
/// … of a link in an email clicked.
pub const EMAIL_LINK_CLICKED: &str = "email-link-clicked";
/// … of a custom event collected.
pub const CUSTOM_EVENT: &str = "custom-event";

/// The activity types to export for `config` (the export filters by them).
pub fn activity_types(config: &FollowUpConfig) -> Vec<String> {
    let mut types = Vec::new();
    for kind in &config.kinds {
        types.push(
            match kind.as_str() {
                "open" => EMAIL_OPENED,
                _ => EMAIL_LINK_CLICKED,
            }
            .to_string(),
        );
    }
    if !config.custom_events.is_empty() {
        types.push(CUSTOM_EVENT.into());
    }
    types.sort();
    types.dedup();
    types
}

/// What the activity was, in the operator's words, when the rule's filter takes it.
fn passes(config: &FollowUpConfig, activity: &ExportedActivity) -> Option<String> {
    let wanted = |kind: &str| config.kinds.iter().any(|k| k == kind);
    match activity.kind.as_str() {
        EMAIL_OPENED if wanted("open") => Some("opened an email".into()),
        EMAIL_LINK_CLICKED if wanted("click") => Some("clicked a link in an email".into()),
        CUSTOM_EVENT => {
            let event = activity.custom_event.as_deref()?;
            config
                .custom_events
                .iter()
                .find(|name| name.eq_ignore_ascii_case(event))
                .map(|name| name.to_string())
        }
        _ => None,
    }
}

/// The follow-up tasks still owed for `activities`: one per activity the filter takes whose
/// contact the pair holds, each left out once its journal key exists.
pub fn plan_follow_ups(
    store: &Store,
    context: &RuleContext<'_>,
    rule: &Active<FollowUpConfig>,
    activities: &[ExportedActivity],
) -> Result<Vec<ChildOperation>, BridgeError> {
    let app = context.pair.system.display_name();
    let mut tasks = Vec::new();
    for activity in activities {
        let Some(what) = passes(&rule.config, activity) else {
            continue;
        };
        let Some(link) = links::find_remote(
            store.conn(),
            &context.pair.id,
            "contact",
            &activity.email.trim().to_lowercase(),
        )?
        else {
            // A contact the pair does not hold yet: nobody in GHL to follow up.
            continue;
        };
        let Some(contact) = contacts::get(store.conn(), &link.contact_id)? else {
            continue;
        };
        if contact.contact.contact_id.is_empty() || contact.deleted_at.is_some() {
            continue;
        }
        let key = match &activity.id {
            Some(id) => format!("activity:{id}"),
            None => format!(
                "activity@{}",
                content_hash(&(&activity.kind, activity.at, &activity.custom_event))
            ),
        };
        let at = activity.at.format("%Y-%m-%d %H:%M UTC");
        let op = ChildOperation {
            target: Side::Ghl,
            kind: ChildKind::Task,
            action: ChildAction::Create,
            contact_id: contact.id.clone(),
            parent: contact.contact.contact_id.clone(),
            remote_id: None,
            source_id: source_id(RuleName::FollowUp, &contact.id, &key),
            before: None,
            values: ChildValues {
                title: format!("Follow up: {what}"),
                body: format!("{app} recorded that this contact {what} on {at}."),
                due: Some(super::welcome::due_in(context.now, rule.config.due_in_days)),
                completed: false,
                end: None,
                status: None,
            },
            reason: format!("by rule: {}", RuleName::FollowUp.label()),
            base: None,
            settles: Vec::new(),
            delete_id: None,
            rule: Some(RuleName::FollowUp),
        };
        let intent =
            crate::children::child_intent(&context.pair.id, context.ghl_connection_id, &op).key();
        if operations::latest_by_intent(store.conn(), &intent)?.is_none()
            && !tasks
                .iter()
                .any(|t: &ChildOperation| t.source_id == op.source_id)
        {
            tasks.push(op);
        }
    }
    Ok(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn activity(kind: &str, event: Option<&str>) -> ExportedActivity {
        ExportedActivity {
            row: 2,
            id: None,
            kind: kind.into(),
            email: "ann@example.com".into(),
            at: chrono::Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
            custom_event: event.map(str::to_string),
        }
    }

    #[test]
    fn the_filter_takes_the_kinds_and_the_custom_events_named_and_nothing_else() {
        let config = FollowUpConfig {
            kinds: vec!["click".into()],
            custom_events: vec!["Webinar-Attended".into()],
            due_in_days: 1,
        };
        assert_eq!(
            activity_types(&config),
            vec![CUSTOM_EVENT.to_string(), EMAIL_LINK_CLICKED.to_string()]
        );
        assert_eq!(
            passes(&config, &activity(EMAIL_LINK_CLICKED, None)).as_deref(),
            Some("clicked a link in an email")
        );
        assert_eq!(passes(&config, &activity(EMAIL_OPENED, None)), None);
        assert_eq!(
            passes(&config, &activity(CUSTOM_EVENT, Some("webinar-attended"))).as_deref(),
            Some("Webinar-Attended")
        );
        assert_eq!(
            passes(&config, &activity(CUSTOM_EVENT, Some("ghl-task"))),
            None
        );
        assert_eq!(passes(&config, &activity(CUSTOM_EVENT, None)), None);
    }
}
