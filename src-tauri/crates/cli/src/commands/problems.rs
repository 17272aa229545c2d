//! `bridge problems`: values that cannot be synced, each with its record (name, email, ids),
//! field, value and reason. That field of that record waits until the value is fixed.

use bridge_core::BridgeError;
use bridge_sync::service;
use bridge_sync::service::Store;

use crate::output::{line, print_json};
use crate::Context;

pub fn list(context: &Context, json: bool) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let problems = service::problems(&store)?;
    if json {
        return print_json(&problems);
    }
    if problems.is_empty() {
        return line("No problems: every value syncs.");
    }
    for view in problems {
        let p = &view.problem;
        if view.of == "engagement" {
            line(&format!(
                "{}  {}: {}{}: field {} = {} — {}; the follow-up rule skipped this row",
                p.id,
                view.pair_name,
                p.name,
                p.email
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default(),
                p.field,
                p.value,
                p.reason
            ))?;
            continue;
        }
        let person = match (&p.name, &p.email) {
            (name, Some(email)) if !name.is_empty() => format!("{name} <{email}>"),
            (_, Some(email)) => email.clone(),
            (name, None) if !name.is_empty() => name.clone(),
            _ => "(no name or email)".into(),
        };
        line(&format!(
            "{}  {}: {person} (GHL {}, app {}): {} field {} = {} — {}; this field waits until it is fixed",
            p.id,
            view.pair_name,
            p.ghl_contact_id.as_deref().unwrap_or("-"),
            p.app_record_id.as_deref().unwrap_or("-"),
            if p.side == "ghl" { "GHL" } else { "the app's" },
            p.field,
            p.value,
            p.reason
        ))?;
    }
    Ok(())
}
