import type { RemovalView } from "../platform";

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/**
 * What removing a connection stops and forgets, one line each, for the confirmation: the pairs
 * that stop, the mappings and links forgotten, and (a GoHighLevel location) the contacts this
 * app keeps. Nothing is deleted in the apps themselves; the last line says so.
 */
export function removalLines(impact: RemovalView): string[] {
  const lines: string[] = [];
  if (impact.pairs.length > 0) {
    lines.push(
      `${impact.pairs.length === 1 ? "This pair stops" : `These ${impact.pairs.length} pairs stop`} syncing: ${impact.pairs.join(", ")}.`,
    );
  } else {
    lines.push("No pair syncs with it.");
  }
  lines.push(`${plural(impact.mappings, "saved mapping is", "saved mappings are")} removed.`);
  lines.push(
    `${plural(impact.links, "link", "links")} between records ${impact.links === 1 ? "is" : "are"} forgotten (a later connection matches them again by email or phone).`,
  );
  if (impact.contacts > 0) {
    lines.push(`${plural(impact.contacts, "contact", "contacts")} kept in this app's database ${impact.contacts === 1 ? "is" : "are"} removed.`);
  }
  lines.push(`Nothing is deleted in ${impact.systemName} or any other app, and its key or token is removed from the keychain.`);
  return lines;
}

/** How a card's Reconnect works: a browser sign-in, or a new key or token typed in. */
export function reconnectKind(authKind: string): "browser" | "secret" {
  return authKind === "oauth" ? "browser" : "secret";
}

/** The word for the secret a key connection takes. */
export function secretName(authKind: string): string {
  return authKind === "private_token" ? "Private Integration Token" : "API key";
}
