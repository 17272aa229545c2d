import { useCallback, useState } from "react";
import { toBridgeError } from "../platform";
import type { BridgeError } from "../platform";

/** Runs one user action at a time, remembering whether it runs and how it failed. */
export function useAction() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<BridgeError | null>(null);

  const run = useCallback(async <T,>(name: string, work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(name);
    setError(null);
    try {
      return await work();
    } catch (e) {
      setError(toBridgeError(e));
      return undefined;
    } finally {
      setBusy(null);
    }
  }, []);

  return { busy, error, run, clearError: () => setError(null) };
}
