//! Mappings page: both sides' fields (GHL custom fields by their names from the account, the
//! app's from its live schema), the mapping in use, inline problems, a preview, and save.

use std::collections::{BTreeMap, BTreeSet};

use bridge_core::mapping::Mapping;
use bridge_core::{BridgeError, ErrorCode, System};
use bridge_sync::mapping_fields::{field_profiles, FieldKind, FieldProfile};
use bridge_sync::pair::ghl_contact_fields;
use bridge_sync::preview::{CellChange, LineFix};
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
    DndSubscription,
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
    /// The kind of value it holds, as the synced values show it.
    pub kind: FieldKind,
    /// One value seen in the last sync.
    pub sample: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub line: u32,
    pub field: String,
    pub message: String,
    /// The one-click repair, where one exists.
    pub fix: Option<LineFix>,
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
    /// The app's fields as the pickers show them (same order as `app_fields`).
    pub app_field_options: Vec<FieldOption>,
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

/// The pickers' options: GHL's custom fields labelled with their names in the account.
fn field_options(
    profiles: Vec<FieldProfile>,
    names: &BTreeMap<String, String>,
) -> Vec<FieldOption> {
    profiles
        .into_iter()
        .map(|p| FieldOption {
            label: names.get(&p.key).cloned().unwrap_or_else(|| p.key.clone()),
            key: p.key,
            kind: p.kind,
            sample: p.sample,
        })
        .collect()
}

fn ghl_field_names(store: &Store, ghl_id: &str) -> Result<BTreeMap<String, String>, BridgeError> {
    Ok(service::custom_fields(store, ghl_id)?
        .into_iter()
        .map(|f| (format!("customFields.{}", f.field_key), f.name))
        .collect())
}

/// Every problem of `mapping` with its one-click repair, if any.
fn problem_views(
    mapping: &Mapping,
    ghl_fields: &BTreeSet<String>,
    app_fields: &BTreeSet<String>,
) -> Vec<Problem> {
    preview::problems(mapping, ghl_fields, app_fields)
        .into_iter()
        .map(|p| Problem {
            fix: preview::fix_for(&p, mapping, ghl_fields, app_fields),
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
        let ghl = service::location_of(&store, &app)?;
        let app_fields = service::app_fields(tokens, &app).await?;
        let mapping = service::mapping(&store, &app)?;
        let ghl_keys = ghl_contact_fields(&store, &ghl.id)?;
        let problems = problem_views(
            &mapping,
            &ghl_keys,
            &app_fields.iter().cloned().collect::<BTreeSet<_>>(),
        );
        let ghl_keys: Vec<String> = ghl_keys.into_iter().collect();
        let (ghl_profiles, app_profiles) =
            field_profiles(&store, &ghl.id, &app, &ghl_keys, &app_fields)?;
        Ok(MappingEditor {
            app: app_option(&app),
            ghl_fields: field_options(ghl_profiles, &ghl_field_names(&store, &ghl.id)?),
            app_field_options: field_options(app_profiles, &BTreeMap::new()),
            app_fields,
            mapping: to_dto(&mapping)?,
            problems,
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
    let app = app_connection(&store, &app_id)?;
    let ghl = service::location_of(&store, &app)?;
    Ok(problem_views(
        &mapping,
        &ghl_contact_fields(&store, &ghl.id)?,
        &app_fields.into_iter().collect(),
    ))
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
    pub change: CellChange,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRecordView {
    pub contact_id: String,
    pub name: String,
    pub linked: bool,
    pub cells: Vec<PreviewCellView>,
}

/// The mapping applied to five real contacts (those whose name or email holds `search`, when
/// given): each line's value before and after, and what the write does to it.
#[tauri::command]
#[specta::specta]
pub fn preview_mapping(
    state: State<'_, AppState>,
    app_id: String,
    mapping: MappingDto,
    search: Option<String>,
) -> Result<Vec<PreviewRecordView>, BridgeError> {
    let mapping = to_core(&mapping)?;
    let store = state.store()?;
    let app = app_connection(&store, &app_id)?;
    let ghl = service::location_of(&store, &app)?;
    Ok(
        preview::preview(&store, &ghl.id, &app, &mapping, search.as_deref())?
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
                        change: c.change,
                    })
                    .collect(),
            })
            .collect(),
    )
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
