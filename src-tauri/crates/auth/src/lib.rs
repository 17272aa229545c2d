//! Sign-in and secrets. Every secret (token, client secret, API key) travels wrapped in
//! [`Sensitive`], so it cannot leak through a log line, a panic message or a serialized payload.
//!
//! - [`TokenStore`]: the OS keychain ([`KeychainStore`]), a 0600 file for the headless CLI
//!   ([`FileStore`], chosen by [`cli_token_store`]), memory for tests ([`MemoryStore`]).
//! - [`loopback::authorize`] / [`OAuthClient::sign_in`]: the browser sign-in (RFC 8252).
//! - [`OAuthClient`] + [`ProviderConfig`]: code exchange and refresh for any provider;
//!   [`ghl_oauth`] and [`nifty_oauth`] hold the two providers' settings.
//! - [`AccessTokenSource`]: what connectors ask for a bearer token — [`TokenManager`]
//!   (OAuth, serialized refresh of rotating tokens) or [`StaticToken`] (pasted tokens).

mod blocking_store;
mod callback_page;
pub mod ghl_oauth;
pub mod loopback;
pub mod nifty_oauth;
mod process_lock;
mod provider;
mod refresher;
mod sensitive;
mod static_token;
mod token_response;
mod token_set;
mod token_source;
mod token_store;
mod transport;

pub use loopback::{AuthorizationCode, LoopbackOptions};
pub use provider::{oauth_http_client, BodyFormat, ClientAuth, OAuthClient, ProviderConfig};
pub use refresher::{default_refresh_margin, TokenManager};
pub use sensitive::Sensitive;
pub use static_token::StaticToken;
pub use token_set::TokenSet;
pub use token_source::AccessTokenSource;
pub use token_store::{
    cli_token_store, FileStore, KeychainStore, MemoryStore, TokenStore, KEYCHAIN_SERVICE,
    SECRETS_FILE_NAME,
};
