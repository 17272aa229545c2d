//! Desktop notifications: when the scheduled sync fails or a connection needs reconnecting,
//! once per change of state, and once when it recovers. Which notices a change brings is a pure
//! function of the state before and after ([`notices`]); showing them is the plugin's part.

use std::collections::BTreeSet;
use std::sync::Mutex;

use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

/// What the notifications watch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watched {
    /// The last scheduled sync's failure, in the app's words (`None`: it went through, or none
    /// ran yet).
    pub scheduled_failure: Option<String>,
    /// Connections (by name) that need the operator to sign in again.
    pub reconnect: BTreeSet<String>,
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

fn notice(title: &str, body: String) -> Notice {
    Notice {
        title: title.to_string(),
        body,
    }
}

/// The notices that going from `before` to `after` brings: one per state that changed, none
/// for a state that stays (a failing schedule failing again says nothing new).
pub fn notices(before: &Watched, after: &Watched) -> Vec<Notice> {
    let mut out = Vec::new();
    match (&before.scheduled_failure, &after.scheduled_failure) {
        (None, Some(why)) => out.push(notice(
            "Scheduled sync failed",
            format!("{why} Open Contact Bridge to see what to do."),
        )),
        (Some(_), None) => out.push(notice(
            "Scheduled sync works again",
            "The last scheduled sync went through.".to_string(),
        )),
        _ => {}
    }
    for name in after.reconnect.difference(&before.reconnect) {
        out.push(notice(
            "Reconnect needed",
            format!("{name} needs you to sign in again: its syncs are stopped until you reconnect it (Connections)."),
        ));
    }
    for name in before.reconnect.difference(&after.reconnect) {
        out.push(notice(
            "Connected again",
            format!("{name} is connected again and syncs as before."),
        ));
    }
    out
}

/// The state last seen, so each change is told once.
#[derive(Default)]
pub struct Notifier {
    seen: Mutex<Watched>,
}

impl Notifier {
    /// Records the state now (`scheduled`: the outcome of a scheduled sync that just ended,
    /// `None` when the sync was not a scheduled one) and shows what changed.
    pub fn observe(
        &self,
        app: &AppHandle,
        scheduled: Option<Option<String>>,
        reconnect: BTreeSet<String>,
    ) {
        let changes = {
            let Ok(mut seen) = self.seen.lock() else {
                return;
            };
            let after = Watched {
                scheduled_failure: scheduled.unwrap_or_else(|| seen.scheduled_failure.clone()),
                reconnect,
            };
            let changes = notices(&seen, &after);
            *seen = after;
            changes
        };
        for n in changes {
            // Logged too: a desktop without a notification service still has the log.
            tracing::info!(title = %n.title, "notification: {}", n.body);
            if let Err(e) = app
                .notification()
                .builder()
                .title(&n.title)
                .body(&n.body)
                .show()
            {
                tracing::warn!("the notification could not be shown: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(failure: Option<&str>, reconnect: &[&str]) -> Watched {
        Watched {
            scheduled_failure: failure.map(str::to_string),
            reconnect: reconnect.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn titles(before: &Watched, after: &Watched) -> Vec<String> {
        notices(before, after)
            .into_iter()
            .map(|n| n.title)
            .collect()
    }

    #[test]
    fn a_failing_schedule_is_told_once_and_its_recovery_once() {
        let healthy = state(None, &[]);
        let failing = state(Some("Novi AMS did not answer."), &[]);
        assert_eq!(titles(&healthy, &failing), ["Scheduled sync failed"]);
        assert!(notices(&failing, &state(Some("Another reason."), &[])).is_empty());
        assert_eq!(titles(&failing, &healthy), ["Scheduled sync works again"]);
        assert!(notices(&healthy, &healthy).is_empty());
        let body = &notices(&healthy, &failing)[0].body;
        assert!(body.contains("Novi AMS did not answer."), "{body}");
    }

    #[test]
    fn each_connection_needing_reconnect_is_told_once_and_when_it_is_back() {
        let none = state(None, &[]);
        let one = state(None, &["Sandbox GHL"]);
        let two = state(None, &["Sandbox GHL", "Members"]);
        assert_eq!(titles(&none, &one), ["Reconnect needed"]);
        assert!(notices(&one, &one).is_empty());
        let added = notices(&one, &two);
        assert_eq!(added.len(), 1);
        assert!(added[0].body.starts_with("Members "), "{}", added[0].body);
        let back = notices(&two, &state(None, &["Members"]));
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].title, "Connected again");
        assert!(back[0].body.starts_with("Sandbox GHL "));
    }

    #[test]
    fn a_schedule_and_a_connection_changing_together_give_one_notice_each() {
        let before = state(None, &[]);
        let after = state(Some("GHL refused the token."), &["Main location"]);
        assert_eq!(
            titles(&before, &after),
            ["Scheduled sync failed", "Reconnect needed"]
        );
    }
}
