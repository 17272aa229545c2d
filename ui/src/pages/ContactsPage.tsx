import { EmptyState } from "../components/EmptyState";
import { PageHeader } from "../components/PageHeader";

export function ContactsPage() {
  return (
    <>
      <PageHeader title="Contacts">Everyone Contact Bridge knows about, in one place.</PageHeader>
      <EmptyState title="No contacts to show yet">
        <p>
          After your first sync, every contact appears here in one searchable list, whichever app
          it came from. Open a contact to see its timeline across every app: what changed, where,
          and when.
        </p>
      </EmptyState>
    </>
  );
}
