//! Store calls from async code. A keychain may block on D-Bus or an unlock prompt, so calls
//! run on the blocking pool instead of stalling a runtime worker, and give up after
//! [`KEYCHAIN_PATIENCE`] with an error that says why: a locked keychain with no one to answer
//! its password prompt (cron, a server, a session without a display) would otherwise freeze a
//! sync at "starting…" for good.
//!
//! Once a call has given up, later calls fail at once with the same reason for as long as that
//! call is still parked on the keychain, rather than each waiting [`KEYCHAIN_PATIENCE`] again
//! (a sync reads several secrets: one stuck prompt would cost minutes per run) and each parking
//! another blocking thread behind the same prompt. The parked call itself says when the
//! keychain is back: it returns once its prompt is answered, dismissed or times out, and from
//! then on calls go through again. No retry timer: a probe sent while the prompt is still up
//! would only park behind it, and the parked call's return is the exact moment it is gone.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bridge_core::{BridgeError, ErrorCode};

use crate::{Sensitive, TokenStore};

pub(crate) async fn get(
    store: &Arc<dyn TokenStore>,
    key: &str,
) -> Result<Option<Sensitive<String>>, BridgeError> {
    let (store, key) = (Arc::clone(store), key.to_string());
    run(move || store.get(&key)).await
}

pub(crate) async fn set(
    store: &Arc<dyn TokenStore>,
    key: &str,
    secret: Sensitive<String>,
) -> Result<(), BridgeError> {
    let (store, key) = (Arc::clone(store), key.to_string());
    run(move || store.set(&key, &secret)).await
}

/// Long enough for a person to type the keychain's password at its prompt, short enough that
/// an unattended run fails while someone is still looking.
pub(crate) const KEYCHAIN_PATIENCE: Duration = Duration::from_secs(90);

/// One per process: a process talks to one OS keychain, whichever store or connection asks.
static PROCESS_STALLS: Stalls = Stalls::new();

async fn run<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, BridgeError> + Send + 'static,
) -> Result<T, BridgeError> {
    run_within(KEYCHAIN_PATIENCE, &PROCESS_STALLS, call).await
}

async fn run_within<T: Send + 'static>(
    patience: Duration,
    stalls: &'static Stalls,
    call: impl FnOnce() -> Result<T, BridgeError> + Send + 'static,
) -> Result<T, BridgeError> {
    if stalls.any() {
        return Err(locked_keychain(format!(
            "the OS keychain has still not answered a call this process gave up on after {} s",
            patience.as_secs()
        )));
    }
    let phase = Arc::new(Mutex::new(Phase::Waiting));
    let finished = Finished {
        phase: Arc::clone(&phase),
        stalls,
    };
    // On timeout the blocking thread stays parked on the keychain; it is the store's thread,
    // not ours to kill, and ends when the keychain answers or the process exits.
    let mut call = tokio::task::spawn_blocking(move || {
        let _finished = finished;
        call()
    });
    match tokio::time::timeout(patience, &mut call).await {
        Ok(joined) => outcome(joined),
        Err(_) if give_up(&phase, stalls) => Err(locked_keychain(format!(
            "the OS keychain did not answer within {} s",
            patience.as_secs()
        ))),
        // It answered just as we gave up: the answer is there, take it.
        Err(_) => outcome(call.await),
    }
}

fn outcome<T>(
    joined: Result<Result<T, BridgeError>, tokio::task::JoinError>,
) -> Result<T, BridgeError> {
    joined.map_err(|e| BridgeError::internal(format!("a secret store call did not finish: {e}")))?
}

/// `what` happened, then the reason and what to do, so the slow and the fast failure read alike.
fn locked_keychain(what: String) -> BridgeError {
    BridgeError::new(
        ErrorCode::SecretStore,
        format!(
            "{what}: it is probably locked and waiting for its password. Unlock it (log in to \
             the desktop session, or unlock the keyring), then try again"
        ),
    )
}

/// The keychain calls that gave up waiting and are still parked on the keychain.
pub(crate) struct Stalls {
    parked: Mutex<usize>,
}

