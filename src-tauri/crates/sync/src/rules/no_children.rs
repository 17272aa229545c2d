//! The app side of a rule's writes for apps that hold no tasks or notes (Ninox, Connectif,
//! NiftyImages): every rule writes to GHL, so nothing is ever asked of it.

use bridge_core::BridgeError;
use futures::future::BoxFuture;
use futures::stream::BoxStream;

use crate::children::{AppChild, AppChildren, ChildKind, ChildValues};

pub struct NoChildren<'a> {
    pub system: &'a str,
}

impl NoChildren<'_> {
    fn none(&self) -> BridgeError {
        BridgeError::internal(format!("{} holds no tasks or notes", self.system))
    }
}

impl AppChildren for NoChildren<'_> {
    fn system(&self) -> &str {
        self.system
    }

    fn scan(&self) -> BoxStream<'_, Result<Vec<AppChild>, BridgeError>> {
        Box::pin(futures::stream::empty())
    }

    fn delete<'a>(
        &'a self,
        _kind: ChildKind,
        _remote_id: &'a str,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move { Err(self.none()) })
    }

    fn create<'a>(
        &'a self,
        _kind: ChildKind,
        _parent: &'a str,
        _values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<String, BridgeError>> {
        Box::pin(async move { Err(self.none()) })
    }

    fn update<'a>(
        &'a self,
        _kind: ChildKind,
        _remote_id: &'a str,
        _values: &'a ChildValues,
    ) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move { Err(self.none()) })
    }

    fn find<'a>(
        &'a self,
        _kind: ChildKind,
        _parent: &'a str,
        _values: &'a ChildValues,
        _linked: &'a [String],
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>> {
        Box::pin(async move { Err(self.none()) })
    }
}
