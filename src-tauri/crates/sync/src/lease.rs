//! One sync per database at a time. The window's schedule and a cron `bridge sync` may start
//! together on one database; without this they would plan the same changes and both send them.
//!
//! Whoever writes takes the database's lease (a row: owner, trigger, pid, host, start, expiry)
//! and renews it from a thread of its own while it runs. Another process waits for it, up to a
//! limit, then says who holds it. A lease is taken over only once it has expired (its holder
//! stopped renewing: frozen, or killed on another host), or at once when its holder was a
//! process of this host that no longer exists (killed: the next run need not wait out the
//! expiry).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bridge_core::{BridgeError, Clock, ErrorCode, SystemClock};
use bridge_store::table::sync_lease::{self, LeaseRow};
use bridge_store::{timestamp, Store};

/// How long a second sync waits for the first by default: short, so a cron run that finds the
/// previous one still busy says so instead of piling up.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// The lease's clockwork.
#[derive(Debug, Clone, Copy)]
pub struct LeaseTimes {
    /// How long a lease lasts unless renewed.
    pub ttl: Duration,
    /// How often its holder renews it (well within `ttl`, so one slow renewal loses nothing).
    pub renew_every: Duration,
    /// How often a waiting process looks again.
    pub poll: Duration,
}

impl Default for LeaseTimes {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(60),
            renew_every: Duration::from_secs(15),
            poll: Duration::from_millis(250),
        }
    }
}

/// The right to write to one database, held until released or dropped.
pub struct Lease {
    owner: String,
    waited: Option<(Duration, LeaseRow)>,
    lost: Arc<AtomicBool>,
    renewer: Option<Renewer>,
}

struct Renewer {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Lease {
    /// Takes the lease of `store`'s database for `trigger` (cli, manual, schedule…), waiting up
    /// to `wait` for another holder to finish.
    pub async fn take(store: &Store, trigger: &str, wait: Duration) -> Result<Lease, BridgeError> {
        Self::take_with(store, trigger, wait, LeaseTimes::default()).await
    }

    /// Takes the lease now, or fails at once naming the sync that holds it: for the
    /// operator's short writes (settling a conflict) made outside a sync. It never waits, so
    /// driving [`Self::take_with`] with a zero wait to its end needs no timer or runtime (its
    /// only sleeps are between attempts, and a zero wait makes no second attempt).
    pub fn take_now(store: &Store, trigger: &str) -> Result<Lease, BridgeError> {
        futures::executor::block_on(Self::take_with(
            store,
            trigger,
            Duration::ZERO,
            LeaseTimes::default(),
        ))
    }

    pub async fn take_with(
        store: &Store,
        trigger: &str,
        wait: Duration,
        times: LeaseTimes,
    ) -> Result<Lease, BridgeError> {
        // Wall time, whatever clock the sync plans with: other processes read the expiry.
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let owner = new_owner();
        let host = this_host();
        let began = Instant::now();
        let mut first_holder: Option<LeaseRow> = None;
        loop {
            let now = clock.now();
            let wanted = LeaseRow {
                owner: owner.clone(),
                trigger: trigger.to_string(),
                pid: std::process::id(),
                host: host.clone(),
                started_at: timestamp(now),
                renewed_at: timestamp(now),
                expires_at: timestamp(now + to_chrono(times.ttl)),
            };
            let holder = sync_lease::holder(store.conn())?;
            let gone = holder.as_ref().filter(|h| holder_is_gone(h, &host));
            let taken = match sync_lease::take(
                store.conn(),
                &wanted,
                now,
                gone.map(|h| h.owner.as_str()),
            ) {
                Ok(taken) => taken,
                // The holder is in a long write (busy timeout): it still holds the lease.
                Err(e) if e.code == ErrorCode::Storage && began.elapsed() < wait => {
                    tracing::debug!("the sync lease could not be read yet: {}", e.message);
                    tokio::time::sleep(times.poll).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if taken {
                if let Some(gone) = gone {
                    tracing::warn!(
                        pid = gone.pid,
                        "took over the sync lease of a process that no longer runs"
                    );
                }
                let waited = first_holder.map(|h| (began.elapsed(), h));
                if let Some((took, h)) = &waited {
                    tracing::warn!(
                        "waited {:.1} s for another sync (started by {} pid {} on {} at {}); syncing now",
                        took.as_secs_f64(),
                        h.trigger,
                        h.pid,
                        h.host,
                        h.started_at
                    );
                }
                let lost = Arc::new(AtomicBool::new(false));
                let renewer = match store.path() {
                    Some(path) => Some(Renewer::start(
                        path,
                        owner.clone(),
                        clock,
                        times,
                        lost.clone(),
                    )?),
                    // A database in memory is this process's alone: nobody else to keep out.
                    None => None,
                };
                return Ok(Lease {
                    owner,
                    waited,
                    lost,
                    renewer,
                });
            }
            let holder = match sync_lease::holder(store.conn())? {
                Some(holder) => holder,
                // Released between the two statements: try again at once.
                None => continue,
            };
            if began.elapsed() >= wait {
                return Err(busy(&holder, began.elapsed()));
            }
            first_holder.get_or_insert(holder);
            tokio::time::sleep(times.poll.min(wait.saturating_sub(began.elapsed()))).await;
        }
    }

    /// How long this lease was waited for, and who held it then (`None`: it was free).
    pub fn waited(&self) -> Option<&(Duration, LeaseRow)> {
        self.waited.as_ref()
    }

    /// Fails once the lease was lost (this process stopped renewing long enough for another
    /// to take it over): the work must stop rather than write beside the new holder.
    pub fn check(&self) -> Result<(), BridgeError> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(BridgeError::new(
                ErrorCode::Conflict,
                "this sync stopped: it could not renew its lease in time and another sync took \
                 the database over (what was written stays journaled)",
            ));
        }
        Ok(())
    }

