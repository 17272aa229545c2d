//! Pagination as a lazy stream of pages: the next page is fetched only when the caller asks for
//! it, so a caller can store each page (and advance its cursor) before the next request, and
//! nothing ever holds a whole account in memory.

use std::future::Future;

use bridge_core::BridgeError;
use futures::Stream;

/// One fetched page and where the next one starts (`None`: this was the last).
pub struct Fetched<P, C> {
    pub page: P,
    pub next: Option<C>,
}

/// Pages that can be empty are not handed to the caller (an empty result, a final empty page).
pub trait PageContent {
    fn is_empty(&self) -> bool;
}

impl<T> PageContent for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

/// Streams pages starting at cursor `first`, calling `fetch` for each. The stream ends after the
/// last page, or right after yielding the first error.
pub fn paginate<P, C, F, Fut>(first: C, mut fetch: F) -> impl Stream<Item = Result<P, BridgeError>>
where
    P: PageContent,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Fetched<P, C>, BridgeError>>,
{
    async_stream::try_stream! {
        let mut cursor = Some(first);
        while let Some(at) = cursor.take() {
            let fetched = fetch(at).await?;
            cursor = fetched.next;
            if !fetched.page.is_empty() {
                yield fetched.page;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use futures::StreamExt;

    use super::*;

    #[tokio::test]
    async fn fetches_lazily_until_the_last_page() {
        let calls = Arc::new(AtomicU32::new(0));
        let counted = calls.clone();
        let stream = paginate(0u32, move |offset| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                let page: Vec<u32> = (offset..(offset + 2).min(5)).collect();
                let next = (offset + 2 < 5).then_some(offset + 2);
                Ok(Fetched { page, next })
            }
        });
        futures::pin_mut!(stream);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "nothing fetched before asked"
        );
        assert_eq!(stream.next().await.unwrap().unwrap(), vec![0, 1]);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let rest: Vec<Vec<u32>> = stream.map(|p| p.unwrap()).collect().await;
        assert_eq!(rest, vec![vec![2, 3], vec![4]]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn stops_after_the_first_error_and_skips_empty_pages() {
        let stream = paginate(0u32, |n| async move {
            match n {
                0 => Ok(Fetched {
                    page: Vec::<u32>::new(),
                    next: Some(1),
                }),
                1 => Ok(Fetched {
                    page: vec![1],
                    next: Some(2),
                }),
                _ => Err(BridgeError::internal("boom")),
            }
        });
        let items: Vec<Result<Vec<u32>, BridgeError>> = stream.collect().await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().unwrap(), &vec![1]);
        assert_eq!(items[1].as_ref().unwrap_err().message, "boom");
    }
}
