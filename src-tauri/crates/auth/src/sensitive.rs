//! A wrapper for secrets: Debug and Display print a placeholder, and serializing fails.

use serde::{Serialize, Serializer};

/// A secret value. Read it with [`Sensitive::expose`] at the one place that must send it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(secret: T) -> Self {
        Self(secret)
    }

    /// The secret itself. Call it only where the value leaves for its destination
    /// (an HTTP header, the keychain), never to log or display it.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(secret: T) -> Self {
        Self(secret)
    }
}

impl<T> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> std::fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Refuses to serialize, so a secret can never end up in JSON sent over IPC or written to disk.
impl<T> Serialize for Sensitive<T> {
    fn serialize<S: Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "a secret (Sensitive) must not be serialized",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "pit-3f9a0c0ffee";

    #[test]
    fn debug_and_display_hide_the_secret() {
        let token = Sensitive::new(SECRET.to_string());
        let debug = format!("{token:?}");
        let display = format!("{token}");
        assert!(!debug.contains(SECRET));
        assert!(!display.contains(SECRET));
        assert_eq!(debug, "<redacted>");

        #[derive(Debug)]
        #[allow(dead_code)]
        struct Credentials {
            token: Sensitive<String>,
        }
        let nested = format!("{:?}", Credentials { token });
        assert!(!nested.contains(SECRET), "{nested}");
    }

    #[test]
    fn serializing_fails_instead_of_leaking() {
        #[derive(Serialize)]
        struct Payload {
            token: Sensitive<String>,
        }
        let result = serde_json::to_string(&Payload {
            token: Sensitive::new(SECRET.into()),
        });
        let err = result.unwrap_err().to_string();
        assert!(err.contains("must not be serialized"));
        assert!(!err.contains(SECRET));
    }

    #[test]
    fn expose_returns_the_value() {
        assert_eq!(Sensitive::new(SECRET).expose(), &SECRET);
    }
}