    /// Gives the lease up.
    pub fn release(mut self, store: &Store) -> Result<(), BridgeError> {
        self.stop_renewing();
        sync_lease::release(store.conn(), &self.owner)
    }

    /// Gives the lease up once `work` is done, and returns its result (its error before the
    /// release's).
    pub fn release_after<T>(
        self,
        store: &Store,
        work: Result<T, BridgeError>,
    ) -> Result<T, BridgeError> {
        let released = self.release(store);
        let value = work?;
        released?;
        Ok(value)
    }

    fn stop_renewing(&mut self) {
        if let Some(renewer) = self.renewer.take() {
            // The renewer releases the lease on its way out.
            let _ = renewer.stop.send(());
            let _ = renewer.thread.join();
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.stop_renewing();
    }
}

impl Renewer {
    /// Renews the lease every `times.renew_every` on a connection of its own, so a sync busy
    /// in a long request (or waiting out a 429) keeps it.
    fn start(
        path: &std::path::Path,
        owner: String,
        clock: Arc<dyn Clock>,
        times: LeaseTimes,
        lost: Arc<AtomicBool>,
    ) -> Result<Renewer, BridgeError> {
        let store = Store::open(path)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sync-lease".into())
            .spawn(move || loop {
                match stopped.recv_timeout(times.renew_every) {
                    Err(RecvTimeoutError::Timeout) => {
                        let now = clock.now();
                        match sync_lease::renew(
                            store.conn(),
                            &owner,
                            now + to_chrono(times.ttl),
                            now,
                        ) {
                            Ok(true) => {}
                            Ok(false) => {
                                tracing::error!("the sync lease was taken over by another process");
                                lost.store(true, Ordering::SeqCst);
                                return;
                            }
                            // Tried again next time; the lease lasts several renewals.
                            Err(e) => {
                                tracing::warn!("could not renew the sync lease: {}", e.message)
                            }
                        }
                    }
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                        if let Err(e) = sync_lease::release(store.conn(), &owner) {
                            tracing::warn!("could not release the sync lease: {}", e.message);
                        }
                        return;
                    }
                }
            })
            .map_err(|e| BridgeError::internal(format!("cannot start the lease renewer: {e}")))?;
        Ok(Renewer { stop, thread })
    }
}

/// What a sync that could not get the lease says.
fn busy(holder: &LeaseRow, waited: Duration) -> BridgeError {
    BridgeError::new(
        ErrorCode::Conflict,
        format!(
            "another sync is running (started by {} pid {} on {} at {}); gave up after waiting {} s — \
             try again when it ends, or wait longer (`bridge sync --wait SECS`)",
            holder.trigger,
            holder.pid,
            holder.host,
            holder.started_at,
            waited.as_secs()
        ),
    )
}

/// Whether `holder` was a process of this host that has ended (a killed sync).
fn holder_is_gone(holder: &LeaseRow, host: &str) -> bool {
    holder.host == host && holder.pid != std::process::id() && !process_runs(holder.pid)
}

#[cfg(unix)]
fn process_runs(pid: u32) -> bool {
    use nix::errno::Errno;
    let Ok(pid) = i32::try_from(pid) else {
        return true;
    };
    // Signal 0 checks the process exists without touching it; EPERM: it does, not ours.
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(Errno::ESRCH)
    )
}

#[cfg(not(unix))]
fn process_runs(_pid: u32) -> bool {
    // Not checked here: the lease is taken over once it expires.
    true
}

fn this_host() -> String {
    #[cfg(unix)]
    if let Some(name) = nix::unistd::gethostname()
        .ok()
        .and_then(|n| n.into_string().ok())
    {
        return name;
    }
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "unknown host".into())
}

