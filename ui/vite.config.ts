import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Tauri sets TAURI_ENV_DEBUG for `tauri dev` / debug builds.
const tauriDebug = Boolean(process.env.TAURI_ENV_DEBUG);

// https://v2.tauri.app/start/frontend/vite/
export default defineConfig({
  plugins: [react()],
  // Keep Rust/cargo output visible in the same terminal as `tauri dev`.
  clearScreen: false,
  server: {
    // Tauri's devUrl expects exactly this port; fail instead of picking another.
    port: 1420,
    strictPort: true,
    watch: {
      ignored: ["**/src-tauri/**"],
    },
  },
  // Expose TAURI_ENV_* (platform, arch, debug, ...) to the client alongside VITE_*.
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    outDir: "dist",
    // WebKitGTK (Linux), WKWebView (macOS) and WebView2 (Windows) are all modern.
    target: ["es2021", "safari15", "chrome105"],
    minify: !tauriDebug,
    sourcemap: tauriDebug,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    mockReset: true,
    restoreMocks: true,
  },
});
