//! Mappings page: both sides' fields (GHL custom fields by their names from the account, the
//! app's from its live schema), the mapping in use, inline problems, a preview, and save.

use std::collections::{BTreeMap, BTreeSet};

use bridge_core::mapping::Mapping;
use bridge_core::{BridgeError, ErrorCode, System};
use bridge_sync::pair::ghl_contact_fields;
use bridge_sync::service::{ConnectionRow, Store};
use bridge_sync::{preview, service};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::state::{with_own_store, AppState};

/// The IPC shape of `bridge_core::mapping::Mapping` (same JSON; converted through serde).
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MappingDto {
    /// contact, task, note or appointment.
    pub object: String,
    pub fields: Vec<MappingLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MappingLine {
    pub ghl: String,
    pub app: String,
    pub direction: Direction,
    pub owner: Owner,
    pub transforms: Vec<TransformDto>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Both,
    GhlToApp,
    AppToGhl,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    Ghl,
    App,
    Newest,
    Manual,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum NamePart {
    First,
    Last,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransformDto {
    Trim,
    Lower,
    Upper,
    SplitName { part: NamePart },
    JoinName,
    PhoneE164 { default_region: String },
    DateFormat { ghl: String, app: String },
    ValueMap { values: BTreeMap<String, String> },
    DefaultValue { value: String },
    TagPrefix { prefix: String },
}

fn to_core(dto: &MappingDto) -> Result<Mapping, BridgeError> {
    let value = serde_json::to_value(dto).map_err(|e| BridgeError::internal(e.to_string()))?;
    serde_json::from_value(value)
        .map_err(|e| BridgeError::invalid_input(format!("the mapping is malformed: {e}")))
}

fn to_dto(mapping: &Mapping) -> Result<MappingDto, BridgeError> {
    let value = serde_json::to_value(mapping).map_err(|e| BridgeError::internal(e.to_string()))?;
    serde_json::from_value(value).map_err(|e| BridgeError::internal(e.to_string()))
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldOption {
    /// What the mapping names, e.g. `customFields.contact.membership_level`.
    pub key: String,
    /// What the operator reads, e.g. the custom field's name in the account.
    pub label: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub line: u32,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppOption {
    pub id: String,
    pub name: String,
    pub system: System,
    pub system_name: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MappingEditor {
    pub app: AppOption,
    pub ghl_fields: Vec<FieldOption>,
    pub app_fields: Vec<String>,
    pub mapping: MappingDto,
    pub problems: Vec<Problem>,
}

fn app_option(row: &ConnectionRow) -> AppOption {
    AppOption {
        id: row.id.clone(),
        name: row.name.clone(),
        system: row.system,
        system_name: row.system.display_name().to_string(),
    }
}

fn app_connection(store: &Store, id: &str) -> Result<ConnectionRow, BridgeError> {
    Some(service::connection(store, id)?)
        .filter(|c| c.system != System::Ghl)
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!("no app connection has the id {id}"),
            )
        })
}

/// GHL's mappable fields, custom ones labelled with their names in the account.
fn ghl_field_options(store: &Store, ghl_id: &str) -> Result<Vec<FieldOption>, BridgeError> {
    let names: BTreeMap<String, String> = service::custom_fields(store, ghl_id)?
        .into_iter()
        .map(|f| (format!("customFields.{}", f.field_key), f.name))
        .collect();
    Ok(ghl_contact_fields(store, ghl_id)?
        .into_iter()
        .map(|key| FieldOption {
            label: names.get(&key).cloned().unwrap_or_else(|| key.clone()),
            key,
        })
        .collect())
}

fn problem_views(problems: Vec<bridge_core::mapping::MappingProblem>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(|p| Problem {
            line: u32::try_from(p.line).unwrap_or(u32::MAX),
            field: p.field,
            message: p.message,
        })
        .collect()
}

/// The app connections a mapping can be drawn for.
#[tauri::command]
#[specta::specta]
pub fn list_mapping_apps(state: State<'_, AppState>) -> Result<Vec<AppOption>, BridgeError> {
    let store = state.store()?;
    Ok(service::app_connections(&store, None)?
        .iter()
        .map(app_option)
        .collect())
}

/// Everything the editor shows for one app connection (its live fields are read from the app).
#[tauri::command]
#[specta::specta]
pub async fn mapping_editor(
    state: State<'_, AppState>,
    app_id: String,
) -> Result<MappingEditor, BridgeError> {
    let tokens = state.tokens.clone();
    with_own_store(&state.db_path, move |store| async move {
        let app = app_connection(&store, &app_id)?;
        let ghl = service::hub(&store, None)?;
        let app_fields = service::app_fields(tokens, &app).await?;
        let mapping = service::mapping(&store, &app)?;
        let problems = preview::problems(
            &mapping,
            &ghl_contact_fields(&store, &ghl.id)?,
            &app_fields.iter().cloned().collect::<BTreeSet<_>>(),
        );
        Ok(MappingEditor {
            app: app_option(&app),
            ghl_fields: ghl_field_options(&store, &ghl.id)?,
            app_fields,
            mapping: to_dto(&mapping)?,
            problems: problem_views(problems),
        })
    })
    .await
}

/// Every problem of a mapping being drawn, each tied to its line (nothing is saved).
#[tauri::command]
#[specta::specta]
pub async fn check_mapping(
    state: State<'_, AppState>,
    app_id: String,
    app_fields: Vec<String>,
    mapping: MappingDto,
) -> Result<Vec<Problem>, BridgeError> {
    let mapping = to_core(&mapping)?;
    let store = state.store()?;
    let ghl = service::hub(&store, None)?;
    app_connection(&store, &app_id)?;
    Ok(problem_views(preview::problems(
        &mapping,
        &ghl_contact_fields(&store, &ghl.id)?,
        &app_fields.into_iter().collect(),
    )))
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewCellView {
    pub line: u32,
    pub target: String,
    pub field: String,
    pub source: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRecordView {
    pub contact_id: String,
    pub name: String,
    pub linked: bool,
    pub cells: Vec<PreviewCellView>,
}

/// The mapping applied to five real contacts: each line's value before and after.
#[tauri::command]
#[specta::specta]
pub fn preview_mapping(
    state: State<'_, AppState>,
    app_id: String,
    mapping: MappingDto,
) -> Result<Vec<PreviewRecordView>, BridgeError> {
    let mapping = to_core(&mapping)?;
    let store = state.store()?;
    let ghl = service::hub(&store, None)?;
    let app = app_connection(&store, &app_id)?;
    Ok(preview::preview(&store, &ghl.id, &app, &mapping)?
        .into_iter()
        .map(|r| PreviewRecordView {
            contact_id: r.contact_id,
            name: r.name,
            linked: r.linked,
            cells: r
                .cells
                .into_iter()
                .map(|c| PreviewCellView {
                    line: u32::try_from(c.line).unwrap_or(u32::MAX),
                    target: c.target,
                    field: c.field,
                    source: c.source,
                    before: c.before,
                    after: c.after,
                    error: c.error,
                })
                .collect(),
        })
        .collect())
}

/// Validates against both sides' live fields and saves; the error lists every problem.
#[tauri::command]
#[specta::specta]
pub async fn save_mapping(
    state: State<'_, AppState>,
    app_id: String,
    mapping: MappingDto,
) -> Result<MappingDto, BridgeError> {
    let mapping = to_core(&mapping)?;
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    with_own_store(&state.db_path, move |store| async move {
        let app = app_connection(&store, &app_id)?;
        service::save_mapping(&store, tokens, clock.as_ref(), &app, &mapping).await?;
        tracing::info!(connection = %app.id, lines = mapping.fields.len(), "mapping saved");
        to_dto(&service::mapping(&store, &app)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transform_crosses_ipc_in_the_core_shape() {
        let json = r#"{"object":"contact","fields":[{"ghl":"phone","app":"Phone","direction":"both","owner":"newest","transforms":[
            {"kind":"trim"},{"kind":"phone_e164","default_region":"US"},{"kind":"split_name","part":"first"},
            {"kind":"date_format","ghl":"%Y-%m-%d","app":"%d/%m/%Y"},{"kind":"value_map","values":{"a":"b"}},
            {"kind":"default_value","value":"x"},{"kind":"tag_prefix","prefix":"p:"},{"kind":"join_name"},
            {"kind":"lower"},{"kind":"upper"}]}]}"#;
        let core = Mapping::from_json(json).unwrap();
        let dto = to_dto(&core).unwrap();
        assert_eq!(dto.fields[0].transforms.len(), 10);
        assert_eq!(to_core(&dto).unwrap(), core);
    }
}
