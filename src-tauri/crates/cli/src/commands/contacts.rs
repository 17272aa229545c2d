//! `bridge contacts` and `bridge timeline`.

use bridge_core::{BridgeError, ErrorCode, System};
use bridge_store::table::{connections, contacts, timeline};
use bridge_store::Store;

use crate::Context;

/// Rows read per query, so a 100,000-contact location streams in constant memory.
const PAGE: u32 = 1_000;

pub fn list(context: &Context, json: bool) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let mut first = true;
    if json {
        crate::output::write("[")?;
    }
    for connection in connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system == System::Ghl)
    {
        let mut offset = 0;
        loop {
            let rows = contacts::page(store.conn(), &connection.id, offset, PAGE)?;
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
    let local_id = resolve_contact(&store, contact_id)?;
    let events = timeline::for_contact(store.conn(), &local_id)?;
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

/// Accepts our local id or a GHL contact id.
fn resolve_contact(store: &Store, id: &str) -> Result<String, BridgeError> {
    if contacts::get(store.conn(), id)?.is_some() {
        return Ok(id.to_string());
    }
    for connection in connections::list(store.conn())? {
        if let Some(row) = contacts::get_by_ghl_id(store.conn(), &connection.id, id)? {
            return Ok(row.id);
        }
    }
    Err(BridgeError::new(
        ErrorCode::NotFound,
        format!("no contact has the id {id} (local or GHL)"),
    ))
}
