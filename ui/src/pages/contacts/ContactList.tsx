import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { api, toBridgeError } from "../../platform";
import type { BridgeError, ContactSummary } from "../../platform";

const ROW_HEIGHT = 48;
const PAGE = 100;

type Props = { search: string; selected: string | null; onOpen: (id: string) => void };

/**
 * Every contact matching the search, virtualized: only the rows on screen exist in the page,
 * and their data is read a page of 100 at a time as they scroll into view.
 */
export function ContactList({ search, selected, onOpen }: Props) {
  const [total, setTotal] = useState<number | null>(null);
  const [failed, setFailed] = useState<BridgeError | null>(null);
  const [pages, setPages] = useState<Map<number, ContactSummary[]>>(new Map());
  const requested = useRef(new Set<number>());
  const parent = useRef<HTMLDivElement>(null);

  // A new search starts over from its first page.
  useEffect(() => {
    let active = true;
    requested.current = new Set([0]);
    setFailed(null);
    api.listContacts(search, 0, PAGE).then(
      (page) => {
        if (!active) return;
        setTotal(page.total);
        setPages(new Map([[0, page.rows]]));
      },
      // A failed read is said as such, never shown as "0 contacts".
      (error: unknown) => {
        if (!active) return;
        setTotal(null);
        setPages(new Map());
        setFailed(toBridgeError(error));
      },
    );
    return () => {
      active = false;
    };
  }, [search]);

  // The app does not use the React Compiler; the virtualizer re-renders the list itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();

  // Fetch the pages the visible rows fall on. An answer for an earlier search is dropped (its
  // rows belong to other people); a page that failed is asked for again when next in view.
  useEffect(() => {
    const asked = requested.current;
    for (const item of items) {
      const page = Math.floor(item.index / PAGE);
      if (asked.has(page)) continue;
      asked.add(page);
      api.listContacts(search, page * PAGE, PAGE).then(
        (result) => {
          if (requested.current !== asked) return;
          setPages((known) => new Map(known).set(page, result.rows));
        },
        () => asked.delete(page),
      );
    }
  }, [items, search]);

  return (
    <div className="contact-list">
      {failed ? (
        <ErrorBox title="The contacts could not be read." error={failed} />
      ) : total === null ? (
        <Loading>Loading contacts…</Loading>
      ) : (
        <p className="muted" data-testid="contact-total">
          {`${total.toLocaleString("en-US")} contacts`}
        </p>
      )}
      <div ref={parent} className="contact-scroll" data-testid="contact-scroll">
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const contact = pages.get(Math.floor(item.index / PAGE))?.[item.index % PAGE];
            return (
              <div
                key={item.key}
                className="contact-row-slot"
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                {contact ? (
                  <button
                    type="button"
                    className={contact.id === selected ? "contact-row active" : "contact-row"}
                    data-testid="contact-row"
                    data-contact-id={contact.id}
                    data-ghl-id={contact.ghlContactId}
                    onClick={() => onOpen(contact.id)}
                  >
                    <span className="contact-name">{contact.name || "(no name)"}</span>
                    <span className="muted">{contact.email ?? contact.phone ?? ""}</span>
                  </button>
                ) : (
                  <span className="contact-row placeholder muted">…</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
