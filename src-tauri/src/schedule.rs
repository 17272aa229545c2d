//! The optional schedule: while the app is open, sync every N minutes (Settings).

use std::time::{Duration, Instant};

use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// How often the timer looks at the settings (a changed schedule applies within this).
const TICK: Duration = Duration::from_secs(20);

pub async fn run(app: AppHandle) {
    let mut last_run = Instant::now();
    loop {
        tokio::time::sleep(TICK).await;
        let minutes = match crate::commands::settings::load(&app) {
            Ok(settings) => settings.schedule_minutes,
            Err(e) => {
                tracing::warn!("schedule: {}", e.message);
                None
            }
        };
        let next = minutes.map(|m| {
            let left = Duration::from_secs(u64::from(m) * 60).saturating_sub(last_run.elapsed());
            chrono::Utc::now() + chrono::Duration::from_std(left).unwrap_or_default()
        });
        if let Ok(mut at) = app.state::<AppState>().next_scheduled_at.lock() {
            *at = next.map(|n| n.to_rfc3339());
        }
        let Some(minutes) = minutes else { continue };
        if last_run.elapsed() < Duration::from_secs(u64::from(minutes) * 60) {
            continue;
        }
        last_run = Instant::now();
        tracing::info!(every_minutes = minutes, "scheduled sync");
        if let Err(e) = crate::commands::sync::scheduled(app.clone()).await {
            tracing::warn!(code = %e.code, "scheduled sync did not run: {}", e.message);
        }
    }
}
