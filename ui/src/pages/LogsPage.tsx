import { EmptyState } from "../components/EmptyState";
import { PageHeader } from "../components/PageHeader";

export function LogsPage() {
  return (
    <>
      <PageHeader title="Logs">What the app has been doing, for troubleshooting.</PageHeader>
      <EmptyState title="No log entries to show yet">
        <p>
          This page will show the app&apos;s log: connections, syncs, and any errors with their
          details. You will be able to filter it by level, from errors only to full detail, and by
          connection.
        </p>
        <p>
          The log is also written to files on this computer. Settings shows the folder, which is
          useful to share when you ask for support.
        </p>
      </EmptyState>
    </>
  );
}
