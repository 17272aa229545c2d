import { EmptyState } from "../components/EmptyState";
import { PageHeader } from "../components/PageHeader";

export function ConnectionsPage() {
  return (
    <>
      <PageHeader title="Connections">
        The accounts Contact Bridge reads contacts from and writes them to.
      </PageHeader>
      <EmptyState
        title="No connections yet"
        points={[
          {
            term: "GoHighLevel",
            detail: "sign in through your browser with OAuth, or paste a Private Integration Token created in your sub-account's settings.",
          },
          {
            term: "Status",
            detail: "whether the connection is working, or needs you to reconnect.",
          },
          {
            term: "Last sync",
            detail: "when contacts last moved through this connection, and whether that went well.",
          },
          {
            term: "Rate budget",
            detail: "how much of the app's API allowance is left before it starts turning requests away.",
          },
        ]}
      >
        <p>
          Connect GoHighLevel (OAuth in your browser or a Private Integration Token) and the apps
          your team uses: Nifty, NiftyImages, Connectif, Novi AMS and Ninox. Each connection will
          show its status, last sync and rate budget.
        </p>
      </EmptyState>
    </>
  );
}
