//! How a Nifty task names its GHL contact. Nifty has no contacts, so the sync writes the
//! contact's email into the task's description as its last line, `Contact: <email>` (the form
//! the operators' existing follow-up tasks already use). A per-contact task that holds the
//! contact's GHL notes as comments says `Contact notes: <email>` instead, so it is never read
//! as a task of its own.

use bridge_core::normalize;

const CONTACT: &str = "Contact:";
const NOTES_HOLDER: &str = "Contact notes:";

/// What a Nifty task's description says about its contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// A task of the contact with this (normalized) email; `body` is the description without
    /// the marker line.
    Task { email: String, body: String },
    /// The task holding this contact's notes as comments.
    NotesHolder { email: String },
    /// No contact named (or an unreadable email).
    None,
}

/// Reads the marker: the last line starting `Contact notes:` or `Contact:`.
pub fn read(description: Option<&str>) -> Marker {
    let text = description.unwrap_or("");
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate().rev() {
        let line = line.trim();
        if let Some(rest) = strip_prefix_ignore_case(line, NOTES_HOLDER) {
            return match email_of(rest) {
                Some(email) => Marker::NotesHolder { email },
                None => Marker::None,
            };
        }
        if let Some(rest) = strip_prefix_ignore_case(line, CONTACT) {
            let Some(email) = email_of(rest) else {
                return Marker::None;
            };
            let body = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != index)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_string();
            return Marker::Task { email, body };
        }
    }
    Marker::None
}

/// A normalized email, or `None` for text that is not one.
fn email_of(text: &str) -> Option<String> {
    normalize::email(text).filter(|e| e.contains('@') && !e.contains(char::is_whitespace))
}

fn strip_prefix_ignore_case<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| line[prefix.len()..].trim())
}

/// The description of a task of `email`: its body, then the marker line.
pub fn task_description(body: &str, email: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        format!("{CONTACT} {email}")
    } else {
        format!("{body}\n{CONTACT} {email}")
    }
}

/// The description of the task holding `email`'s notes.
pub fn notes_holder_description(email: &str) -> String {
    format!(
        "GHL notes of this contact arrive here as comments (Contact Bridge).\n{NOTES_HOLDER} {email}"
    )
}

/// The name of the task holding the notes of `who`.
pub fn notes_holder_name(who: &str) -> String {
    format!("Notes — {who}")
}

/// A task name as GHL's title: operators name follow-ups "<title> — <contact's name>", so
/// that suffix is dropped when it names this contact.
pub fn title_of(name: &str, contact_name: Option<&str>) -> String {
    let name = name.trim();
    if let (Some(who), Some((title, suffix))) = (contact_name, name.rsplit_once(" — ")) {
        let who = who.trim();
        if !who.is_empty() && suffix.trim().eq_ignore_ascii_case(who) {
            return title.trim().to_string();
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seed_form_and_what_the_sync_writes() {
        assert_eq!(
            read(Some("Ask about the renewal\nContact: Ada@Example.com ")),
            Marker::Task {
                email: "ada@example.com".into(),
                body: "Ask about the renewal".into()
            }
        );
        let written = task_description("Line one\nLine two", "ada@example.com");
        assert_eq!(
            read(Some(&written)),
            Marker::Task {
                email: "ada@example.com".into(),
                body: "Line one\nLine two".into()
            }
        );
        assert_eq!(
            read(Some(&task_description("", "b@example.com"))),
            Marker::Task {
                email: "b@example.com".into(),
                body: String::new()
            }
        );
    }

    #[test]
    fn a_notes_holder_and_tasks_without_a_contact_are_told_apart() {
        assert_eq!(
            read(Some(&notes_holder_description("ada@example.com"))),
            Marker::NotesHolder {
                email: "ada@example.com".into()
            }
        );
        assert_eq!(read(Some("Plan the offsite")), Marker::None);
        assert_eq!(read(None), Marker::None);
        assert_eq!(read(Some("Contact: not an email")), Marker::None);
    }

    #[test]
    fn the_contact_name_suffix_is_dropped_only_when_it_names_the_contact() {
        assert_eq!(
            title_of("Call back — Ada Lovelace", Some("Ada Lovelace")),
            "Call back"
        );
        assert_eq!(
            title_of("Call back — urgent", Some("Ada Lovelace")),
            "Call back — urgent"
        );
        assert_eq!(title_of("Call back", None), "Call back");
    }
}
