use std::sync::Arc;

use reqwest::header::HeaderValue;

use super::*;

fn budget(max: u32, window_secs: u64) -> RateBudget {
    RateBudget::new(
        "test app",
        RateLimits {
            max_per_window: max,
            window: Duration::from_secs(window_secs),
        },
        RateHeaderNames::ghl(),
    )
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

#[test]
fn the_safety_margin_is_three_percent_and_at_least_30_ms() {
    assert_eq!(
        safety_margin(Duration::from_secs(10)),
        Duration::from_millis(300)
    );
    assert_eq!(
        safety_margin(Duration::from_millis(500)),
        Duration::from_millis(30)
    );
}

#[tokio::test(start_paused = true)]
async fn waits_when_the_window_is_used_up_and_resumes_after_it() {
    let budget = budget(3, 10);
    let start = Instant::now();
    for _ in 0..3 {
        budget.acquire().await.unwrap();
    }
    assert_eq!(Instant::now(), start, "the first three need no wait");

    budget.acquire().await.unwrap();
    assert_eq!(
        Instant::now() - start,
        Duration::from_millis(10_300),
        "the fourth waits for the window (and its 3% margin) to pass"
    );
}

#[tokio::test(start_paused = true)]
async fn flat_out_callers_sharing_it_get_the_full_rate_and_never_more() {
    let budget = Arc::new(budget(100, 10));
    let start = Instant::now();
    let sent_at = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let budget = budget.clone();
        let sent_at = sent_at.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..125 {
                budget.acquire().await.unwrap();
                sent_at.lock().await.push(Instant::now() - start);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let sent_at = sent_at.lock().await;
    assert_eq!(sent_at.len(), 500);
    // 500 requests at 100 per 10 s: the last one goes out after four windows and their
    // margins, 41.2 s, not later (97% of the allowed rate) ...
    let last = sent_at.iter().max().copied().unwrap();
    assert_eq!(last, Duration::from_millis(41_200));
    // ... and no 10-second span ever holds more than 100.
    let mut times: Vec<Duration> = sent_at.clone();
    times.sort();
    for (i, t) in times.iter().enumerate() {
        let in_span = times[i..]
            .iter()
            .take_while(|u| **u < *t + Duration::from_secs(10))
            .count();
        assert!(in_span <= 100, "{in_span} requests within 10 s of {t:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn adopts_the_remotes_max_and_interval() {
    let budget = budget(100, 10);
    let permit = budget.acquire().await.unwrap();
    budget
        .observe(
            &permit,
            &headers(&[
                ("X-RateLimit-Max", "3"),
                ("X-RateLimit-Interval-Milliseconds", "2000"),
                ("X-RateLimit-Remaining", "2"),
            ]),
        )
        .await;
    let snapshot = budget.snapshot().await;
    assert_eq!(snapshot.max_per_window, 3);
    assert_eq!(snapshot.window, Duration::from_secs(2));

    let start = Instant::now();
    budget.acquire().await.unwrap();
    budget.acquire().await.unwrap();
    assert_eq!(Instant::now(), start);
    budget.acquire().await.unwrap();
    assert_eq!(Instant::now() - start, Duration::from_millis(2_060));
}

#[tokio::test(start_paused = true)]
async fn absurd_remote_numbers_are_clamped() {
    let budget = budget(100, 10);
    let permit = budget.acquire().await.unwrap();
    budget
        .observe(
            &permit,
            &headers(&[
                ("X-RateLimit-Max", "4294967295"),
                ("X-RateLimit-Interval-Milliseconds", "99999999999"),
                ("X-RateLimit-Remaining", "0"),
            ]),
        )
        .await;
    let snapshot = budget.snapshot().await;
    assert_eq!(snapshot.max_per_window, 10_000);
    assert_eq!(snapshot.window, Duration::from_secs(3600));
    assert!(snapshot.used_in_window <= 10_000);
}

#[tokio::test(start_paused = true)]
async fn requests_made_by_others_take_room() {
    let budget = budget(10, 10);
    let permit = budget.acquire().await.unwrap();
    // We sent one, yet the remote has only 2 left: 7 were sent by someone else.
    budget
        .observe(&permit, &headers(&[("X-RateLimit-Remaining", "2")]))
        .await;
    assert_eq!(budget.snapshot().await.used_in_window, 8);

    let start = Instant::now();
    budget.acquire().await.unwrap();
    budget.acquire().await.unwrap();
    assert_eq!(Instant::now(), start);
    budget.acquire().await.unwrap();
    assert_eq!(Instant::now() - start, Duration::from_millis(10_300));
}

#[tokio::test(start_paused = true)]
async fn our_own_requests_reported_back_are_not_counted_twice() {
    let budget = budget(10, 10);
    let mut permits = Vec::new();
    for _ in 0..5 {
        permits.push(budget.acquire().await.unwrap());
    }
    // Answers to our 5 requests arrive: the remote counted exactly those 5.
    for (i, permit) in permits.iter().enumerate() {
        let remaining = (10 - (i + 1)).to_string();
        budget
            .observe(permit, &headers(&[("X-RateLimit-Remaining", &remaining)]))
            .await;
    }
    assert_eq!(budget.snapshot().await.used_in_window, 5);
}

#[tokio::test(start_paused = true)]
async fn a_late_answer_holds_only_its_own_slot_and_a_stale_count_stalls_nothing() {
    let budget = budget(10, 10);
    let mut permits = Vec::new();
    for _ in 0..10 {
        permits.push(budget.acquire().await.unwrap());
    }
    tokio::time::advance(Duration::from_millis(10_300)).await;
    // The answer to the tenth request arrives late, saying the remote's window was full.
    // The remote counted that request some time before now, so its slot is held one
    // window from now; the nine others have left the window, and the stale count (a slot
    // held when it was given has freed since) holds back nothing.
    budget
        .observe(&permits[9], &headers(&[("X-RateLimit-Remaining", "0")]))
        .await;
    let start = Instant::now();
    for _ in 0..9 {
        budget.acquire().await.unwrap();
    }
    assert_eq!(
        Instant::now(),
        start,
        "the window's free room is all usable"
    );
    budget.acquire().await.unwrap();
    assert_eq!(
        Instant::now() - start,
        Duration::from_secs(10),
        "the late request's slot frees one window after its answer came"
    );
}

/// The remote counts a request when it arrives, we when it leaves: a request that arrived
/// late would be met with a 429 if only our stamps counted. The remote's own count (it
/// says 0 left) and the answer's arrival hold the next request until the remote has room.
#[tokio::test(start_paused = true)]
async fn a_remote_that_says_none_are_left_is_waited_out_not_met() {
    let budget = budget(2, 1);
    let start = Instant::now();
    let first = budget.acquire().await.unwrap();
    // The first request spends 600 ms on its way (a starved process, a slow network):
    // the remote counts it at 0.6 s.
    tokio::time::advance(Duration::from_millis(600)).await;
    budget
        .observe(&first, &headers(&[("X-RateLimit-Remaining", "1")]))
        .await;
    let second = budget.acquire().await.unwrap();
    budget
        .observe(&second, &headers(&[("X-RateLimit-Remaining", "0")]))
        .await;
    // By our stamps the first slot frees at 1.03 s; the remote holds it until 1.6 s.
    budget.acquire().await.unwrap();
    assert!(
        Instant::now() - start >= Duration::from_millis(1600),
        "waited until the remote had room: {:?}",
        Instant::now() - start
    );
}

#[tokio::test(start_paused = true)]
async fn a_pause_holds_every_task_and_never_shortens() {
    let budget = Arc::new(budget(10, 10));
    budget.acquire().await.unwrap();
    budget.pause_for(Duration::from_secs(3)).await;
    budget.pause_for(Duration::from_secs(1)).await;
    let start = Instant::now();
    let other = {
        let budget = budget.clone();
        tokio::spawn(async move {
            budget.acquire().await.unwrap();
            Instant::now()
        })
    };
    budget.acquire().await.unwrap();
    assert_eq!(Instant::now() - start, Duration::from_secs(3));
    assert_eq!(other.await.unwrap() - start, Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn daily_quota_used_up_is_a_clear_rate_limited_error() {
    let budget = budget(10, 10);
    let permit = budget.acquire().await.unwrap();
    budget
        .observe(&permit, &headers(&[("X-RateLimit-Daily-Remaining", "0")]))
        .await;
    let err = budget.acquire().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::RateLimited);
    assert!(err.message.contains("test app"), "{}", err.message);
    assert!(err.message.contains("daily"), "{}", err.message);
    assert!(
        budget.acquire().await.is_err(),
        "still used up a minute later"
    );

    // Later, one probe goes through; a fresh count from the remote lifts the stop.
    tokio::time::advance(DAILY_PROBE_INTERVAL).await;
    let probe = budget.acquire().await.unwrap();
    budget
        .observe(
            &probe,
            &headers(&[("X-RateLimit-Daily-Remaining", "199999")]),
        )
        .await;
    budget.acquire().await.unwrap();
    assert_eq!(budget.snapshot().await.daily_remaining, Some(199_998));
}

#[tokio::test(start_paused = true)]
async fn counts_daily_use_down_between_answers() {
    let budget = budget(10, 10);
    let permit = budget.acquire().await.unwrap();
    budget
        .observe(&permit, &headers(&[("X-RateLimit-Daily-Remaining", "2")]))
        .await;
    budget.acquire().await.unwrap();
    budget.acquire().await.unwrap();
    let err = budget.acquire().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::RateLimited);
}

#[tokio::test(start_paused = true)]
async fn header_names_are_configurable_per_app() {
    let budget = RateBudget::new(
        "other app",
        RateLimits {
            max_per_window: 50,
            window: Duration::from_secs(1),
        },
        RateHeaderNames {
            max: "ratelimit-limit".into(),
            remaining: "ratelimit-remaining".into(),
            interval_ms: "ratelimit-window-ms".into(),
            daily_remaining: None,
        },
    );
    let permit = budget.acquire().await.unwrap();
    budget
        .observe(
            &permit,
            &headers(&[
                ("ratelimit-limit", "7"),
                ("X-RateLimit-Max", "1000"),
                ("X-RateLimit-Daily-Remaining", "0"),
            ]),
        )
        .await;
    let snapshot = budget.snapshot().await;
    assert_eq!(snapshot.max_per_window, 7);
    assert_eq!(snapshot.daily_remaining, None);
}

#[tokio::test(start_paused = true)]
async fn unreadable_headers_change_nothing() {
    let budget = budget(10, 10);
    let permit = budget.acquire().await.unwrap();
    budget
        .observe(
            &permit,
            &headers(&[
                ("X-RateLimit-Max", "lots"),
                ("X-RateLimit-Interval-Milliseconds", "0"),
                ("X-RateLimit-Remaining", "-1"),
            ]),
        )
        .await;
    let snapshot = budget.snapshot().await;
    assert_eq!(snapshot.max_per_window, 10);
    assert_eq!(snapshot.window, Duration::from_secs(10));
    assert_eq!(snapshot.used_in_window, 1);
}
