//! `bridge info`.

use bridge_core::BridgeError;
use bridge_sync::service::{self, Store};

use crate::output::print_json;
use crate::Context;

pub fn run(context: &Context, json: bool) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let info = service::app_info(&store, &context.log_dir)?;
    if json {
        return print_json(&info);
    }
    crate::output::line(&format!("Contact Bridge {}", info.version))?;
    crate::output::line(&format!("database:       {}", info.database_path))?;
    crate::output::line(&format!("schema version: {}", info.schema_version))?;
    crate::output::line(&format!("logs:           {}", info.log_directory))?;
    Ok(())
}
