//! A mock of GHL generated from GHL's own OpenAPI files (Prism, with request validation on),
//! so our client's requests are judged by the spec rather than by our fake.
//!
//! Prism serves one document per process; GHL's endpoints span four files, so one Prism runs
//! per file and a small loopback proxy routes each path to the file that documents it.
//! GHL answers 422 to body fields its DTOs do not list, while the spec files leave
//! `additionalProperties` open; the copies Prism reads close it on every request-body schema
//! that lists its properties, so an unknown field fails here as it would at GHL.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::repo_root;

/// The spec files, and the path prefixes each one documents.
const SPECS: &[(&str, &[&str])] = &[
    ("calendars", &["/calendars"]),
    ("locations", &["/locations"]),
    ("oauth", &["/oauth"]),
    ("contacts", &["/contacts"]),
];

/// One request as Prism judged it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Prism's answer for failures (its validation messages), empty otherwise.
    pub detail: String,
}

pub struct SpecMock {
    base_url: String,
    exchanges: std::sync::Arc<std::sync::Mutex<Vec<Exchange>>>,
    prisms: Vec<Child>,
    _specs: tempfile::TempDir,
    proxy: tokio::task::JoinHandle<()>,
}

impl SpecMock {
    /// Starts one Prism per spec file and the routing proxy; all on 127.0.0.1, ephemeral ports.
    pub async fn start() -> SpecMock {
        let prism = prism_bin();
        let specs = lay_out_specs();
        let mut prisms = Vec::new();
        let mut routes = Vec::new();
        for (name, prefixes) in SPECS {
            let port = free_port();
            let child = Command::new(&prism)
                .args([
                    "mock",
                    "--errors",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .arg(specs.path().join("apps").join(format!("{name}.json")))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start Prism ({}): {e}", prism.display()));
            prisms.push(child);
            for prefix in *prefixes {
                routes.push(((*prefix).to_string(), format!("http://127.0.0.1:{port}")));
            }
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let exchanges = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(std::sync::Arc::new(Routes {
                routes,
                http: reqwest::Client::new(),
                exchanges: exchanges.clone(),
            }));
        let proxy = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let mock = SpecMock {
            base_url,
            exchanges,
            prisms,
            _specs: specs,
            proxy,
        };
        mock.wait_until_ready().await;
        mock.take_exchanges();
        mock
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request forwarded since the last call, in order (readiness probes excluded).
    pub fn take_exchanges(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().unwrap())
    }

    async fn wait_until_ready(&self) {
        let http = reqwest::Client::new();
        // Each Prism answers 401 to an unauthenticated GET once it is listening.
        for (_, prefixes) in SPECS {
            let url = format!("{}{}/ready-probe", self.base_url, prefixes[0]);
            let mut ready = false;
            for _ in 0..300 {
                if let Ok(response) = http.get(&url).send().await {
                    if response.status() != StatusCode::BAD_GATEWAY {
                        ready = true;
                        break;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(ready, "Prism for {} did not start within 30 s", prefixes[0]);
        }
    }
}

impl Drop for SpecMock {
    fn drop(&mut self) {
        self.proxy.abort();
        for child in &mut self.prisms {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Routes {
    routes: Vec<(String, String)>,
    http: reqwest::Client,
    exchanges: std::sync::Arc<std::sync::Mutex<Vec<Exchange>>>,
}

async fn forward(State(routes): State<std::sync::Arc<Routes>>, request: Request) -> Response {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_default();
    let Some((_, upstream)) = routes
        .routes
        .iter()
        .find(|(prefix, _)| request.uri().path().starts_with(prefix.as_str()))
    else {
        return (StatusCode::NOT_FOUND, "no spec documents this path").into_response();
    };
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let headers = request.headers().clone();
    let Ok(body) = axum::body::to_bytes(request.into_body(), 16 * 1024 * 1024).await else {
        return (StatusCode::BAD_REQUEST, "unreadable body").into_response();
    };
    let mut outgoing = routes
        .http
        .request(method.clone(), format!("{upstream}{path_and_query}"))
        .body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    match outgoing.send().await {
        Ok(response) => {
            let status = response.status();
            let mut headers = HeaderMap::new();
            for (name, value) in response.headers() {
                if name != "transfer-encoding" && name != "content-length" {
                    headers.insert(name, value.clone());
                }
            }
            let body = response.bytes().await.unwrap_or_else(|_| Bytes::new());
            routes.exchanges.lock().unwrap().push(Exchange {
                method: method.to_string(),
                path,
                status: status.as_u16(),
                detail: if status.is_success() {
                    String::new()
                } else {
                    String::from_utf8_lossy(&body).chars().take(600).collect()
                },
            });
            (status, headers, body).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, format!("Prism unreachable: {e}")).into_response(),
    }
}

fn prism_bin() -> PathBuf {
    let bin = repo_root().join("tests/spec-mock/node_modules/.bin/prism");
    assert!(
        bin.exists(),
        "Prism is not installed: run scripts/setup.sh (or `npm ci` in tests/spec-mock)"
    );
    bin
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// The official spec files, laid out as their `$ref`s expect (`apps/*.json` beside
/// `common/common-schemas.json`), with request bodies closed to unknown fields.
fn lay_out_specs() -> tempfile::TempDir {
    let source = spec_dir();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("apps")).unwrap();
    std::fs::create_dir_all(dir.path().join("common")).unwrap();
    std::fs::copy(
        source.join("common-schemas.json"),
        dir.path().join("common/common-schemas.json"),
    )
    .unwrap();
    for (name, _) in SPECS {
        let text = std::fs::read_to_string(source.join(format!("{name}.json"))).unwrap();
        let mut spec: Value = serde_json::from_str(&text).unwrap();
        close_request_bodies(&mut spec);
        std::fs::write(
            dir.path().join("apps").join(format!("{name}.json")),
            serde_json::to_vec(&spec).unwrap(),
        )
        .unwrap();
    }
    dir
}

/// `../shared/specs/ghl` beside the repository.
pub fn spec_dir() -> PathBuf {
    let dir = repo_root().join("../shared/specs/ghl");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

/// Sets `additionalProperties: false` on every schema reachable from a request body that
/// lists its properties (an empty `properties` means "not documented": left open).
fn close_request_bodies(spec: &mut Value) {
    let mut names = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for operation in paths.values().filter_map(Value::as_object) {
            for op in operation.values() {
                if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                    collect_refs(schema, &mut names);
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = names.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let pointer = format!("/components/schemas/{name}");
        let Some(schema) = spec.pointer(&pointer).cloned() else {
            continue;
        };
        collect_refs(&schema, &mut names);
        if let Some(schema) = spec.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            close_schema(schema);
        }
    }
}

fn close_schema(schema: &mut serde_json::Map<String, Value>) {
    let lists_properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    if lists_properties && !schema.contains_key("additionalProperties") {
        schema.insert("additionalProperties".into(), Value::Bool(false));
    }
}

/// Local `#/components/schemas/X` references anywhere inside `value`.
fn collect_refs(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                names.push(name.to_string());
            }
            map.values().for_each(|v| collect_refs(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, names)),
        _ => {}
    }
}

/// Used by tests that read a spec file directly.
pub fn read_spec(name: &str) -> Value {
    let path: &Path = &spec_dir().join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
