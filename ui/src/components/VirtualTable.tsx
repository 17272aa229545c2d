import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import type { ReactNode } from "react";

type Props<T> = {
  rows: readonly T[];
  rowKey: (row: T, index: number) => string | number;
  /** The header row's cells (`<th>`s). */
  head: ReactNode;
  /** One row's cells (`<td>`s). */
  cells: (row: T) => ReactNode;
  rowClassName?: (row: T) => string | undefined;
  /** Names the scrolling region for screen readers. */
  label: string;
  className: string;
  testId?: string;
  /** A row's height before it is measured, in pixels. */
  estimate?: number;
};

/**
 * A table of any length that keeps only the rows in view (and a few either side) in the page:
 * spacer rows above and below stand for the rest, so the scrollbar matches the whole list. Rows
 * are measured as they render (wrapped text makes some taller). The region scrolls by keyboard.
 */
export function VirtualTable<T>({ rows, rowKey, head, cells, rowClassName, label, className, testId, estimate = 36 }: Props<T>) {
  const scroller = useRef<HTMLDivElement>(null);
  // The app does not use the React Compiler; the virtualizer re-renders the table itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => estimate,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const above = items[0]?.start ?? 0;
  const below = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);

  return (
    // A scrolling region must take keyboard focus, or keyboard users cannot scroll it.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <div ref={scroller} className="virtual-scroll" role="region" aria-label={label} tabIndex={0} data-testid={testId && `${testId}-scroll`}>
      <table className={className} data-testid={testId} aria-rowcount={rows.length + 1}>
        <thead>
          <tr aria-rowindex={1}>{head}</tr>
        </thead>
        <tbody>
          {above > 0 ? <tr aria-hidden="true" className="virtual-spacer" style={{ height: above }} /> : null}
          {items.map((item) => {
            const row = rows[item.index];
            if (row === undefined) return null;
            return (
              <tr
                key={rowKey(row, item.index)}
                ref={virtualizer.measureElement}
                data-index={item.index}
                aria-rowindex={item.index + 2}
                className={rowClassName?.(row)}
              >
                {cells(row)}
              </tr>
            );
          })}
          {below > 0 ? <tr aria-hidden="true" className="virtual-spacer" style={{ height: below }} /> : null}
        </tbody>
      </table>
    </div>
  );
}
