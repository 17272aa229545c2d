//! OAuth 2.0 as GHL's marketplace runs it (oauth.json, docs/oauth/Authorization.md):
//! the choose-location page issues a single-use code; POST /oauth/token (form-encoded) trades
//! it, or a refresh token, for an access token. Refresh tokens rotate: each is good once, and a
//! spent one answers `invalid_grant`. Agency (Company) tokens get location tokens from
//! POST /oauth/locationToken (no refresh token) and list installs at
//! GET /oauth/installedLocations. Any http(s) redirect URI is accepted (GHL checks it against
//! the app's registered list).

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};
use url::Url;

use super::errors::{ApiError, OAuthError};
use super::oauth_page::{choose_location_page, error_page, AuthorizeRequest};
use super::shared::{lock, AppState};
use super::state::{AccessGrant, CodeGrant, Data, RefreshGrant, UserType};

const CODE_LIFETIME: Duration = Duration::from_secs(600);
pub(crate) const APPROVE_PATH: &str = "/oauth/chooselocation/approve";

/// GetAccessCodebodyDto
const TOKEN_FIELDS: &[&str] = &[
    "client_id",
    "client_secret",
    "grant_type",
    "code",
    "refresh_token",
    "user_type",
    "redirect_uri",
];

type Params = HashMap<String, String>;

fn authorize_request(data: &Data, params: &Params) -> Result<AuthorizeRequest, String> {
    let get = |key: &str| params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    if get("response_type") != Some("code") {
        return Err("response_type must be code".into());
    }
    let client_id = get("client_id").ok_or("client_id is required")?;
    if client_id != data.client_id {
        return Err(format!("No app with client_id {client_id} is registered"));
    }
    let redirect_uri = get("redirect_uri").ok_or("redirect_uri is required")?;
    let parsed = Url::parse(redirect_uri).map_err(|_| "redirect_uri must be an absolute URL")?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("redirect_uri must be an http(s) URL".into());
    }
    let scope = get("scope").ok_or("scope is required")?;
    Ok(AuthorizeRequest {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        scope: scope.to_string(),
        state: params.get("state").cloned(),
    })
}

fn bad_page(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Html(error_page(message))).into_response()
}

/// GET /oauth/chooselocation and /v2/oauth/chooselocation
pub(crate) async fn choose_location(
    State(shared): State<AppState>,
    Query(params): Query<Params>,
) -> Response {
    let data = lock(&shared.data);
    match authorize_request(&data, &params) {
        Ok(request) => Html(choose_location_page(&data, &request, APPROVE_PATH)).into_response(),
        Err(message) => bad_page(&message),
    }
}

/// The Approve / Deny buttons, as a form POST.
pub(crate) async fn approve_form(State(shared): State<AppState>, bytes: Bytes) -> Response {
    approve(&shared, form_params(&bytes))
}

/// The same decision as a plain GET link.
pub(crate) async fn approve_link(
    State(shared): State<AppState>,
    Query(params): Query<Params>,
) -> Response {
    approve(&shared, params)
}

