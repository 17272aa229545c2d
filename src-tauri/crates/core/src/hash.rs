//! Content hashes: one function, so "unchanged" means the same thing everywhere (skipping
//! unchanged records on pull, dropping echoes of our own writes on plan).

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The SHA-256 (hex) of `value`'s JSON form. Maps and sets in the core types are ordered
/// (BTreeMap/BTreeSet), so equal values always hash alike.
///
/// Every pulled contact is hashed (issue #13's profile of the store path): the JSON is written
/// into one buffer and hashed in one call, and the digest turned into hex in one `format!`.
/// Feeding the hasher each of serde's small writes and formatting the 32 bytes one `format!`
/// each cost more than the SHA-256 itself. The value hashed, and so the hash, is unchanged.
pub fn content_hash<T: Serialize + ?Sized>(value: &T) -> String {
    // Serializing the core types cannot fail (no non-string map keys, no custom errors);
    // should it ever, the empty input still yields a stable hash and a change is re-fetched.
    let json = serde_json::to_vec(value).unwrap_or_default();
    format!("{:x}", Sha256::digest(&json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Contact;

    /// The hash stored for every record before the one-buffer hashing: a change of the hash
    /// would make the next pull read every contact again.
    #[test]
    fn the_hash_is_the_sha256_hex_of_the_json() {
        let contact = Contact {
            contact_id: "c1".into(),
            email: Some("ada@example.com".into()),
            tags: ["vip".to_string()].into(),
            ..Contact::default()
        };
        let json = serde_json::to_string(&contact).unwrap();
        let expected: String = Sha256::digest(json.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(content_hash(&contact), expected);
        assert_eq!(
            content_hash("abc"),
            "6cc43f858fbb763301637b5af970e2a46b46f461f27e5a0f41e009c59b827b25",
            "sha256 of the JSON string \"abc\""
        );
    }

    #[test]
    fn equal_values_hash_alike_and_changes_show() {
        let mut a = Contact {
            contact_id: "c1".into(),
            tags: ["b".to_string(), "a".to_string()].into(),
            ..Contact::default()
        };
        let b = Contact {
            contact_id: "c1".into(),
            tags: ["a".to_string(), "b".to_string()].into(),
            ..Contact::default()
        };
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_eq!(content_hash(&a).len(), 64);
        a.first_name = Some("Ada".into());
        assert_ne!(content_hash(&a), content_hash(&b));
    }
}
