import { useCallback, useEffect, useState } from "react";
import { toBridgeError } from "../platform";
import type { BridgeError } from "../platform";

export type Loaded<T> =
  | { status: "loading" }
  | { status: "ready"; data: T }
  | { status: "failed"; error: BridgeError };

/** Loads `load()` on mount (and whenever `reload` is called); keeps the last good data. */
export function useLoad<T>(load: () => Promise<T>): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let active = true;
    load().then(
      (data) => {
        if (active) setState({ status: "ready", data });
      },
      (error: unknown) => {
        if (active) setState({ status: "failed", error: toBridgeError(error) });
      },
    );
    return () => {
      active = false;
    };
    // `load` is expected to change only with what it reads; callers memoise it.
  }, [load, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [state, reload];
}
