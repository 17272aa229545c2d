//! One normal form per matching key, so "the same person" means the same thing in every app.

use std::collections::BTreeSet;

use crate::BridgeError;

/// Emails compare trimmed and lowercased; an empty one is no email.
pub fn email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    (!email.is_empty()).then_some(email)
}

/// A phone number in E.164 (`+14155550100`). Numbers without a country code are read in
/// `default_region` (ISO 3166 code such as "US"). Errors name the value that could not be read.
///
/// A number that parses and whose length is possible for its country is kept, even where the
/// library's validity metadata does not know its range: that metadata lags the ranges countries
/// open (a new China mobile range, a UK range) and refusing such a number would stop its record.
pub fn phone_e164(raw: &str, default_region: &str) -> Result<Option<String>, BridgeError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let region = default_region
        .parse::<phonenumber::country::Id>()
        .map_err(|_| {
            BridgeError::invalid_input(format!("unknown phone region '{default_region}'"))
        })?;
    // A number written with its country code is parsed without a default region: given one,
    // the library strips that region's national prefix from the digits after the code
    // ("+86 1380…" read under US loses its "1" and becomes an invalid +86 380…).
    let default = (!trimmed.starts_with('+')).then_some(region);
    let parsed = phonenumber::parse(default, trimmed).map_err(|e| {
        BridgeError::invalid_input(format!("phone '{trimmed}' is not a phone number: {e}"))
    })?;
    // The length check first: it settles nearly every number, and `is_valid` (the library's
    // pattern matching) was a quarter of a pulled contact's phone work in the profile.
    if !possible_length(&parsed) && !phonenumber::is_valid(&parsed) {
        return Err(BridgeError::invalid_input(format!(
            "phone '{trimmed}' has too few or too many digits for its country"
        )));
    }
    Ok(Some(
        parsed.format().mode(phonenumber::Mode::E164).to_string(),
    ))
}

/// Whether the national number has a length some kind of number of its country code has.
fn possible_length(number: &phonenumber::PhoneNumber) -> bool {
    use phonenumber::Type;
    let digits = number.national().to_string().len();
    let Ok(digits) = u16::try_from(digits) else {
        return false;
    };
    let kinds = [
        Type::Unknown,
        Type::FixedLine,
        Type::Mobile,
        Type::TollFree,
        Type::PremiumRate,
        Type::SharedCost,
        Type::PersonalNumber,
        Type::Voip,
        Type::Pager,
        Type::Uan,
        Type::Voicemail,
    ];
    phonenumber::metadata::DATABASE
        .by_code(&number.code().value())
        .unwrap_or_default()
        .iter()
        .flat_map(|meta| {
            kinds
                .iter()
                .filter_map(|kind| meta.descriptors().get(*kind))
        })
        .any(|descriptor| {
            descriptor.possible_length().contains(&digits)
                || descriptor.possible_local_length().contains(&digits)
        })
}

/// Tags as a set: trimmed, lowercased (GHL stores them so), empty ones dropped.
pub fn tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    raw.into_iter()
        .map(|tag| tag.trim().to_lowercase())
        .filter(|tag| !tag.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            email("  Ada@Example.COM ").as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(email("   "), None);
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            phone_e164("(415) 555-0132", "US").unwrap().as_deref(),
            Some("+14155550132")
        );
        assert_eq!(
            phone_e164("+44 20 7946 0958", "US").unwrap().as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_e164("020 7946 0958", "GB").unwrap().as_deref(),
            Some("+442079460958")
        );
        assert_eq!(phone_e164(" ", "US").unwrap(), None);
    }

    #[test]
    fn numbers_the_validity_metadata_does_not_know_yet_are_kept() {
        // A China mobile and a UK number whose ranges the metadata may lag behind.
        assert_eq!(
            phone_e164("+8613800138000", "US").unwrap().as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(
            phone_e164("+447648569156", "US").unwrap().as_deref(),
            Some("+447648569156")
        );
    }

    #[test]
    fn unreadable_phones_are_errors_naming_the_value() {
        let err = phone_e164("call me maybe", "US").unwrap_err();
        assert!(err.message.contains("call me maybe"), "{}", err.message);
        assert!(phone_e164("+1 555", "US").is_err());
        assert!(phone_e164("4155550132", "XX").is_err());
    }

    #[test]
    fn tags_are_a_normalized_set() {
        let set = tags(["VIP", " vip ", "", "Lead"]);
        assert_eq!(set.into_iter().collect::<Vec<_>>(), ["lead", "vip"]);
    }
}
