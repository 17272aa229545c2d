//! `bridge contacts` and `bridge timeline`.

use bridge_core::BridgeError;
use bridge_sync::service::{self, Store};

use crate::Context;

/// Rows read per query, so a 100,000-contact location streams in constant memory.
const PAGE: u32 = 1_000;

pub fn list(context: &Context, json: bool) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let mut first = true;
    if json {
        crate::output::write("[")?;
    }
    for connection in service::ghl_connections(&store)? {
        let mut offset = 0;
        loop {
            let rows = service::contacts_page(&store, &connection.id, offset, PAGE)?;
            for row in &rows {
                if json {
                    let text = serde_json::to_string(row)
                        .map_err(|e| BridgeError::internal(e.to_string()))?;
                    crate::output::write(&format!("{}{text}", if first { "" } else { "," }))?;
                } else {
                    let c = &row.contact;
                    let name = [c.first_name.as_deref(), c.last_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    crate::output::line(&format!(
                        "{}  {:<28} {:<32} {}",
                        row.id,
                        name,
                        c.email.as_deref().unwrap_or("-"),
                        c.phone.as_deref().unwrap_or("-")
                    ))?;
                }
                first = false;
            }
            if rows.len() < PAGE as usize {
                break;
            }
            offset += PAGE;
        }
    }
    if json {
        crate::output::line("]")?;
    }
    Ok(())
}

pub fn timeline(context: &Context, contact_id: &str, json: bool) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let local_id = service::find_contact(&store, contact_id)?;
    let events = service::contact_events(&store, &local_id)?;
    if json {
        return crate::output::print_json(&events);
    }
    for event in events {
        crate::output::line(&format!(
            "{}  {:<5} {:<12} {}",
            event.occurred_at, event.system, event.kind, event.title
        ))?;
        if let (Some(before), Some(after)) = (&event.before_value, &event.after_value) {
            if event.kind == "field" {
                crate::output::line(&format!("{:>38} {before} → {after}", ""))?;
            }
        }
    }
    Ok(())
}
