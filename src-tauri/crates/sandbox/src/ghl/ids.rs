//! GHL ids look like Firestore document ids: 20 random characters from [A-Za-z0-9].

use rand::Rng;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(crate) fn ghl_id(rng: &mut impl Rng) -> String {
    random_string(rng, 20)
}

/// An opaque secret (token, code) of `len` characters.
pub(crate) fn random_string(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ids_are_twenty_alphanumerics() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let id = ghl_id(&mut rng);
        assert_eq!(id.len(), 20);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        assert_ne!(id, ghl_id(&mut rng));
    }
}
