//! GET /locations/{locationId}: the sub-account itself, handy to test a connection.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::errors::ApiError;
use super::shared::{lock, AppState};
use super::state::AccessGrant;

pub(crate) async fn get_one(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Path(location_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    grant.check_location(&location_id)?;
    let data = lock(&shared.data);
    let location = data
        .location(&location_id)
        .ok_or_else(|| ApiError::bad_request("Location not found"))?;
    Ok(Json(json!({
        "location": {
            "id": location.id,
            "companyId": data.company_id,
            "name": location.name,
            "address": location.address,
            "timezone": location.timezone,
        }
    })))
}
