import { useEffect, useRef } from "react";
import { answerLeave, usePendingLeave } from "../router";

/**
 * Asks before unsaved changes are dropped. A modal alert dialog: focus starts on "Stay",
 * Escape stays, Tab stays inside it.
 */
export function LeaveDialog() {
  const pending = usePendingLeave();
  const stay = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!pending) return;
    stay.current?.focus();
    // Escape stays; Tab cycles between the two buttons (a modal keeps focus inside).
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        answerLeave(false);
      } else if (e.key === "Tab") {
        const buttons = Array.from(box.current?.querySelectorAll("button") ?? []);
        const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
        const next = e.shiftKey ? at - 1 : at + 1;
        e.preventDefault();
        buttons[(next + buttons.length) % buttons.length]?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [pending]);
  if (!pending) return null;
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="leave-title"
        aria-describedby="leave-message"
        data-testid="leave-dialog"
        ref={box}
      >
        <h2 id="leave-title" className="card-title">
          Leave without saving?
        </h2>
        <p id="leave-message">{pending.message}</p>
        <div className="actions">
          <button ref={stay} type="button" className="button primary" data-testid="leave-stay" onClick={() => answerLeave(false)}>
            Stay and keep editing
          </button>
          <button type="button" className="button" data-testid="leave-discard" onClick={() => answerLeave(true)}>
            Leave without saving
          </button>
        </div>
      </div>
    </div>
  );
}