impl Stalls {
    const fn new() -> Self {
        Self {
            parked: Mutex::new(0),
        }
    }

    fn any(&self) -> bool {
        *self.count() > 0
    }

    // A panic elsewhere while holding this lock cannot leave the count half-written: take it.
    fn count(&self) -> MutexGuard<'_, usize> {
        self.parked.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where one call stands. Shared by the caller and the blocking thread, and changed under its
/// lock, so a call that answers right at the deadline is either counted as parked and later
/// uncounted, or never counted.
#[derive(PartialEq)]
enum Phase {
    Waiting,
    GaveUp,
    Done,
}

fn lock(phase: &Mutex<Phase>) -> MutexGuard<'_, Phase> {
    phase.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The caller stops waiting: true if the call is now counted as parked, false if it had
/// already finished.
fn give_up(phase: &Mutex<Phase>, stalls: &Stalls) -> bool {
    let mut phase = lock(phase);
    if *phase == Phase::Done {
        return false;
    }
    *phase = Phase::GaveUp;
    *stalls.count() += 1;
    true
}

/// Dropped when the blocking call returns, or unwinds: a store that panics has answered too.
struct Finished {
    phase: Arc<Mutex<Phase>>,
    stalls: &'static Stalls,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let mut phase = lock(&self.phase);
        if *phase == Phase::GaveUp {
            let mut parked = self.stalls.count();
            *parked = parked.saturating_sub(1);
        }
        *phase = Phase::Done;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn a_keychain_that_never_answers_fails_with_a_reason() {
        static STALLS: Stalls = Stalls::new();
        let (release, parked) = std::sync::mpsc::channel::<()>();
        let waited = run_within(Duration::from_millis(50), &STALLS, move || {
            // As a Secret Service read waiting on an unlock prompt does.
            let _ = parked.recv();
            Ok(())
        })
        .await;
        let err = waited.expect_err("a call that never returns must not hang its caller");
        assert_eq!(err.code, ErrorCode::SecretStore);
        assert!(err.message.contains("did not answer"), "{}", err.message);
        assert!(err.message.contains("locked"), "{}", err.message);
        release.send(()).ok();
    }

    #[tokio::test]
    async fn after_a_call_never_answers_later_calls_fail_at_once_until_it_does() {
        static STALLS: Stalls = Stalls::new();
        let (release, parked) = std::sync::mpsc::channel::<()>();
        let first = run_within(Duration::from_millis(50), &STALLS, move || {
            let _ = parked.recv();
            Ok(0)
        })
        .await;
        assert!(first.is_err(), "the first call should have given up");

        // An hour's patience: only failing before the call starts can end this one quickly,
        // and a call that runs would answer 7.
        let reached = Arc::new(AtomicBool::new(false));
        let second = run_within(Duration::from_secs(3600), &STALLS, {
            let reached = Arc::clone(&reached);
            move || {
                reached.store(true, Ordering::SeqCst);
                Ok(7)
            }
        })
        .await;
        let err = second.expect_err("a call behind a parked one must fail, not run");
        assert!(
            !reached.load(Ordering::SeqCst),
            "the keychain was called again"
        );
        assert_eq!(err.code, ErrorCode::SecretStore);
        assert!(
            err.message.contains("still not answered"),
            "{}",
            err.message
        );
        assert!(err.message.contains("locked"), "{}", err.message);

        // The parked call gets its answer (its prompt was unlocked): calls go through again.
        release.send(()).expect("the parked call is waiting");
        for _ in 0..1000 {
            if !STALLS.any() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let third = run_within(Duration::from_secs(3600), &STALLS, || Ok(7)).await;
        assert_eq!(third.expect("the keychain answers again"), 7);
    }

    #[tokio::test]
    async fn an_answer_in_time_is_passed_through() {
        static STALLS: Stalls = Stalls::new();
        let answer = run_within(Duration::from_secs(5), &STALLS, || Ok(7)).await;
        assert_eq!(answer.unwrap(), 7);
        assert!(
            !STALLS.any(),
            "a call that answered must not count as parked"
        );
    }
}
