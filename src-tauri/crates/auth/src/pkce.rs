//! The random values of one sign-in: the `state` that ties the callback to this attempt
//! (RFC 6749 §10.12) and the PKCE S256 pair (RFC 7636) for providers that support it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::Sensitive;

/// 32 bytes from the thread-local CSPRNG, base64url without padding (43 characters).
fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub(crate) fn new_state() -> String {
    random_token()
}

/// A PKCE code verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub(crate) struct Pkce {
    pub verifier: Sensitive<String>,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let verifier = random_token();
        let challenge = s256_challenge(&verifier);
        Self {
            verifier: Sensitive::new(verifier),
            challenge,
        }
    }
}

fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn values_are_long_url_safe_and_different_each_time() {
        let a = new_state();
        let b = new_state();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let pkce = Pkce::new();
        assert_eq!(pkce.challenge, s256_challenge(pkce.verifier.expose()));
    }
}
