//! The authorization-code sign-in of a native app (RFC 8252): the system browser opens the
//! provider's page, which redirects to a listener of ours on `http://127.0.0.1:<port>/callback`.
//! The callback must carry the `state` we sent (RFC 6749 §10.12); anything else ends the
//! attempt with a clear error, as does a provider error or the timeout.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bridge_core::{BridgeError, ErrorCode};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use url::Url;

use crate::callback_page;
use crate::provider::ProviderConfig;
use crate::Sensitive;

pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5 * 60);
pub const CALLBACK_PATH: &str = "/callback";

#[derive(Debug, Clone)]
pub struct LoopbackOptions {
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    /// 0 picks a free port (RFC 8252 §7.3). A fixed port is for providers that only accept
    /// a redirect URI registered with its exact port.
    pub port: u16,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_SIGN_IN_TIMEOUT,
            port: 0,
        }
    }
}

/// What the browser brought back, with what the code exchange must repeat.
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    pub code: Sensitive<String>,
    pub redirect_uri: String,
    pub pkce_verifier: Option<Sensitive<String>>,
}

type Outcome = Result<Sensitive<String>, BridgeError>;

/// Runs one sign-in: listens on loopback, hands the authorize URL to `opener` (the desktop
/// passes the system browser opener, the CLI [`print_and_open_browser`]), then waits for the
/// callback. The listener is closed before this returns.
pub async fn authorize<F>(
    provider: &ProviderConfig,
    options: &LoopbackOptions,
    opener: F,
) -> Result<AuthorizationCode, BridgeError>
where
    F: FnOnce(&Url) -> Result<(), BridgeError>,
{
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))
        .await
        .map_err(|e| {
            BridgeError::new(
                ErrorCode::Internal,
                format!(
                    "could not listen on 127.0.0.1:{} for the sign-in callback: {e}",
                    options.port
                ),
            )
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| BridgeError::internal(format!("sign-in listener has no address: {e}")))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    let request = provider.authorize_request(&redirect_uri)?;
    let url = request.url;

    let (outcome_tx, outcome_rx) = oneshot::channel();
    let callback = Arc::new(Callback {
        provider: provider.name.clone(),
        expected_state: request.state,
        outcome: Mutex::new(Some(outcome_tx)),
    });
    let app = Router::new()
        .route(CALLBACK_PATH, get(on_callback))
        .fallback(|| async { callback_page::not_found() })
        .with_state(callback);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let mut server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });

    let outcome = async {
        opener(&url)?;
        match tokio::time::timeout(options.timeout, outcome_rx).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(BridgeError::internal(
                "the sign-in listener stopped before the browser came back",
            )),
            Err(_) => Err(BridgeError::new(
                ErrorCode::Cancelled,
                format!(
                    "no answer came back from the browser within {}; start the sign-in again",
                    describe(options.timeout)
                ),
            )),
        }
    }
    .await;

    let _ = stop_tx.send(());
    // Give the browser its page, but never hang on a connection it keeps open.
    if tokio::time::timeout(Duration::from_secs(2), &mut server)
        .await
        .is_err()
    {
        server.abort();
    }

    outcome.map(|code| AuthorizationCode {
        code,
        redirect_uri,
        pkce_verifier: request.pkce_verifier,
    })
}

/// The opener for the headless CLI: prints the address (the operator may be on another
/// machine) and tries the desktop's browser too.
pub fn print_and_open_browser(url: &Url) -> Result<(), BridgeError> {
    eprintln!("Open this address in a browser to sign in:\n\n  {url}\n");
    if let Err(e) = open::that_detached(url.as_str()) {
        eprintln!("(could not start a browser here: {e})");
    }
    Ok(())
}

struct Callback {
    provider: String,
    expected_state: Sensitive<String>,
    /// Taken by the first callback; later ones only get the "already finished" page.
    outcome: Mutex<Option<oneshot::Sender<Outcome>>>,
}

async fn on_callback(State(callback): State<Arc<Callback>>, RawQuery(query): RawQuery) -> Response {
    let sender = callback
        .outcome
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    let Some(sender) = sender else {
        return callback_page::already_finished();
    };
    let outcome = callback.judge(query.as_deref().unwrap_or(""));
    let page = match &outcome {
        Ok(_) => callback_page::success(),
        Err(e) => callback_page::failure(&e.message),
    };
    let _ = sender.send(outcome);
    page
}

