/** Load now, when `key` changes (another page or filter: the rows shown go until the new ones come, so a
 * pager never reads "26–50" over page 1's rows), and again every `everyMs` while the page is visible,
 * quietly: a poll shows no "Loading…". The answers carry ETags and `Cache-Control: no-cache`, so the
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
    setState({ data: null, error: null, loading: true }); // another page or filter: not the last one's rows
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
