import { useCallback, useEffect, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { Loading } from "../components/Loading";
import { PageHeader } from "../components/PageHeader";
import { useAction } from "../hooks/useAction";
import { useLoad } from "../hooks/useLoad";
import { pairStatus, reviewText, statusHint } from "../logic/overviewModel";
import { api, onSyncFinished } from "../platform";
import type { PairHealthView } from "../platform";

type ListKind = "failing" | "conflicts" | "reviews" | "deletes";

function when(instant: string | null): string {
  return instant ? new Date(instant).toLocaleString() : "—";
}

/** The items behind one count, each with what can be done about it. */
function ItemList({ pair, kind, onChanged }: { pair: PairHealthView; kind: ListKind; onChanged: () => void }) {
  const load = useCallback(async () => {
    switch (kind) {
      case "failing":
        return (await api.deadLetters())
          .filter((d) => d.pairId === pair.pairId)
          .map((d) => ({
            id: `d${d.id}`,
            text: `${d.action} ${d.objectKind} of ${d.contactName ?? d.contactId ?? "a record"}: ${d.lastError ?? d.state}`,
            actions: { kind: "retry" as const, id: d.id },
          }));
      case "conflicts":
        return (await api.listConflicts())
          .filter((c) => c.connectionId === pair.pairId)
          .map((c) => ({
            id: `c${c.id}`,
            text: `${c.contactName} · ${c.field}: GHL "${c.ghl ?? "(empty)"}" or ${pair.systemName} "${c.app ?? "(empty)"}" (was "${c.base ?? "(empty)"}")`,
            actions: { kind: "conflict" as const, id: c.id },
          }));
      case "reviews":
        return (await api.listReviews())
          .filter((r) => r.pairId === pair.pairId)
          .map((r) => ({
            id: `r${r.id}`,
            text: reviewText(r, pair.systemName),
            actions: { kind: "review" as const, review: r },
          }));
      case "deletes":
        return (await api.listDeletes())
          .filter((d) => d.pairId === pair.pairId && d.state === "waiting")
          .map((d) => ({
            id: `x${d.id}`,
            text: `${d.objectKind} ${d.summary}: deleted in ${d.deletedIn}, would be deleted from ${d.targetSystem}`,
            actions: { kind: "delete" as const, id: d.id },
          }));
    }
  }, [kind, pair]);
  const [state, reload] = useLoad(load);
  const { busy, error, run } = useAction();
  const after = () => {
    reload();
    onChanged();
  };
  if (state.status === "loading") return <Loading>Reading the list…</Loading>;
  if (state.status === "failed") return <ErrorBox title="The list could not be read." error={state.error} />;
  return (
    <div className="overview-list" data-testid={`overview-list-${kind}`}>
      {error ? <ErrorBox title="That did not work." error={error} /> : null}
      {state.data.length === 0 ? <p className="muted">Nothing here.</p> : null}
      <ul>
        {state.data.map((item) => {
          const act = item.actions;
          return (
          <li key={item.id} data-testid="overview-item">
            {item.text}{" "}
            {act?.kind === "retry" ? (
              <button type="button" className="button" data-testid="overview-retry-one" disabled={busy !== null} onClick={() => void run("retry-one", async () => { await api.retryDeadLetter(act.id); after(); })}>
                {busy === "retry-one" ? "Retrying…" : "Retry this"}
              </button>
            ) : null}
            {act?.kind === "review" ? (
              <span className="review-actions">
                {act.review.placeable
                  ? act.review.candidateIds.map((contact, i) => (
                      <button
                        key={contact}
                        type="button"
                        className="button"
                        data-testid="review-link"
                        disabled={busy !== null}
                        onClick={() => void run("review", async () => { await api.resolveReview(act.review.id, { kind: "link", contact }); after(); })}
                      >
                        It is {act.review.candidates[i] ?? contact}
                      </button>
                    ))
                  : null}
                {act.review.placeable ? (
                  <button
                    type="button"
                    className="button"
                    data-testid="review-create"
                    disabled={busy !== null}
                    onClick={() => void run("review", async () => { await api.resolveReview(act.review.id, { kind: "create" }); after(); })}
                  >
                    A new person (created in GHL)
                  </button>
                ) : null}
                <button
                  type="button"
                  className="button"
                  data-testid="review-ignore"
                  disabled={busy !== null}
                  onClick={() => void run("review", async () => { await api.resolveReview(act.review.id, { kind: "ignore" }); after(); })}
                >
                  Leave it as it is
                </button>
              </span>
            ) : null}
            {act?.kind === "conflict" ? (
              <>
                <button type="button" className="button" disabled={busy !== null} onClick={() => void run("keep", async () => { await api.resolveConflict(act.id, "ghl"); after(); })}>
                  Keep GHL&apos;s (written to {pair.systemName})
                </button>{" "}
                <button type="button" className="button" disabled={busy !== null} onClick={() => void run("keep", async () => { await api.resolveConflict(act.id, "app"); after(); })}>
                  Keep {pair.systemName}&apos;s (written to GHL)
                </button>
              </>
            ) : null}
            {act?.kind === "delete" ? (
              <>
                <button type="button" className="button" disabled={busy !== null} onClick={() => void run("decide", async () => { await api.decideDelete(act.id, true); after(); })}>
                  Approve the delete
                </button>{" "}
                <button type="button" className="button" disabled={busy !== null} onClick={() => void run("decide", async () => { await api.decideDelete(act.id, false); after(); })}>
                  Keep the record
                </button>
              </>
            ) : null}
          </li>
          );
        })}
      </ul>
      {kind === "failing" && state.data.length > 0 ? (
        <p>
          <button type="button" className="button" disabled={busy !== null} onClick={() => void run("retry", async () => { await api.retryDeadLetters(); after(); })}>
            Retry all failed writes
          </button>
        </p>
      ) : null}
    </div>
  );
}

function Count({ n, label, onOpen, testId }: { n: number; label: string; onOpen?: () => void; testId: string }) {
  if (!onOpen || n === 0) {
    return (
      <span data-testid={testId} data-count={n}>
        {n}
      </span>
    );
  }
  return (
    <button type="button" className="link-button" data-testid={testId} data-count={n} onClick={onOpen} aria-label={`${n} ${label}: open the list`}>
      {n}
    </button>
  );
}

/** The health home: one row per pair, its status, when it synced and will sync, and what waits. */
export function OverviewPage() {
  const load = useCallback(() => api.overview(), []);
  const [state, reload] = useLoad(load);
  const [open, setOpen] = useState<{ pairId: string; kind: ListKind } | null>(null);

  useEffect(() => onSyncFinished(() => reload()), [reload]);

  return (
    <>
      <PageHeader title="Overview">Whether every pair is in order, and what waits for you.</PageHeader>
      {state.status === "loading" ? <Loading>Reading every pair…</Loading> : null}
      {state.status === "failed" ? <ErrorBox title="The overview could not be read." error={state.error} /> : null}
      {state.status === "ready" ? (
        <section className="card" aria-labelledby="pairs-heading">
          <h2 id="pairs-heading" className="card-title">
            Pairs
          </h2>
          <p className="muted" data-testid="overview-next-run">
            {state.data.nextScheduledAt
              ? `Next scheduled sync: ${when(state.data.nextScheduledAt)}`
              : "No schedule: syncs run when you apply them (Settings sets a schedule)."}
          </p>
          {state.data.pairs.length === 0 ? <p>No pairs yet: connect GHL and an app on the Connections page.</p> : null}
          <table className="table compact" data-testid="overview-table">
            <thead>
              <tr>
                <th scope="col">Pair</th>
                <th scope="col">Status</th>
                <th scope="col">Last successful sync</th>
                <th scope="col">In sync</th>
                <th scope="col">Failing</th>
                <th scope="col">Conflicts</th>
                <th scope="col">Reviews</th>
                <th scope="col">Deletes to approve</th>
                <th scope="col">Only in the app</th>
              </tr>
            </thead>
            <tbody>
              {state.data.pairs.map((pair) => {
                const status = pairStatus(pair, state.data.running);
                const opener = (kind: ListKind) => () => setOpen({ pairId: pair.pairId, kind });
                return (
                  <tr
                    key={pair.pairId}
                    data-testid="overview-row"
                    data-pair={pair.pairName}
                    data-status={status}
                    data-dead-letters={pair.deadLetters}
                    data-conflicts={pair.conflicts}
                    data-reviews={pair.reviews}
                    data-deletes={pair.deletesWaiting}
                  >
                    <td>
                      <strong>{pair.pairName}</strong> <span className="muted">GHL ↔ {pair.systemName}</span>
                    </td>
                    <td>
                      <span className={`badge status-${status.replace(" ", "-")}`}>{status}</span>
                      <p className="muted">{statusHint(pair, status)}</p>
                    </td>
                    <td>{when(pair.lastSuccessAt)}</td>
                    <td>{pair.inSync}</td>
                    <td>
                      <Count n={pair.deadLetters + pair.failedForNow} label="failing writes" testId="count-failing" onOpen={opener("failing")} />
                    </td>
                    <td>
                      <Count n={pair.conflicts} label="conflicts" testId="count-conflicts" onOpen={opener("conflicts")} />
                    </td>
                    <td>
                      <Count n={pair.reviews} label="reviews" testId="count-reviews" onOpen={opener("reviews")} />
                    </td>
                    <td>
                      <Count n={pair.deletesWaiting} label="deletes to approve" testId="count-deletes" onOpen={opener("deletes")} />
                    </td>
                    <td>
                      <Count n={pair.onlyInApp} label="records only in the app" testId="count-only-in-app" />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {open
            ? (() => {
                const pair = state.data.pairs.find((p) => p.pairId === open.pairId);
                return pair ? (
                  <section aria-label={`${pair.pairName}: ${open.kind}`}>
                    <h3>
                      {pair.pairName}: {open.kind}
                    </h3>
                    <ItemList pair={pair} kind={open.kind} onChanged={reload} />
                  </section>
                ) : null;
              })()
            : null}
        </section>
      ) : null}
    </>
  );
}
