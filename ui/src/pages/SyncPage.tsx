import { useEffect, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { PageHeader } from "../components/PageHeader";
import { useAction } from "../hooks/useAction";
import { progressFigures } from "../logic/planModel";
import { api, onSyncProgress } from "../platform";
import type { PairOutcome, SyncProgress } from "../platform";
import { History } from "./sync/History";
import { PlanView } from "./sync/PlanView";

function ProgressBar({ progress }: { progress: SyncProgress | null }) {
  const { percent, text } = progressFigures(progress);
  return (
    <div className="progress" data-testid="sync-progress">
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
        <strong data-testid="sync-progress-percent">{percent}%</strong> <span className="muted">{text}</span>
      </p>
    </div>
  );
}

function AppliedSummary({ pairs }: { pairs: PairOutcome[] }) {
  return (
    <ul className="applied" data-testid="apply-result">
      {pairs.map((p) => (
        <li key={p.runId}>
          <strong>{p.pairName}</strong>:{" "}
          {p.applied
            ? `${p.applied.done} written, ${p.applied.alreadyDone} already done, ${p.applied.unconfirmed} unconfirmed, ${p.applied.dead} dead letters${p.applied.cancelled ? " (cancelled)" : ""}`
            : "nothing applied"}
          {p.conflicts.length > 0 ? `; ${p.conflicts.length} conflicts for review` : ""}
        </li>
      ))}
    </ul>
  );
}

export function SyncPage() {
  const [plan, setPlan] = useState<PairOutcome[] | null>(null);
  const [applied, setApplied] = useState<PairOutcome[] | null>(null);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [generation, setGeneration] = useState(0);
  const { busy, error, run } = useAction();

  useEffect(() => onSyncProgress(setProgress), []);

  const syncNow = () =>
    void run("plan", async () => {
      setApplied(null);
      setProgress(null);
      setPlan(await api.planSync());
      setGeneration((g) => g + 1);
    });

  const apply = () =>
    void run("apply", async () => {
      setProgress(null);
      try {
        const result = await api.applySync();
        setApplied(result);
        const written = result.reduce(
          (n, p) => n + (p.applied ? p.applied.done + p.applied.alreadyDone + p.applied.unconfirmed + p.applied.dead : 0),
          0,
        );
        const cancelled = result.some((p) => p.applied?.cancelled);
        // The last event may have been throttled away: the finished run is the truth.
        if (!cancelled) {
          setProgress((last) => ({
            done: last?.total ?? written,
            total: last?.total ?? written,
            ratePerSecond: last?.ratePerSecond ?? 0,
            etaSeconds: null,
          }));
        }
        setPlan(null);
      } finally {
        setGeneration((g) => g + 1);
      }
    });

  return (
    <>
      <PageHeader title="Sync">
        Move contact changes between GoHighLevel and your apps, and see what happened.
      </PageHeader>
      <section className="card" aria-labelledby="now-heading">
        <h2 id="now-heading" className="card-title">
          Sync now
        </h2>
        <p className="muted">
          First a plan: both sides are read and every change is listed. Nothing is written until
          you apply it.
        </p>
        <div className="actions">
          <button type="button" className="button primary" data-testid="sync-now" disabled={busy !== null} onClick={syncNow}>
            {busy === "plan" ? "Reading both sides…" : "Sync now"}
          </button>
          {plan ? (
            <button type="button" className="button primary" data-testid="apply-plan" disabled={busy !== null} onClick={apply}>
              Apply
            </button>
          ) : null}
          {busy === "apply" ? (
            <button type="button" className="button" data-testid="cancel-sync" onClick={() => void api.cancelSync()}>
              Cancel
            </button>
          ) : null}
        </div>
        {error ? <ErrorBox title="The sync did not finish." error={error} /> : null}
        {busy === "apply" || applied ? <ProgressBar progress={progress} /> : null}
        {applied ? <AppliedSummary pairs={applied} /> : null}
        {plan && busy !== "apply" ? <PlanView pairs={plan} /> : null}
      </section>
      <History generation={generation} onChanged={() => setGeneration((g) => g + 1)} />
    </>
  );
}
