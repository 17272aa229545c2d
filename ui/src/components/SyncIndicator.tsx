import { useEffect, useState } from "react";
import { monotone, progressFigures } from "../logic/planModel";
import { api, onSyncFinished, onSyncProgress } from "../platform";
import type { SyncFinished, SyncProgress } from "../platform";

/** The progress bar of a running sync: total known from the plan, never going backwards. */
export function ProgressBar({ progress, testId = "sync-progress" }: { progress: SyncProgress | null; testId?: string }) {
  const figures = progressFigures(progress);
  // Writes the preview could not know (tasks of contacts the apply creates) raise the total
  // while it runs: the text says so, and the bar holds its place instead of going back.
  const [floor, setFloor] = useState({ work: "", percent: 0 });
  const work = progress?.work ?? "";
  const held = floor.work === work ? floor.percent : 0;
  const percent = Math.max(held, figures.percent);
  if (floor.work !== work || floor.percent !== percent) setFloor({ work, percent });
  const { text } = figures;
  return (
    <div className="progress" data-testid={testId}>
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-label="Sync progress"
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <p>
        <strong data-testid={`${testId}-percent`}>{percent}%</strong>{" "}
        <span className="muted" data-testid={`${testId}-text`}>
          {text}
        </span>
      </p>
    </div>
  );
}

/**
 * The sync running now (a preview, an apply, a retry or the scheduled one), on every page:
 * its progress and a Cancel button, and how the last one ended. It asks what runs when it
 * mounts, so it survives navigation and reloads.
 */
export function SyncIndicator() {
  const [running, setRunning] = useState<string | null>(null);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [finished, setFinished] = useState<SyncFinished | null>(null);
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    let live = true;
    Promise.resolve()
      .then(() => api.syncStatus())
      .then((status) => {
        if (!live || !status?.running) return;
        setRunning(status.running);
        setProgress(status.progress);
        setCancelling(status.cancelRequested);
      })
      .catch(() => {});
    const offProgress = onSyncProgress((p) => {
      setRunning(p.work);
      setFinished(null);
      setProgress((previous) => monotone(previous, p));
    });
    const offFinished = onSyncFinished((f) => {
      setRunning(null);
      setProgress(null);
      setCancelling(false);
      setFinished(f);
    });
    return () => {
      live = false;
      offProgress();
      offFinished();
    };
  }, []);

  if (!running && !finished) return null;
  return (
    <div className="sync-indicator" role="status" data-testid="sync-indicator" data-work={running ?? ""}>
      {running ? (
        <>
          <span>
            <strong>{running === "scheduled" ? "Scheduled sync" : running === "preview" ? "Preview" : "Sync"}</strong> running
          </span>
          <ProgressBar progress={progress} testId="indicator-progress" />
          <button
            type="button"
            className="button"
            data-testid="indicator-cancel"
            disabled={cancelling}
            onClick={() => {
              setCancelling(true);
              void api.cancelSync();
            }}
          >
            {cancelling ? "Cancelling…" : "Cancel"}
          </button>
        </>
      ) : finished ? (
        <>
          <span data-testid="indicator-finished" className={finished.ok ? "" : "inline-problem"}>
            {finished.message}
          </span>
          <button type="button" className="button" onClick={() => setFinished(null)}>
            Dismiss
          </button>
        </>
      ) : null}
    </div>
  );
}
