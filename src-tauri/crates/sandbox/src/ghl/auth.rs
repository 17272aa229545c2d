//! The gate in front of every API route: bearer token, token class (sub-account vs agency),
//! rate limit, `Version` header and scope, in that order. The rate-limit headers go on every
//! answer given to a known token, refusals included.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::{scope_missing, ApiError, INVALID_JWT, WRONG_AUTH_CLASS};
use super::shared::{lock, AppState, Shared};
use super::state::{AccessGrant, Data, Location, UserType};

pub(crate) const V2021_07_28: &str = "2021-07-28";
pub(crate) const V2021_04_15: &str = "2021-04-15";

/// What a group of routes demands of a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guard {
    pub version: &'static str,
    pub read_scope: &'static str,
    pub write_scope: &'static str,
    pub user_type: UserType,
}

pub(crate) async fn guard(
    State((shared, guard)): State<(AppState, Guard)>,
    mut request: Request,
    next: Next,
) -> Response {
    let grant = match authenticate(&shared, request.headers(), guard.user_type) {
        Ok(grant) => grant,
        Err(err) => return err.into_response(),
    };
    let budget =
        lock(&shared.limiter).take(&rate_key(&grant), Instant::now(), shared.now().date_naive());
    let scope = if matches!(*request.method(), Method::GET | Method::HEAD) {
        guard.read_scope
    } else {
        guard.write_scope
    };
    let mut response = if !budget.allowed {
        lock(&shared.stats).rate_limited += 1;
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests").into_response()
    } else if let Err(err) = check_version(request.headers(), guard.version) {
        err.into_response()
    } else if !grant.has_scope(scope) {
        scope_missing()
    } else {
        request.extensions_mut().insert(grant);
        next.run(request).await
    };
    budget.write_headers(response.headers_mut());
    response
}

fn rate_key(grant: &AccessGrant) -> String {
    let owner = grant.location_id.as_deref().unwrap_or(&grant.company_id);
    format!("{}@{owner}", grant.rate_key)
}

fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    user_type: UserType,
) -> Result<AccessGrant, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::unauthorized(INVALID_JWT))?;
    let mut data = lock(&shared.data);
    let grant = data
        .tokens
        .get(token)
        .cloned()
        .ok_or_else(|| ApiError::unauthorized(INVALID_JWT))?;
    if grant.expires_at.is_some_and(|at| at <= Instant::now()) {
        data.tokens.remove(token);
        return Err(ApiError::unauthorized(INVALID_JWT));
    }
    if grant.user_type != user_type {
        return Err(ApiError::unauthorized(WRONG_AUTH_CLASS));
    }
    Ok(grant)
}

fn check_version(headers: &HeaderMap, expected: &str) -> Result<(), ApiError> {
    match headers.get("version").and_then(|v| v.to_str().ok()) {
        None => Err(ApiError::bad_request("Version header was not found")),
        Some(version) if version.trim() == expected => Ok(()),
        Some(version) => Err(ApiError::bad_request(format!(
            "Version header '{version}' is not supported by this route; use {expected}"
        ))),
    }
}

impl AccessGrant {
    /// The sub-account the token belongs to (guaranteed on Location routes).
    pub fn location(&self) -> &str {
        self.location_id.as_deref().unwrap_or_default()
    }

    /// A `locationId` the caller named must be the token's own.
    pub fn check_location(&self, location_id: &str) -> Result<(), ApiError> {
        if self.location() == location_id {
            Ok(())
        } else {
            Err(ApiError::forbidden_location())
        }
    }
}

/// The token's location, which must hold `contact_id`: another location's contact is a 403,
/// an unknown one a 400 (GHL documents no 404 for contacts).
///
/// Sources: contacts.json documents 400, 401 and 422 only. The 403 body `{"statusCode":403,
/// "message":"The token does not have access to this location."}` is what GHL answered a user
/// whose token was for another location (GoHighLevel/highlevel-api-docs issue #213). That a
/// contact of another location gets that 403, not a 400, is a guess.
pub(crate) fn contact_location<'a>(
    data: &'a mut Data,
    grant: &AccessGrant,
    contact_id: &str,
) -> Result<&'a mut Location, ApiError> {
    match data.location_of_contact(contact_id) {
        Some(owner) if owner == grant.location() => {}
        Some(_) => return Err(ApiError::forbidden_location()),
        None => return Err(ApiError::bad_request("Contact not found")),
    }
    own_location(data, grant)
}

pub(crate) fn own_location<'a>(
    data: &'a mut Data,
    grant: &AccessGrant,
) -> Result<&'a mut Location, ApiError> {
    data.location_mut(grant.location())
        .ok_or_else(|| ApiError::unauthorized(INVALID_JWT))
}
