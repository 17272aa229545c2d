import { useEffect, useRef, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { PageHeader } from "../components/PageHeader";
import { ProgressBar } from "../components/SyncIndicator";
import { useAction } from "../hooks/useAction";
import { cancelSummary, monotone, pairResult } from "../logic/planModel";
import { api, onSyncProgress } from "../platform";
import { routeQuery } from "../router";
import type { ApplyView, PlanView as Plan, SyncProgress } from "../platform";
import { History } from "./sync/History";
import { BreakdownTable, PlanView } from "./sync/PlanView";

function AppliedSummary({ result }: { result: ApplyView }) {
  const cancelled = cancelSummary(result.pairs);
  return (
    <div data-testid="apply-result">
      {cancelled ? (
        <p className="inline-problem" data-testid="cancel-summary">
          {cancelled}
        </p>
      ) : null}
      <ul className="applied">
        {result.pairs.map((p) => (
          <li key={p.runId} data-testid="pair-result" data-pair={p.pairName}>
            <strong>{p.pairName}</strong>: {pairResult(p)}
            {p.conflicts.length > 0 ? `; ${p.conflicts.length} conflicts for review` : ""}
          </li>
        ))}
      </ul>
      {result.notInPreview > 0 ? (
        <p className="muted" data-testid="not-in-preview">
          {result.notInPreview} writes were not in the preview: tasks and notes of contacts this apply created (they can
          only be planned once the contact exists).
        </p>
      ) : null}
      <BreakdownTable pairs={result.pairs} applied />
    </div>
  );
}

export function SyncPage() {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [changed, setChanged] = useState<number | null>(null);
  const [applied, setApplied] = useState<ApplyView | null>(null);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [generation, setGeneration] = useState(0);
  const { busy, error, run } = useAction();

  useEffect(() => onSyncProgress((p) => setProgress((previous) => monotone(previous, p))), []);

  const preview = () =>
    void run("plan", async () => {
      setApplied(null);
      setChanged(null);
      setProgress(null);
      setPlan(await api.planSync());
      setGeneration((g) => g + 1);
    });

  const apply = (anyway: boolean) => void run("apply", () => applyPlan(plan, anyway));

  // Writes `shown` (the plan on screen), or says first what changed since it was planned.
  const applyPlan = async (shown: Plan | null, anyway: boolean) => {
      if (!shown) return;
      setProgress(null);
      try {
        const result = await api.applySync(shown.planId, anyway);
        if (result.status === "changed" && result.plan) {
          setPlan(result.plan);
          setChanged(result.differ);
          return;
        }
        setChanged(null);
        setApplied(result);
        setPlan(null);
      } finally {
        setGeneration((g) => g + 1);
      }
  };

  // The command palette's Preview and Apply start here (`#/sync?run=preview|apply`). Apply
  // from the palette previews, shows that plan, then writes exactly it.
  const started = useRef(false);
  useEffect(() => {
    const wanted = routeQuery().get("run");
    if (started.current || (wanted !== "preview" && wanted !== "apply")) return;
    started.current = true;
    if (wanted === "preview") preview();
    else
      void run("apply", async () => {
        setApplied(null);
        setChanged(null);
        const planned = await api.planSync();
        setPlan(planned);
        await applyPlan(planned, false);
      });
    // Once, when the page opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <>
      <PageHeader title="Sync">
        Move contact changes between GHL and your apps, and see what happened.
      </PageHeader>
      <section className="card" aria-labelledby="now-heading">
        <h2 id="now-heading" className="card-title">
          Sync now
        </h2>
        <p className="muted">
          First a preview: both sides are read and every write is listed, per app and kind. Apply writes that plan;
          if anything changed since, you are told first.
        </p>
        <div className="actions">
          <button type="button" className="button primary" data-testid="sync-now" disabled={busy !== null} onClick={preview}>
            {busy === "plan" ? "Reading both sides…" : "Preview"}
          </button>
          {plan && changed === null ? (
            <button
              type="button"
              className="button primary"
              data-testid="apply-plan"
              data-plan-id={plan.planId}
              disabled={busy !== null}
              onClick={() => apply(false)}
            >
              Apply this plan
            </button>
          ) : null}
          {busy === "apply" ? (
            <button type="button" className="button" data-testid="cancel-sync" onClick={() => void api.cancelSync()}>
              Cancel
            </button>
          ) : null}
        </div>
        {changed !== null && plan ? (
          <div className="notice" role="alert" data-testid="plan-changed">
            <p>
              {changed} {changed === 1 ? "change differs" : "changes differ"} from the preview: the plan below is the
              new one.
            </p>
            <div className="actions">
              <button type="button" className="button" data-testid="review-again" onClick={() => setChanged(null)}>
                Review again
              </button>
              <button
                type="button"
                className="button primary"
                data-testid="apply-anyway"
                disabled={busy !== null}
                onClick={() => apply(true)}
              >
                Apply anyway
              </button>
            </div>
          </div>
        ) : null}
        {error ? <ErrorBox title="The sync did not finish." error={error} /> : null}
        {busy === "apply" ? <ProgressBar progress={progress} /> : null}
        {applied ? <AppliedSummary result={applied} /> : null}
        {plan && busy !== "apply" ? <PlanView pairs={plan.pairs} /> : null}
      </section>
      <History generation={generation} onChanged={() => setGeneration((g) => g + 1)} />
    </>
  );
}
