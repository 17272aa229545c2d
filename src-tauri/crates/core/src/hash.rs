//! Content hashes: one function, so "unchanged" means the same thing everywhere (skipping
//! unchanged records on pull, dropping echoes of our own writes on plan).

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The SHA-256 (hex) of `value`'s JSON form. Maps and sets in the core types are ordered
/// (BTreeMap/BTreeSet), so equal values always hash alike.
pub fn content_hash<T: Serialize + ?Sized>(value: &T) -> String {
    let mut hasher = Sha256::new();
    // Serializing the core types cannot fail (no non-string map keys, no custom errors);
    // should it ever, the empty input still yields a stable hash and a change is re-fetched.
    let _ = serde_json::to_writer(&mut HashWriter(&mut hasher), value);
    let digest = hasher.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Contact;

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
