//! Sends the token requests the `oauth2` crate builds, with our `reqwest` client (no
//! redirects, bounded waits), and keeps the status and body of the answer so errors can be
//! read in the provider's own words (the crate reports neither for a body that is not an
//! RFC 6749 error).
//!
//! Hand-written because Nifty asks for more than the crate does (openapi.niftypm.com,
//! "Authorization"): a JSON body, `Authorization: Basic base64(client_id:client_secret)`
//! with the two values as they are, and a 201 answer. The crate only sends form bodies, its
//! Basic header form-encodes both values first (RFC 6749 §2.3.1), which Nifty does not
//! document, and it reads only a 200 as tokens. So for Nifty the crate's form (with the
//! credentials in it) becomes a JSON body and a plain Basic header here, and a 2xx answer is
//! handed back as 200; GHL's requests leave untouched.

use std::sync::Mutex;

use bridge_core::{BridgeError, ErrorCode};
use oauth2::basic::BasicErrorResponse;
use oauth2::{HttpRequest, HttpResponse, RequestTokenError};

use crate::provider::{BodyFormat, ClientAuth};

/// A transport failure: the token endpoint could not be reached or read.
#[derive(Debug)]
pub(crate) struct Unreachable(BridgeError);

impl Unreachable {
    pub fn into_error(self) -> BridgeError {
        self.0
    }
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Unreachable {}

impl<'c> oauth2::AsyncHttpClient<'c> for TokenTransport {
    type Error = Unreachable;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, Unreachable>> + Send + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

pub(crate) type TokenRequestError = RequestTokenError<Unreachable, BasicErrorResponse>;

pub(crate) struct TokenTransport {
    http: reqwest::Client,
    provider: String,
    client_auth: ClientAuth,
    body_format: BodyFormat,
    /// The last answer's status and body.
    answer: Mutex<Option<(u16, String)>>,
}

impl TokenTransport {
    pub fn new(
        http: reqwest::Client,
        provider: &str,
        client_auth: ClientAuth,
        body_format: BodyFormat,
    ) -> Self {
        Self {
            http,
            provider: provider.to_string(),
            client_auth,
            body_format,
            answer: Mutex::new(None),
        }
    }

    /// The status and body of the last answer, if one came.
    pub fn answer(&self) -> Option<(u16, String)> {
        self.answer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Unreachable> {
        let request = self.shape(request)?;
        let request = reqwest::Request::try_from(request).map_err(|e| {
            Unreachable(BridgeError::internal(format!(
                "the token request could not be built: {e}"
            )))
        })?;
        let answer = send(&self.provider, self.http.execute(request)).await?;
        *self
            .answer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((answer.status, answer.body.clone()));
        let mut response = HttpResponse::new(answer.body.into_bytes());
        // RFC 6749 §5.1 answers 200 and the crate reads only a 200 as tokens; Nifty documents
        // 201 Created for the same body, so any 2xx is handed on as 200.
        *response.status_mut() = if (200..300).contains(&answer.status) {
            oauth2::http::StatusCode::OK
        } else {
            oauth2::http::StatusCode::from_u16(answer.status)
                .unwrap_or(oauth2::http::StatusCode::BAD_GATEWAY)
        };
        if let Some(content_type) = answer
            .content_type
            .and_then(|v| oauth2::http::HeaderValue::from_str(&v).ok())
        {
            response
                .headers_mut()
                .insert(oauth2::http::header::CONTENT_TYPE, content_type);
        }
        Ok(response)
    }

    /// Nifty's shape of the crate's form request (see the module's comment).
    fn shape(&self, request: HttpRequest) -> Result<HttpRequest, Unreachable> {
        if self.client_auth == ClientAuth::RequestBody && self.body_format == BodyFormat::Form {
            return Ok(request);
        }
        let (mut parts, body) = request.into_parts();
        let mut params: Vec<(String, String)> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        if self.client_auth == ClientAuth::BasicHeader {
            let mut take = |name: &str| {
                let index = params.iter().position(|(k, _)| k == name)?;
                Some(params.remove(index).1)
            };
            let (id, secret) = (take("client_id"), take("client_secret"));
            use base64::Engine;
            let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                id.unwrap_or_default(),
                secret.unwrap_or_default()
            ));
            let value = oauth2::http::HeaderValue::from_str(&format!("Basic {credentials}"))
                .map_err(|_| {
                    Unreachable(BridgeError::invalid_input(
                        "the client id or secret holds characters an HTTP header cannot carry",
                    ))
                })?;
            parts
                .headers
                .insert(oauth2::http::header::AUTHORIZATION, value);
        }
        let body = match self.body_format {
            BodyFormat::Form => url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish()
                .into_bytes(),
            BodyFormat::Json => {
                parts.headers.insert(
                    oauth2::http::header::CONTENT_TYPE,
                    oauth2::http::HeaderValue::from_static("application/json"),
                );
                let object: serde_json::Map<String, serde_json::Value> = params
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect();
                serde_json::to_vec(&object).map_err(|e| {
                    Unreachable(BridgeError::internal(format!(
                        "the token request could not be written: {e}"
                    )))
                })?
            }
        };
        Ok(HttpRequest::from_parts(parts, body))
    }
}

/// What a token endpoint answered.
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

/// Sends a request to a token endpoint; a Network error names the provider.
pub(crate) async fn send(
    provider: &str,
    request: impl std::future::Future<Output = Result<reqwest::Response, reqwest::Error>>,
) -> Result<Answer, Unreachable> {
    let network = |e: reqwest::Error| {
        Unreachable(BridgeError::new(
            ErrorCode::Network,
            format!(
                "could not reach {provider}'s token endpoint: {}",
                e.without_url()
            ),
        ))
    };
    let response = request.await.map_err(network)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.text().await.map_err(network)?;
    Ok(Answer {
        status,
        content_type,
        body,
    })
}
