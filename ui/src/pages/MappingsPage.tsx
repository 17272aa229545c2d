import { EmptyState } from "../components/EmptyState";
import { PageHeader } from "../components/PageHeader";

export function MappingsPage() {
  return (
    <>
      <PageHeader title="Mappings">
        How the fields of a GoHighLevel contact line up with the fields in each app.
      </PageHeader>
      <EmptyState
        title="No field mappings yet"
        points={[
          {
            term: "Direction",
            detail: "GoHighLevel to the app, the app to GoHighLevel, or both ways.",
          },
          {
            term: "Owner",
            detail: "which side wins when the same field has changed in both places.",
          },
          {
            term: "Transform",
            detail: "optionally adjust a value on its way across, so it fits the other app's format.",
          },
          {
            term: "Preview",
            detail: "check a mapping against real records from your account before you save it.",
          },
        ]}
      >
        <p>
          Here you will draw a line from a GoHighLevel field to the matching field in each
          connected app, then choose how that pair of fields syncs. Add a connection first; its
          fields appear here once it is connected.
        </p>
      </EmptyState>
    </>
  );
}
