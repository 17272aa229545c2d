import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { applyTheme } from "./logic/theme";
import { api } from "./platform";
import "./styles.css";

// The system's scheme at once (no flash), then the saved choice once the settings are read.
applyTheme("system");
api.getSettings().then(
  (settings) => applyTheme(settings.theme),
  () => {
    // Unreadable settings keep the system's scheme; the Settings page shows the error.
  },
);

const container = document.getElementById("root");
if (!container) {
  throw new Error("Missing #root element in index.html");
}

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
