//! The tokens of one OAuth connection. `TokenSet` has no `Serialize`: the only way to turn it
//! into text is [`TokenSet::to_secret_json`], whose result is itself [`Sensitive`], so a token
//! set cannot slip into a log line, an IPC payload or SQLite by accident.

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Sensitive;

/// Access token, refresh token and what the provider told us about them.
///
/// Debug shows the tokens as `<redacted>`, and there is no `Serialize`:
///
/// ```compile_fail
/// fn leak(tokens: &bridge_auth::TokenSet) -> String {
///     serde_json::to_string(tokens).unwrap_or_default()
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: Sensitive<String>,
    /// `None` for tokens that cannot be refreshed (GHL location tokens made from an agency token).
    pub refresh_token: Option<Sensitive<String>>,
    /// `None` when the provider did not say; such a token is used until it is rejected.
    pub expires_at: Option<DateTime<Utc>>,
    /// Space-separated, as the provider granted them.
    pub scope: Option<String>,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
    /// GHL's `userType`: `Location` or `Company`.
    pub user_type: Option<String>,
    pub user_id: Option<String>,
}

/// The stored shape. Private, so nothing outside this module can serialize tokens.
#[derive(Serialize, Deserialize)]
struct StoredTokenSet {
    /// Format version, so a later release can migrate what an older one stored.
    v: u32,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    company_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
}

const FORMAT_VERSION: u32 = 1;

impl TokenSet {
    /// The JSON text a [`crate::TokenStore`] keeps. Call it only to hand the result to a store.
    pub fn to_secret_json(&self) -> Result<Sensitive<String>, BridgeError> {
        let stored = StoredTokenSet {
            v: FORMAT_VERSION,
            access_token: self.access_token.expose().clone(),
            refresh_token: self.refresh_token.as_ref().map(|t| t.expose().clone()),
            expires_at: self.expires_at,
            scope: self.scope.clone(),
            location_id: self.location_id.clone(),
            company_id: self.company_id.clone(),
            user_type: self.user_type.clone(),
            user_id: self.user_id.clone(),
        };
        serde_json::to_string(&stored)
            .map(Sensitive::new)
            .map_err(|e| BridgeError::internal(format!("could not encode a token set: {e}")))
    }

    /// Reads what [`TokenSet::to_secret_json`] wrote.
    pub fn from_secret_json(json: &Sensitive<String>) -> Result<Self, BridgeError> {
        // serde's message can quote a value it did not expect; report only where it failed.
        let stored: StoredTokenSet = serde_json::from_str(json.expose()).map_err(|e| {
            BridgeError::new(
                ErrorCode::SecretStore,
                format!(
                    "a stored token set is unreadable (line {}, column {}); reconnect the connection",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        if stored.v != FORMAT_VERSION {
            return Err(BridgeError::new(
                ErrorCode::SecretStore,
                format!(
                    "a stored token set has format version {}, this release reads version {FORMAT_VERSION}",
                    stored.v
                ),
            ));
        }
        Ok(Self {
            access_token: Sensitive::new(stored.access_token),
            refresh_token: stored.refresh_token.map(Sensitive::new),
            expires_at: stored.expires_at,
            scope: stored.scope,
            location_id: stored.location_id,
            company_id: stored.company_id,
            user_type: stored.user_type,
            user_id: stored.user_id,
        })
    }

    /// True when the access token is still good at `now` plus `margin`.
    pub fn is_fresh(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        match self.expires_at {
            Some(expires_at) => now + margin < expires_at,
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const ACCESS: &str = "at-5f1e2d3c4b5a";
    const REFRESH: &str = "rt-9a8b7c6d5e4f";

    fn sample() -> TokenSet {
        TokenSet {
            access_token: Sensitive::new(ACCESS.into()),
            refresh_token: Some(Sensitive::new(REFRESH.into())),
            expires_at: Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()),
            scope: Some("contacts.readonly contacts.write".into()),
            location_id: Some("loc1".into()),
            company_id: Some("comp1".into()),
            user_type: Some("Location".into()),
            user_id: Some("user1".into()),
        }
    }

    #[test]
    fn debug_never_shows_the_tokens() {
        let debug = format!("{:?}", sample());
        assert!(!debug.contains(ACCESS), "{debug}");
        assert!(!debug.contains(REFRESH), "{debug}");
        // The non-secret fields stay visible, which is what makes Debug useful.
        assert!(debug.contains("loc1"), "{debug}");
    }

    #[test]
    fn serializing_a_struct_that_holds_a_token_set_fails_without_leaking() {
        // TokenSet has no Serialize at all; the closest accident is serializing its fields.
        #[derive(Serialize)]
        struct Leaky<'a> {
            access_token: &'a Sensitive<String>,
            refresh_token: &'a Option<Sensitive<String>>,
        }
        let set = sample();
        let result = serde_json::to_string(&Leaky {
            access_token: &set.access_token,
            refresh_token: &set.refresh_token,
        });
        let err = result.unwrap_err().to_string();
        assert!(!err.contains(ACCESS) && !err.contains(REFRESH), "{err}");
    }

    #[test]
    fn secret_json_round_trips_and_is_itself_redacted() {
        let set = sample();
        let json = set.to_secret_json().unwrap();
        assert!(!format!("{json:?}").contains(ACCESS));
        assert!(json.expose().contains(ACCESS));
        assert_eq!(TokenSet::from_secret_json(&json).unwrap(), set);
    }

    #[test]
    fn unreadable_json_is_reported_without_its_content() {
        let broken = Sensitive::new(format!("{{\"v\":1,\"access_token\":{ACCESS}}}"));
        let err = TokenSet::from_secret_json(&broken).unwrap_err();
        assert_eq!(err.code, ErrorCode::SecretStore);
        assert!(!err.message.contains(ACCESS), "{}", err.message);
    }

    #[test]
    fn freshness_honours_the_margin() {
        let set = sample();
        let expires = set.expires_at.unwrap();
        let margin = chrono::Duration::minutes(5);
        assert!(set.is_fresh(expires - chrono::Duration::minutes(6), margin));
        assert!(!set.is_fresh(expires - chrono::Duration::minutes(4), margin));
        let no_expiry = TokenSet {
            expires_at: None,
            ..sample()
        };
        assert!(no_expiry.is_fresh(expires, margin));
    }
}