fn approve(shared: &AppState, params: Params) -> Response {
    let mut data = lock(&shared.data);
    let request = match authorize_request(&data, &params) {
        Ok(request) => request,
        Err(message) => return bad_page(&message),
    };
    let Ok(mut target) = Url::parse(&request.redirect_uri) else {
        return bad_page("redirect_uri must be an absolute URL");
    };
    if params.get("decision").map(String::as_str) == Some("deny") {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied");
    } else {
        let location_id = params.get("location_id").cloned().unwrap_or_default();
        if data.location(&location_id).is_none() {
            return bad_page("Choose one of the listed locations");
        }
        let code = data.new_secret();
        let grant = CodeGrant {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            location_id,
            company_id: data.company_id.clone(),
            user_id: data.users[0].clone(),
            scopes: request
                .scope
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            expires_at: Instant::now() + CODE_LIFETIME,
            used: false,
        };
        data.codes.insert(code.clone(), grant);
        target.query_pairs_mut().append_pair("code", &code);
    }
    if let Some(state) = &request.state {
        target.query_pairs_mut().append_pair("state", state);
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

fn form_params(bytes: &Bytes) -> Params {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The form fields of a DTO, checked like GHL's validation pipe does.
fn checked_form(
    headers: &HeaderMap,
    bytes: &Bytes,
    allowed: &[&str],
    required: &[&str],
) -> Result<Params, ApiError> {
    if !is_form(headers) {
        return Err(ApiError::unprocessable(
            required
                .iter()
                .map(|field| format!("{field} should not be empty"))
                .collect(),
        ));
    }
    let params = form_params(bytes);
    let mut problems: Vec<String> = params
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    problems.sort();
    for field in required {
        if params.get(*field).is_none_or(|v| v.is_empty()) {
            problems.push(format!("{field} should not be empty"));
        }
    }
    if problems.is_empty() {
        Ok(params)
    } else {
        Err(ApiError::unprocessable(problems))
    }
}

/// POST /oauth/token
pub(crate) async fn token(
    State(shared): State<AppState>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    match exchange(&shared, &headers, &bytes) {
        Ok(body) => Json(body).into_response(),
        Err(TokenError::Validation(err)) => err.into_response(),
        Err(TokenError::OAuth(err)) => err.into_response(),
    }
}

enum TokenError {
    Validation(ApiError),
    OAuth(OAuthError),
}

impl From<OAuthError> for TokenError {
    fn from(err: OAuthError) -> Self {
        TokenError::OAuth(err)
    }
}

fn exchange(shared: &AppState, headers: &HeaderMap, bytes: &Bytes) -> Result<Value, TokenError> {
    let params = checked_form(
        headers,
        bytes,
        TOKEN_FIELDS,
        &["client_id", "client_secret", "grant_type"],
    )
    .map_err(TokenError::Validation)?;
    let get = |key: &str| params.get(key).map(String::as_str).unwrap_or_default();
    let grant_type = get("grant_type");
    if !matches!(
        grant_type,
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return Err(TokenError::Validation(ApiError::unprocessable_one(
            "grant_type must be one of the following values: authorization_code, refresh_token, client_credentials",
        )));
    }
    let user_type = match params.get("user_type").map(String::as_str) {
        None | Some("Location") => UserType::Location,
        Some("Company") => UserType::Company,
        Some(_) => {
            return Err(TokenError::Validation(ApiError::unprocessable_one(
                "user_type must be one of the following values: Company, Location",
            )))
        }
    };
    let mut data = lock(&shared.data);
    if get("client_id") != data.client_id || get("client_secret") != data.client_secret {
        return Err(OAuthError::invalid_client().into());
    }
    let issued = match grant_type {
        "authorization_code" => {
            let code = get("code");
            if code.is_empty() {
                return Err(OAuthError::invalid_request("code is required").into());
            }
            let redirect_uri = get("redirect_uri");
            let grant = data.codes.get_mut(code).ok_or_else(|| {
                OAuthError::invalid_grant("Invalid grant: authorization code is invalid")
            })?;
            if grant.used || grant.expires_at <= Instant::now() {
                return Err(OAuthError::invalid_grant(
                    "Invalid grant: authorization code was already used or has expired",
                )
                .into());
            }
            if grant.client_id != get("client_id")
                || (!redirect_uri.is_empty() && redirect_uri != grant.redirect_uri)
            {
                return Err(OAuthError::invalid_grant(
                    "Invalid grant: the code was issued to another client or redirect_uri",
                )
                .into());
            }
            grant.used = true;
            let grant = grant.clone();
            RefreshGrant {
                client_id: grant.client_id,
                user_type,
                location_id: (user_type == UserType::Location).then_some(grant.location_id),
                company_id: grant.company_id,
                user_id: grant.user_id,
                scopes: grant.scopes,
                spent: false,
            }
        }
        "refresh_token" => {
            let token = get("refresh_token");
            let grant = data
                .refresh_tokens
                .get_mut(token)
                .filter(|g| !g.spent && g.client_id == get("client_id"))
                .ok_or_else(|| {
                    OAuthError::invalid_grant("Invalid grant: refresh token is invalid")
                })?;
            grant.spent = true;
            grant.clone()
        }
        other => return Err(OAuthError::unsupported_grant_type(other).into()),
    };
    Ok(issue(&mut data, shared.access_token_ttl, issued))
}

/// Mints an access + refresh pair for `grant` and answers GetAccessCodeSuccessfulResponseDto.
fn issue(data: &mut Data, ttl: Duration, mut grant: RefreshGrant) -> Value {
    let access_token = data.new_secret();
    let refresh_token = data.new_secret();
    data.tokens.insert(
        access_token.clone(),
        AccessGrant {
            user_type: grant.user_type,
            location_id: grant.location_id.clone(),
            company_id: grant.company_id.clone(),
            user_id: grant.user_id.clone(),
            scopes: Some(grant.scopes.clone()),
            rate_key: data.app_id.clone(),
            expires_at: Some(Instant::now() + ttl),
        },
    );
    let mut out = Map::new();
    out.insert("access_token".into(), json!(access_token));
    out.insert("token_type".into(), json!("Bearer"));
    out.insert("expires_in".into(), json!(ttl.as_secs()));
    out.insert("refresh_token".into(), json!(refresh_token));
    out.insert("scope".into(), json!(join(&grant.scopes)));
    out.insert("userType".into(), json!(grant.user_type.as_str()));
    if let Some(location_id) = &grant.location_id {
        out.insert("locationId".into(), json!(location_id));
    } else {
        let approved: Vec<&str> = data.locations.iter().map(|l| l.id.as_str()).collect();
        out.insert("approvedLocations".into(), json!(approved));
    }
    out.insert("companyId".into(), json!(grant.company_id));
    out.insert("userId".into(), json!(grant.user_id));
    grant.spent = false;
    data.refresh_tokens.insert(refresh_token, grant);
    Value::Object(out)
}

fn join(scopes: &BTreeSet<String>) -> String {
    scopes
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// POST /oauth/locationToken (agency token, form-encoded companyId + locationId)
pub(crate) async fn location_token(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = checked_form(
        &headers,
        &bytes,
        &["companyId", "locationId"],
        &["companyId", "locationId"],
    )?;
    let company_id = params.get("companyId").cloned().unwrap_or_default();
    let location_id = params.get("locationId").cloned().unwrap_or_default();
    if company_id != grant.company_id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "The token does not have access to this company",
        ));
    }
    let mut data = lock(&shared.data);
    if data.location(&location_id).is_none() {
        return Err(ApiError::bad_request(
            "Location not found or app not installed",
        ));
    }
    let access_token = data.new_secret();
    let ttl = shared.access_token_ttl;
    let scopes = grant.scopes.clone().unwrap_or_default();
    let app_id = data.app_id.clone();
    data.tokens.insert(
        access_token.clone(),
        AccessGrant {
            user_type: UserType::Location,
            location_id: Some(location_id.clone()),
            company_id,
            user_id: grant.user_id.clone(),
            scopes: Some(scopes.clone()),
            rate_key: app_id.clone(),
            expires_at: Some(Instant::now() + ttl),
        },
    );
    Ok(Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "scope": join(&scopes),
        "locationId": location_id,
        "userId": grant.user_id,
        "appId": app_id,
    })))
}

