import { useSyncExternalStore } from "react";

/** Every page of the app, in sidebar order. */
export const ROUTE_IDS = ["overview", "connections", "mappings", "sync", "contacts", "settings", "logs"] as const;

export type RouteId = (typeof ROUTE_IDS)[number];

export const DEFAULT_ROUTE: RouteId = "connections";

function isRouteId(value: string): value is RouteId {
  return (ROUTE_IDS as readonly string[]).includes(value);
}

/** `#/sync` -> "sync"; anything unknown or empty -> the default route. */
export function parseHash(hash: string): RouteId {
  const [first = ""] = hash.replace(/^#\/?/, "").split(/[/?]/);
  const id = first.toLowerCase();
  return isRouteId(id) ? id : DEFAULT_ROUTE;
}

export function hrefFor(route: RouteId): string {
  return `#/${route}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

function getHash(): string {
  return window.location.hash;
}

function getServerHash(): string {
  return "";
}

/** The current page, derived from `location.hash`; re-renders on hash changes. */
export function useRoute(): RouteId {
  return parseHash(useSyncExternalStore(subscribe, getHash, getServerHash));
}

/**
 * The unsaved-changes guard: a page with edits not saved registers what to say; leaving it
 * (the sidebar, the command palette, switching what the page edits) then asks first.
 */
type Guard = { message: string } | null;
type Pending = { message: string; proceed: () => void } | null;

let guard: Guard = null;
let pending: Pending = null;
const listeners = new Set<() => void>();

function notify() {
  for (const listener of listeners) listener();
}

/** Registers (or, with null, lifts) the guard of the page on screen. */
export function setLeaveGuard(message: string | null) {
  guard = message ? { message } : null;
}

/** Runs `proceed` now, or once the operator agrees to drop unsaved changes. */
export function requestLeave(proceed: () => void) {
  if (!guard) {
    proceed();
    return;
  }
  pending = { message: guard.message, proceed };
  notify();
}

/** Goes to `route`, through the guard. */
export function navigate(route: RouteId, query = "") {
  requestLeave(() => {
    window.location.hash = `${hrefFor(route)}${query ? `?${query}` : ""}`;
  });
}

/** Answers the pending question: leave (dropping the edits) or stay. */
export function answerLeave(leave: boolean) {
  const asked = pending;
  pending = null;
  if (leave && asked) {
    guard = null;
    asked.proceed();
  }
  notify();
}

function subscribePending(onChange: () => void): () => void {
  listeners.add(onChange);
  return () => listeners.delete(onChange);
}

/** The question waiting for an answer, if any. */
export function usePendingLeave(): Pending {
  return useSyncExternalStore(subscribePending, () => pending, () => null);
}

/** The query after the route (`#/contacts?q=ada` → `q=ada`). */
export function routeQuery(hash: string = window.location.hash): URLSearchParams {
  const at = hash.indexOf("?");
  return new URLSearchParams(at >= 0 ? hash.slice(at + 1) : "");
}
