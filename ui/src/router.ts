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
