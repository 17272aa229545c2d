//! HTTP plumbing shared by every connector: the retry decision, the rate budget, the client
//! that applies both, remote error envelopes, and pagination streams.

pub mod client;
pub mod paginate;
pub mod rate_budget;
pub mod remote_error;
pub mod request;
pub mod retry;

/// Where a client gets its token and, after a 401, a new one: bridge-auth's `TokenManager`
/// (OAuth, serialized refresh) or `StaticToken` (a pasted Private Integration Token).
pub use bridge_auth::AccessTokenSource;
pub use client::{AuthHeader, HttpClient, HttpClientBuilder, RawAnswer, RequestCounts};
pub use paginate::{paginate, Fetched, PageContent};
pub use rate_budget::{BudgetSnapshot, Permit, RateBudget, RateHeaderNames, RateLimits};
pub use request::ApiRequest;
pub use retry::{decide, Attempt, Decision, NetworkErrorKind, Outcome, RetryPolicy};
