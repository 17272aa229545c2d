//! Turning what changed into timeline events: one function per kind of change, so every stage
//! (pull now, apply later) describes a change the same way.

use bridge_core::Contact;
use bridge_store::table::activities::Activity;
use bridge_store::table::timeline::TimelineEvent;

/// Events for the differences between two versions of a contact: one per changed field, one
/// per tag added or removed.
pub fn contact_changes(
    local_contact_id: &str,
    system: &str,
    occurred_at: &str,
    before: &Contact,
    after: &Contact,
) -> Vec<TimelineEvent> {
    let mut events = Vec::new();
    let field = |name: &str, b: &Option<String>, a: &Option<String>| {
        (b != a).then(|| TimelineEvent {
            contact_id: local_contact_id.into(),
            system: system.into(),
            kind: "field".into(),
            occurred_at: occurred_at.into(),
            title: format!("{name} changed"),
            body: String::new(),
            before_value: b.clone(),
            after_value: a.clone(),
            subject_ref: Some(name.into()),
            run_id: None,
        })
    };
    events.extend(field("email", &before.email, &after.email));
    events.extend(field("firstName", &before.first_name, &after.first_name));
    events.extend(field("lastName", &before.last_name, &after.last_name));
    events.extend(field("phone", &before.phone, &after.phone));
    events.extend(field("businessId", &before.business_id, &after.business_id));
    let keys: std::collections::BTreeSet<&String> = before
        .custom_fields
        .keys()
        .chain(after.custom_fields.keys())
        .collect();
    for key in keys {
        let b = before.custom_fields.get(key).map(|v| v.to_string());
        let a = after.custom_fields.get(key).map(|v| v.to_string());
        events.extend(field(key, &b, &a));
    }
    for (tags, verb, present) in [
        (after.tags.difference(&before.tags), "added", true),
        (before.tags.difference(&after.tags), "removed", false),
    ] {
        for tag in tags {
            events.push(TimelineEvent {
                contact_id: local_contact_id.into(),
                system: system.into(),
                kind: "tag".into(),
                occurred_at: occurred_at.into(),
                title: format!("Tag {verb}: {tag}"),
                body: String::new(),
                before_value: (!present).then(|| tag.clone()),
                after_value: present.then(|| tag.clone()),
                subject_ref: Some(tag.clone()),
                run_id: None,
            });
        }
    }
    events
}

/// Events for the fields of another app's record that differ between two pulls.
pub fn record_changes(
    local_contact_id: &str,
    system: &str,
    occurred_at: &str,
    before: &serde_json::Map<String, serde_json::Value>,
    after: &serde_json::Map<String, serde_json::Value>,
) -> Vec<TimelineEvent> {
    let fields: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    fields
        .into_iter()
        .filter(|field| before.get(*field) != after.get(*field))
        .map(|field| TimelineEvent {
            contact_id: local_contact_id.into(),
            system: system.into(),
            kind: "field".into(),
            occurred_at: occurred_at.into(),
            title: format!("{field} changed"),
            body: String::new(),
            before_value: before.get(field).map(|v| v.to_string()),
            after_value: after.get(field).map(|v| v.to_string()),
            subject_ref: Some(field.clone()),
            run_id: None,
        })
        .collect()
}

/// How an activity changed, in words for the event title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityChange {
    Created,
    Updated,
    Completed,
    Deleted,
}

/// The event for a task, note or appointment that appeared, changed or went away.
pub fn activity_event(
    system: &str,
    occurred_at: &str,
    change: ActivityChange,
    before: Option<&Activity>,
    after: &Activity,
) -> TimelineEvent {
    let noun = match after.kind.as_str() {
        "task" => "Task",
        "note" => "Note",
        _ => "Appointment",
    };
    let verb = match change {
        ActivityChange::Created => "added",
        ActivityChange::Updated => "updated",
        ActivityChange::Completed => "completed",
        ActivityChange::Deleted => "deleted",
    };
    let summary = |a: &Activity| {
        serde_json::json!({
            "title": a.title,
            "body": a.body,
            "startsAt": a.starts_at,
            "endsAt": a.ends_at,
            "completed": a.completed,
            "status": a.status,
        })
        .to_string()
    };
    TimelineEvent {
        contact_id: after.contact_id.clone(),
        system: system.into(),
        kind: after.kind.clone(),
        occurred_at: occurred_at.into(),
        title: if after.title.is_empty() {
            format!("{noun} {verb}")
        } else {
            format!("{noun} {verb}: {}", after.title)
        },
        body: after.body.clone(),
        before_value: before.map(summary),
        after_value: (change != ActivityChange::Deleted).then(|| summary(after)),
        subject_ref: Some(after.remote_id.clone()),
        run_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_record_changes_become_one_event_per_changed_field() {
        let before = serde_json::json!({"FirstName": "Ada", "Email": "ada@example.com"});
        let after =
            serde_json::json!({"FirstName": "Augusta", "Email": "ada@example.com", "Phone": "+1"});
        let events = record_changes(
            "c1",
            "novi",
            "t",
            before.as_object().unwrap(),
            after.as_object().unwrap(),
        );
        let titles: Vec<_> = events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["FirstName changed", "Phone changed"]);
        assert_eq!(events[0].before_value.as_deref(), Some("\"Ada\""));
        assert_eq!(events[1].before_value, None);
    }

    #[test]
    fn field_and_tag_changes_become_events_with_before_and_after() {
        let before = Contact {
            contact_id: "g1".into(),
            first_name: Some("Ada".into()),
            tags: ["lead".to_string()].into(),
            ..Contact::default()
        };
        let mut after = before.clone();
        after.first_name = Some("Augusta".into());
        after.tags = ["customer".to_string()].into();
        let events = contact_changes("c1", "ghl", "2026-11-01T00:00:00.000Z", &before, &after);
        let titles: Vec<_> = events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "firstName changed",
                "Tag added: customer",
                "Tag removed: lead"
            ]
        );
        assert_eq!(events[0].before_value.as_deref(), Some("Ada"));
        assert_eq!(events[0].after_value.as_deref(), Some("Augusta"));
        assert!(contact_changes("c1", "ghl", "t", &before, &before).is_empty());
    }
}
