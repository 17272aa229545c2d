import { useEffect, useRef } from "react";
import type { ReactNode } from "react";

type Props = {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  /** The confirm button is styled as destructive. */
  danger?: boolean;
  busy?: boolean;
  testId: string;
  onConfirm: () => void;
  onCancel: () => void;
};

/**
 * Asks before an action that writes or removes: says what will happen, then Confirm or Cancel.
 * A modal alert dialog: focus starts on Cancel (the safe answer), Escape cancels, Tab stays inside.
 */
export function ConfirmDialog({ title, children, confirmLabel, cancelLabel, danger, busy, testId, onConfirm, onCancel }: Props) {
  const cancel = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        onCancel();
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
  }, [onCancel]);
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${testId}-title`}
        aria-describedby={`${testId}-message`}
        data-testid={testId}
        ref={box}
      >
        <h2 id={`${testId}-title`} className="card-title">
          {title}
        </h2>
        <div id={`${testId}-message`}>{children}</div>
        <div className="actions">
          <button ref={cancel} type="button" className="button" data-testid={`${testId}-cancel`} onClick={onCancel}>
            {cancelLabel ?? "Cancel"}
          </button>
          <button
            type="button"
            className={danger ? "button danger" : "button primary"}
            data-testid={`${testId}-confirm`}
            disabled={busy}
            onClick={onConfirm}
          >
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
