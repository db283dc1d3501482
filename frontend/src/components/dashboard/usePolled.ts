/** Load now, when `key` changes, and again every `everyMs` while the page is visible, without the
 * "Loading…" flicker of a first load. The answers carry ETags and `Cache-Control: no-cache`, so the
 * browser revalidates each poll: an unchanged queue costs a 304, and an equal answer leaves the state
 * (and the rendered table, and what is ticked in it) as it was. */

import { useCallback, useEffect, useEffectEvent, useRef, useState } from "react";

import { messageOf } from "../../api";
import type { Loaded } from "../Status";

export function usePolled<T>(load: () => Promise<T>, key: string, everyMs: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [round, setRound] = useState(0);
  const last = useRef<string>("");
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const loadLatest = useEffectEvent(load);
  useEffect(() => {
    let current = true;
    last.current = "";
    setState((before) => ({ ...before, loading: true, error: null }));
    const fetchOnce = () =>
      loadLatest()
        .then((data) => {
          const text = JSON.stringify(data);
          if (!current) return;
          if (text === last.current) {
            setState((before) => (before.error ? { ...before, error: null } : before));
            return;
          }
          last.current = text;
          setState({ data, error: null, loading: false });
        })
        .catch((failure: unknown) => current && setState((before) => ({ ...before, error: messageOf(failure), loading: false })));
    void fetchOnce();
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void fetchOnce();
    }, everyMs);
    return () => {
      current = false;
      window.clearInterval(timer);
    };
  }, [key, round, everyMs]);
  return { ...state, reload };
}
