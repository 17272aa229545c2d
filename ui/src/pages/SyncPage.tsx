import { EmptyState } from "../components/EmptyState";
import { PageHeader } from "../components/PageHeader";

export function SyncPage() {
  return (
    <>
      <PageHeader title="Sync">
        Move contact changes between GoHighLevel and your apps, and see what happened.
      </PageHeader>
      <EmptyState
        title="Nothing has synced yet"
        points={[
          {
            term: "History",
            detail: "every past sync, when it ran and what it changed.",
          },
          {
            term: "Dead letters",
            detail: "records that could not be delivered, with the reason, so nothing fails silently.",
          },
          {
            term: "Conflicts",
            detail: "fields that changed on both sides, for you to decide which value to keep.",
          },
        ]}
      >
        <p>
          <strong>Sync now</strong> will first show you a plan: every contact and field that would
          change, and in which app. Nothing is written until you apply the plan. While it runs you
          will see its progress, and you can cancel it before it finishes.
        </p>
      </EmptyState>
    </>
  );
}
