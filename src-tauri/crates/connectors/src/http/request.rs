//! One API call, described before it is sent, so the retry loop can send it again unchanged.

use bridge_core::BridgeError;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub(crate) method: Method,
    /// Path segments below the base URL, not yet percent-encoded. An empty last segment gives a
    /// trailing slash (GHL's `POST /contacts/`).
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    /// A JSON body, serialized once and resent as is on retries.
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) idempotent: bool,
    /// Names the operation and record in errors, e.g. "update GHL contact abc123".
    pub(crate) context: Option<String>,
    /// A 400 answer means the record asked for does not exist (see [`ApiRequest::record_read`]).
    pub(crate) missing_on_bad_request: bool,
}

impl ApiRequest {
    /// A request to the path made of `segments` (each one percent-encoded when sent, so ids may
    /// hold any character). POST and PATCH count as not idempotent unless said otherwise.
    pub fn new<S: AsRef<str>>(method: Method, segments: &[S]) -> Self {
        let idempotent = !matches!(method, Method::POST | Method::PATCH);
        Self {
            method,
            segments: segments.iter().map(|s| s.as_ref().to_string()).collect(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            idempotent,
            context: None,
            missing_on_bad_request: false,
        }
    }

    pub fn get<S: AsRef<str>>(segments: &[S]) -> Self {
        Self::new(Method::GET, segments)
    }

    pub fn post<S: AsRef<str>>(segments: &[S]) -> Self {
        Self::new(Method::POST, segments)
    }

    pub fn put<S: AsRef<str>>(segments: &[S]) -> Self {
        Self::new(Method::PUT, segments)
    }

    pub fn delete<S: AsRef<str>>(segments: &[S]) -> Self {
        Self::new(Method::DELETE, segments)
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_string(), value.into()));
        self
    }

    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
        self
    }

    /// Sends `body` as JSON. Serializing a body can only fail on our side (e.g. a map with
    /// non-string keys, or a secret), hence `Internal`.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, BridgeError> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            BridgeError::internal(format!(
                "could not write the request body for {} {}: {e}",
                self.method,
                self.segments.join("/")
            ))
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Whether sending it twice does no harm; decides retries after ambiguous failures.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// A request naming one record whose absence the app answers with 400 instead of 404 (GHL
    /// documents 200/400/401 for a contact's or task's route, no 404, and a bad body as 422):
    /// a 400 or 404 then comes back as `ErrorCode::NotFound`, so callers treat the record as
    /// gone.
    pub fn record_read(mut self) -> Self {
        self.missing_on_bad_request = true;
        self
    }

    pub fn method(&self) -> &Method {
        &self.method
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_and_patch_are_not_idempotent_by_default() {
        assert!(ApiRequest::get(&["a"]).idempotent);
        assert!(ApiRequest::put(&["a"]).idempotent);
        assert!(ApiRequest::delete(&["a"]).idempotent);
        assert!(!ApiRequest::post(&["a"]).idempotent);
        assert!(!ApiRequest::new(Method::PATCH, &["a"]).idempotent);
        assert!(ApiRequest::post(&["search"]).idempotent(true).idempotent);
    }

    #[test]
    fn json_body_is_serialized_once() {
        let request = ApiRequest::post(&["tags"])
            .json(&serde_json::json!({"tags": ["a"]}))
            .unwrap();
        assert_eq!(
            request.body.as_deref(),
            Some(br#"{"tags":["a"]}"#.as_slice())
        );
    }
}