impl Callback {
    /// Decides what a callback query means (RFC 6749 §4.1.2 and §4.1.2.1).
    fn judge(&self, query: &str) -> Outcome {
        let mut params: HashMap<String, Vec<String>> = HashMap::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            params
                .entry(key.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        let single = |name: &str| -> Result<Option<String>, BridgeError> {
            match params.get(name).map(Vec::as_slice) {
                None | Some([]) => Ok(None),
                Some([value]) => Ok(Some(value.clone())),
                Some(_) => Err(BridgeError::new(
                    ErrorCode::Unauthorized,
                    format!("the sign-in callback repeated the \"{name}\" parameter; start the sign-in again"),
                )),
            }
        };
        let state = single("state")?;
        let code = single("code")?;
        let error = single("error")?;

        let state_mismatch = || {
            BridgeError::new(
                ErrorCode::Unauthorized,
                "the sign-in callback does not belong to this sign-in (its state does not match); \
                 start the sign-in again",
            )
        };
        if let Some(error) = error {
            // A provider may leave `state` out of an error; one that is present must match.
            if state.as_deref().is_some_and(|s| !self.state_matches(s)) {
                return Err(state_mismatch());
            }
            let description = single("error_description")?
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            return Err(if error == "access_denied" {
                BridgeError::new(
                    ErrorCode::Unauthorized,
                    format!(
                        "access was declined on {}'s sign-in page (access_denied){description}",
                        self.provider
                    ),
                )
            } else {
                BridgeError::new(
                    ErrorCode::Remote,
                    format!(
                        "{} reported a sign-in error: {error}{description}",
                        self.provider
                    ),
                )
            });
        }
        match state {
            Some(s) if self.state_matches(&s) => {}
            Some(_) => return Err(state_mismatch()),
            None => {
                return Err(BridgeError::new(
                    ErrorCode::Unauthorized,
                    format!(
                        "{}'s sign-in callback carried no state, so it cannot be trusted; start the sign-in again",
                        self.provider
                    ),
                ))
            }
        }
        match code {
            Some(code) if !code.is_empty() => Ok(Sensitive::new(code)),
            _ => Err(BridgeError::new(
                ErrorCode::Remote,
                format!(
                    "{}'s sign-in callback carried neither a code nor an error",
                    self.provider
                ),
            )),
        }
    }

    /// Compares without an early exit, so timing does not reveal how much of a guess matched.
    fn state_matches(&self, candidate: &str) -> bool {
        let expected = self.expected_state.expose().as_bytes();
        let candidate = candidate.as_bytes();
        expected.len() == candidate.len()
            && expected
                .iter()
                .zip(candidate)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

fn describe(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (minutes, rest) = (secs / 60, secs % 60);
    if minutes > 0 && rest == 0 {
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    } else if secs >= 1 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callback() -> Callback {
        Callback {
            provider: "GHL".into(),
            expected_state: Sensitive::new("expected-state".into()),
            outcome: Mutex::new(None),
        }
    }

    #[test]
    fn a_matching_state_yields_the_code() {
        let code = callback()
            .judge("code=abc%2F1&state=expected-state")
            .unwrap();
        assert_eq!(code.expose(), "abc/1");
    }

    #[test]
    fn a_wrong_or_missing_state_is_refused() {
        for query in [
            "code=abc&state=other-state",
            "code=abc&state=expected-stat",
            "code=abc",
            "code=abc&state=expected-state&state=other",
            "error=access_denied&state=forged",
        ] {
            let err = callback().judge(query).unwrap_err();
            assert_eq!(err.code, ErrorCode::Unauthorized, "{query}");
            assert!(
                err.message.contains("start the sign-in again"),
                "{query}: {}",
                err.message
            );
        }
    }

    #[test]
    fn provider_errors_are_surfaced() {
        let err = callback()
            .judge("error=access_denied&error_description=The+user+declined&state=expected-state")
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Unauthorized);
        assert_eq!(
            err.message,
            "access was declined on GHL's sign-in page (access_denied) (The user declined)"
        );
        let err = callback().judge("error=server_error").unwrap_err();
        assert_eq!(err.code, ErrorCode::Remote);
        assert!(err.message.contains("server_error"));
        let err = callback().judge("state=expected-state").unwrap_err();
        assert!(err.message.contains("neither a code nor an error"));
    }

    /// The desktop runs the sign-in inside async commands, which need `Send` futures.
    #[test]
    fn the_sign_in_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let provider = crate::ghl_oauth::ghl_provider(
            &crate::ghl_oauth::GhlEndpoints::official().unwrap(),
            "id",
            Sensitive::new("secret".into()),
            vec![],
        );
        let options = LoopbackOptions::default();
        let future = authorize(&provider, &options, |_: &Url| Ok(()));
        assert_send(&future);
        drop(future);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(describe(DEFAULT_SIGN_IN_TIMEOUT), "5 minutes");
        assert_eq!(describe(Duration::from_secs(90)), "90 seconds");
        assert_eq!(describe(Duration::from_millis(200)), "200 ms");
    }
}
