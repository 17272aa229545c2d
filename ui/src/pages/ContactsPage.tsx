import { useEffect, useState } from "react";
import { PageHeader } from "../components/PageHeader";
import { api } from "../platform";
import { routeQuery } from "../router";
import { ContactList } from "./contacts/ContactList";
import { Timeline } from "./contacts/Timeline";

/** Waits until typing pauses before searching. */
function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function ContactsPage() {
  // The command palette's "Go to contact" opens the page searching for what was typed.
  const [search, setSearch] = useState(() => routeQuery().get("q") ?? "");
  const [open, setOpen] = useState<string | null>(null);
  const settled = useDebounced(search, 250);

  // "Go to contact" from the palette opens the best match at once (the list shows the others).
  useEffect(() => {
    const query = routeQuery();
    const wanted = query.get("q");
    if (!wanted || query.get("open") !== "first") return;
    let active = true;
    api.listContacts(wanted, 0, 1).then(
      (page) => {
        if (active && page.rows[0]) setOpen(page.rows[0].id);
      },
      () => {
        // The list below says why it could not be read.
      },
    );
    return () => {
      active = false;
    };
  }, []);

  return (
    <>
      <PageHeader title="Contacts">Everyone Contact Bridge knows about, in one place.</PageHeader>
      <div className="contacts-layout">
        <section className="card" aria-label="Contact list">
          <input
            type="search"
            className="search"
            placeholder="Search by name, email or phone"
            aria-label="Search contacts"
            data-testid="contact-search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <ContactList search={settled} selected={open} onOpen={setOpen} />
        </section>
        {open ? (
          <Timeline key={open} contactId={open} />
        ) : (
          <section className="card muted">Open a contact to see its timeline across every app.</section>
        )}
      </div>
    </>
  );
}
