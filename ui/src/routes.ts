import type { ComponentType } from "react";
import { ConnectionsPage } from "./pages/ConnectionsPage";
import { ContactsPage } from "./pages/ContactsPage";
import { LogsPage } from "./pages/LogsPage";
import { MappingsPage } from "./pages/MappingsPage";
import { OverviewPage } from "./pages/OverviewPage";
import { SettingsPage } from "./pages/SettingsPage";
import { SyncPage } from "./pages/SyncPage";
import type { RouteId } from "./router";

export type RouteDef = {
  id: RouteId;
  label: string;
  Page: ComponentType;
};

/** Sidebar order. */
export const ROUTES: readonly RouteDef[] = [
  { id: "overview", label: "Overview", Page: OverviewPage },
  { id: "connections", label: "Connections", Page: ConnectionsPage },
  { id: "mappings", label: "Mappings", Page: MappingsPage },
  { id: "sync", label: "Sync", Page: SyncPage },
  { id: "contacts", label: "Contacts", Page: ContactsPage },
  { id: "settings", label: "Settings", Page: SettingsPage },
  { id: "logs", label: "Logs", Page: LogsPage },
];