/// GET /oauth/installedLocations?companyId&appId (agency token)
pub(crate) async fn installed_locations(
    State(shared): State<AppState>,
    Extension(grant): Extension<AccessGrant>,
    Query(query): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let mut missing = Vec::new();
    for field in ["companyId", "appId"] {
        if query.get(field).is_none_or(|v| v.is_empty()) {
            missing.push(format!("{field} should not be empty"));
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::unprocessable(missing));
    }
    if query.get("companyId") != Some(&grant.company_id) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "The token does not have access to this company",
        ));
    }
    let data = lock(&shared.data);
    if query.get("appId") != Some(&data.app_id) {
        return Err(ApiError::bad_request("App not found"));
    }
    let skip = query.get("skip").and_then(|v| v.parse().ok()).unwrap_or(0);
    let limit = query
        .get("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let text = query
        .get("query")
        .map(|q| q.to_lowercase())
        .unwrap_or_default();
    let matching: Vec<Value> = data
        .locations
        .iter()
        .filter(|l| l.name.to_lowercase().contains(&text))
        .filter(|l| query.get("locationId").is_none_or(|id| *id == l.id))
        .map(|l| json!({"_id": l.id, "name": l.name, "address": l.address, "isInstalled": true}))
        .collect();
    let count = matching.len();
    let locations: Vec<Value> = matching.into_iter().skip(skip).take(limit).collect();
    Ok(Json(json!({
        "locations": locations,
        "count": count,
        "installToFutureLocations": false,
    })))
}
