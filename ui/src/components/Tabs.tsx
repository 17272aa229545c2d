import { useRef } from "react";
import type { KeyboardEvent, ReactNode } from "react";

type Tab<K extends string> = { key: K; label: string };

type TabsProps<K extends string> = {
  /** Prefix of the tabs' and panel's element ids; unique on the page. */
  id: string;
  label: string;
  tabs: readonly Tab<K>[];
  selected: K;
  onSelect: (key: K) => void;
  /** The selected tab's panel. */
  children: ReactNode;
};

const tabId = (id: string, key: string) => `${id}-tab-${key}`;

/**
 * WAI-ARIA tabs (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/): one tab stop for the whole
 * list; Left/Right move to the previous/next tab (wrapping), Home/End to the first/last, and a
 * tab shows its panel as soon as it has focus (automatic activation).
 */
export function Tabs<K extends string>({ id, label, tabs, selected, onSelect, children }: TabsProps<K>) {
  const list = useRef<HTMLDivElement>(null);

  function onKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
    const at = tabs.findIndex((t) => t.key === selected);
    const last = tabs.length - 1;
    const next: Record<string, number> = {
      ArrowRight: at === last ? 0 : at + 1,
      ArrowLeft: at === 0 ? last : at - 1,
      Home: 0,
      End: last,
    };
    const key = tabs[next[event.key] ?? -1]?.key;
    if (key === undefined) return;
    event.preventDefault();
    onSelect(key);
    list.current?.querySelector<HTMLElement>(`#${CSS.escape(tabId(id, key))}`)?.focus();
  }

  return (
    <>
      <div className="tabs" role="tablist" aria-label={label} ref={list}>
        {tabs.map((tab) => {
          const active = tab.key === selected;
          return (
            <button
              key={tab.key}
              id={tabId(id, tab.key)}
              type="button"
              role="tab"
              aria-selected={active}
              aria-controls={`${id}-panel`}
              tabIndex={active ? 0 : -1}
              className={active ? "tab active" : "tab"}
              data-testid={tabId(id, tab.key)}
              onClick={() => onSelect(tab.key)}
              onKeyDown={onKeyDown}
            >
              {tab.label}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={tabId(id, selected)} className="tab-panel">
        {children}
      </div>
    </>
  );
}
