//! The public keys a webhook's signature is checked with, and the check.
//!
//! `x-wh-signature` is RSA-SHA256 over the raw body, base64 (WebhookAuthentication.md; its Node
//! example, `crypto.createVerify('SHA256')` with an RSA key, is PKCS#1 v1.5). `X-GHL-Signature`
//! is Ed25519 (reference/ghl-api.md); that it is base64 over the raw body like the other is our
//! reading, no document at hand states it. Several keys of each kind may be configured, so a
//! rotated key can be added before GHL switches to it and the old one removed after.

use base64::Engine as _;
use bridge_core::BridgeError;
use rsa::pkcs1v15::{Signature as RsaSignature, VerifyingKey as RsaVerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::Sha256;
use rsa::signature::Verifier;

/// GHL's published webhook key, copied from WebhookAuthentication.md.
pub const GHL_PUBLISHED_RSA_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----
";

/// The header GHL's RSA signature comes in.
pub const RSA_HEADER: &str = "x-wh-signature";
/// The header GHL's Ed25519 signature comes in.
pub const ED25519_HEADER: &str = "x-ghl-signature";

/// The keys signatures are checked with.
#[derive(Debug, Clone, Default)]
pub struct WebhookKeys {
    rsa: Vec<RsaVerifyingKey<Sha256>>,
    ed25519: Vec<ed25519_dalek::VerifyingKey>,
}

impl WebhookKeys {
    /// GHL's published RSA key only.
    pub fn ghl_published() -> Result<Self, BridgeError> {
        let mut keys = Self::default();
        keys.add_pem(GHL_PUBLISHED_RSA_KEY)?;
        Ok(keys)
    }

    /// Adds one public key, PEM (`-----BEGIN PUBLIC KEY-----`, SPKI), RSA or Ed25519.
    pub fn add_pem(&mut self, pem: &str) -> Result<(), BridgeError> {
        if let Ok(key) = rsa::RsaPublicKey::from_public_key_pem(pem.trim()) {
            self.rsa.push(RsaVerifyingKey::new(key));
            return Ok(());
        }
        match ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim()) {
            Ok(key) => {
                self.ed25519.push(key);
                Ok(())
            }
            Err(e) => Err(BridgeError::invalid_input(format!(
                "a webhook public key is neither an RSA nor an Ed25519 public key in PEM \
                 (-----BEGIN PUBLIC KEY-----): {e}"
            ))),
        }
    }

    /// How many keys of each kind: (RSA, Ed25519).
    pub fn counts(&self) -> (usize, usize) {
        (self.rsa.len(), self.ed25519.len())
    }

    /// Whether one of the signatures given verifies `body` with a configured key of its kind.
    /// `rsa_signature` is the `x-wh-signature` header, `ed25519_signature` the
    /// `X-GHL-Signature` one; either suffices.
    pub fn verify(
        &self,
        body: &[u8],
        rsa_signature: Option<&str>,
        ed25519_signature: Option<&str>,
    ) -> Result<(), Refusal> {
        if rsa_signature.is_none() && ed25519_signature.is_none() {
            return Err(Refusal::Missing);
        }
        let engine = base64::engine::general_purpose::STANDARD;
        if let Some(bytes) = rsa_signature.and_then(|s| engine.decode(s.trim()).ok()) {
            if let Ok(signature) = RsaSignature::try_from(bytes.as_slice()) {
                if self
                    .rsa
                    .iter()
                    .any(|key| key.verify(body, &signature).is_ok())
                {
                    return Ok(());
                }
            }
        }
        if let Some(bytes) = ed25519_signature.and_then(|s| engine.decode(s.trim()).ok()) {
            if let Ok(signature) = ed25519_dalek::Signature::from_slice(&bytes) {
                if self
                    .ed25519
                    .iter()
                    .any(|key| key.verify_strict(body, &signature).is_ok())
                {
                    return Ok(());
                }
            }
        }
        Err(Refusal::Invalid)
    }
}

/// Why a signature check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Neither signature header is present.
    Missing,
    /// No signature verifies with a configured key (altered body, another key, garbage).
    Invalid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_key_parses() {
        let keys = WebhookKeys::ghl_published().unwrap();
        assert_eq!(keys.counts(), (1, 0));
    }

    #[test]
    fn a_key_that_is_no_public_key_is_refused_clearly() {
        let mut keys = WebhookKeys::default();
        let e = keys.add_pem("not a key").unwrap_err();
        assert!(e.message.contains("PEM"), "{}", e.message);
    }

    #[test]
    fn no_signature_and_a_garbled_one_are_refused() {
        let keys = WebhookKeys::ghl_published().unwrap();
        assert_eq!(keys.verify(b"{}", None, None), Err(Refusal::Missing));
        assert_eq!(
            keys.verify(b"{}", Some("!!not base64"), None),
            Err(Refusal::Invalid)
        );
        assert_eq!(
            keys.verify(b"{}", Some("AAAA"), Some("AAAA")),
            Err(Refusal::Invalid)
        );
    }
}