/// A token no other holding shares: this process, this moment, and a counter.
fn new_owner() -> String {
    static HELD: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}:{}:{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        HELD.fetch_add(1, Ordering::SeqCst)
    )
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> LeaseTimes {
        LeaseTimes {
            ttl: Duration::from_millis(1500),
            renew_every: Duration::from_millis(100),
            poll: Duration::from_millis(20),
        }
    }

    fn file_store(dir: &tempfile::TempDir) -> Store {
        Store::open(&dir.path().join("bridge.sqlite3")).unwrap()
    }

    #[tokio::test]
    async fn a_second_taker_is_refused_with_who_holds_the_lease() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(&dir);
        let first = Lease::take_with(&store, "schedule", Duration::ZERO, quick())
            .await
            .unwrap();
        let refused = Lease::take_with(&store, "cli", Duration::from_millis(100), quick())
            .await
            .err()
            .unwrap();
        assert_eq!(refused.code, ErrorCode::Conflict);
        let expected = format!(
            "another sync is running (started by schedule pid {} on {} at ",
            std::process::id(),
            this_host()
        );
        assert!(
            refused.message.starts_with(&expected),
            "{}",
            refused.message
        );
        first.release(&store).unwrap();
        let second = Lease::take_with(&store, "cli", Duration::ZERO, quick())
            .await
            .unwrap();
        assert!(second.waited().is_none(), "it was free");
    }

    #[tokio::test]
    async fn a_renewed_lease_outlives_its_ttl_and_a_waiter_gets_it_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(&dir);
        let first = Lease::take_with(&store, "schedule", Duration::ZERO, quick())
            .await
            .unwrap();
        // Two TTLs later the renewer has kept it.
        tokio::time::sleep(quick().ttl * 2).await;
        assert!(
            Lease::take_with(&store, "cli", Duration::ZERO, quick())
                .await
                .is_err(),
            "the renewed lease is still held"
        );
        first.check().unwrap();
        let path = dir.path().join("bridge.sqlite3");
        // Another process, as far as the lease can tell: its own connection and runtime.
        let waiter = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let store = Store::open(&path).unwrap();
            let lease = runtime
                .block_on(Lease::take_with(
                    &store,
                    "cli",
                    Duration::from_secs(30),
                    quick(),
                ))
                .unwrap();
            let waited = lease.waited().map(|(_, holder)| holder.trigger.clone());
            lease.release(&store).unwrap();
            waited
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(first);
        assert_eq!(waiter.join().unwrap().as_deref(), Some("schedule"));
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_and_its_holder_learns_it_lost_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(&dir);
        // A holder that renews too late (frozen for longer than the TTL).
        let late = LeaseTimes {
            renew_every: quick().ttl + quick().ttl / 2,
            ..quick()
        };
        let stalled = Lease::take_with(&store, "schedule", Duration::ZERO, late)
            .await
            .unwrap();
        let taker = Lease::take_with(&store, "cli", Duration::from_secs(30), quick())
            .await
            .unwrap();
        let (waited, holder) = taker.waited().expect("it waited for the expiry");
        assert!(*waited >= quick().ttl / 2, "{waited:?}");
        assert_eq!(holder.owner, stalled.owner);
        // The stalled holder's renewal finds the lease gone: its work must stop.
        tokio::time::sleep(quick().ttl).await;
        assert_eq!(stalled.check().unwrap_err().code, ErrorCode::Conflict);
        drop(stalled);
        assert_eq!(
            sync_lease::holder(store.conn()).unwrap().unwrap().owner,
            taker.owner,
            "the old holder's release does not free the new holder's lease"
        );
        taker.check().unwrap();
    }

    #[tokio::test]
    async fn the_lease_of_a_process_that_ended_is_taken_over_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(&dir);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let ended = child.id();
        child.wait().unwrap();
        let now = chrono::Utc::now();
        let dead = LeaseRow {
            owner: "killed".into(),
            trigger: "cli".into(),
            pid: ended,
            host: this_host(),
            started_at: timestamp(now),
            renewed_at: timestamp(now),
            expires_at: timestamp(now + chrono::Duration::hours(1)),
        };
        assert!(sync_lease::take(store.conn(), &dead, now, None).unwrap());
        let lease = Lease::take_with(&store, "cli", Duration::ZERO, quick())
            .await
            .unwrap();
        assert!(lease.waited().is_none());
        // The same row on another host is left alone until it expires.
        lease.release(&store).unwrap();
        let elsewhere = LeaseRow {
            host: "another-host".into(),
            ..dead
        };
        assert!(sync_lease::take(store.conn(), &elsewhere, now, None).unwrap());
        assert!(Lease::take_with(&store, "cli", Duration::ZERO, quick())
            .await
            .is_err());
    }
}
