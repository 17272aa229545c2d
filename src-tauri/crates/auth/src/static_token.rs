//! A token the operator pastes (a GHL Private Integration Token): used as is, never
//! refreshed; when the remote rejects it only the operator can replace it.

use std::sync::Arc;

use bridge_core::{BridgeError, ErrorCode};
use futures::future::BoxFuture;
use futures::FutureExt;

use crate::blocking_store;
use crate::{AccessTokenSource, Sensitive, TokenStore};

pub struct StaticToken {
    store: Arc<dyn TokenStore>,
    key: String,
    label: String,
    token_name: String,
}

impl StaticToken {
    /// `key`: where the token lives in `store`; `label`: how operators know the connection.
    pub fn new(
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            store,
            key: key.into(),
            label: label.into(),
            token_name: "Private Integration Token".into(),
        }
    }

    /// What the token is called in messages ("API key"); default "Private Integration Token".
    pub fn with_token_name(mut self, name: impl Into<String>) -> Self {
        self.token_name = name.into();
        self
    }

    /// Stores a newly pasted token.
    pub async fn save(&self, token: Sensitive<String>) -> Result<(), BridgeError> {
        let token = Sensitive::new(token.expose().trim().to_string());
        if token.expose().is_empty() {
            return Err(BridgeError::invalid_input(format!(
                "{}: the {} is empty",
                self.label, self.token_name
            )));
        }
        blocking_store::set(&self.store, &self.key, token).await
    }

    pub async fn access_token(&self) -> Result<Sensitive<String>, BridgeError> {
        blocking_store::get(&self.store, &self.key)
            .await?
            .ok_or_else(|| {
                BridgeError::new(
                    ErrorCode::Unauthorized,
                    format!(
                        "{}: no {} is stored; paste one in the connection's settings",
                        self.label, self.token_name
                    ),
                )
            })
    }

    /// There is nothing to refresh: the operator must paste a new token.
    pub fn rejected(&self) -> BridgeError {
        BridgeError::new(
            ErrorCode::Unauthorized,
            format!(
                "{}: the {} was rejected (revoked, expired or missing a scope); create a new one \
                 and paste it in the connection's settings",
                self.label, self.token_name
            ),
        )
    }
}

impl AccessTokenSource for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, BridgeError>> {
        StaticToken::access_token(self).boxed()
    }

    fn on_unauthorized<'a>(
        &'a self,
        _rejected: &'a Sensitive<String>,
    ) -> BoxFuture<'a, Result<Sensitive<String>, BridgeError>> {
        let error = self.rejected();
        async move { Err(error) }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    #[tokio::test]
    async fn returns_the_pasted_token_and_never_refreshes() {
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
        let pit = StaticToken::new(Arc::clone(&store), "ghl/main/pit", "GHL \"Main office\"");
        let missing = pit.access_token().await.unwrap_err();
        assert_eq!(missing.code, ErrorCode::Unauthorized);
        assert!(missing.message.contains("paste one"), "{}", missing.message);

        pit.save(Sensitive::new("  pit-1234-abcd \n".into()))
            .await
            .unwrap();
        let token = pit.access_token().await.unwrap();
        assert_eq!(token.expose(), "pit-1234-abcd");

        let source: &dyn AccessTokenSource = &pit;
        let err = source.on_unauthorized(&token).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Unauthorized);
        assert!(err
            .message
            .starts_with("GHL \"Main office\": the Private Integration Token was rejected"));
        assert!(err.message.contains("paste it"), "{}", err.message);
        assert!(!err.message.contains("pit-1234-abcd"));
        // Still the same token afterwards: nothing was rotated or deleted.
        assert_eq!(
            source.access_token().await.unwrap().expose(),
            "pit-1234-abcd"
        );
    }

    #[tokio::test]
    async fn an_empty_paste_is_refused() {
        let pit = StaticToken::new(Arc::new(MemoryStore::new()), "k", "GHL");
        let err = pit.save(Sensitive::new("   ".into())).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
    }
}
