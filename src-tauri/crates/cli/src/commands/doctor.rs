//! `bridge doctor`: proves each connection's capabilities with one cheap request each, and says
//! in one sentence what to fix where a check fails.

use std::sync::Arc;

use bridge_core::{BridgeError, Clock, ErrorCode, SystemClock};
use bridge_sync::service;
use bridge_sync::service::Store;

use crate::commands::connect::token_store;
use crate::output::{line, print_json};
use crate::Context;

pub async fn run(
    context: &Context,
    connection: Option<String>,
    fix: bool,
    json: bool,
) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let reports = service::doctor(
        &store,
        token_store(context),
        clock,
        connection.as_deref(),
        fix,
    )
    .await?;
    if json {
        print_json(&reports)?;
    } else {
        for report in &reports {
            line(&format!(
                "{} ({})",
                report.connection,
                report.system.display_name()
            ))?;
            for check in &report.checks {
                let verdict = if check.ok { "OK  " } else { "FAIL" };
                line(&format!(
                    "  {verdict} {}: {}",
                    check.capability, check.message
                ))?;
            }
        }
        if reports.is_empty() {
            line("no connections: add one with `bridge connect …`")?;
        }
    }
    let failed = reports.iter().filter(|r| !r.healthy()).count();
    if failed > 0 {
        return Err(BridgeError::new(
            ErrorCode::InvalidInput,
            format!("{failed} connection(s) failed a check: see above"),
        ));
    }
    Ok(())
}
