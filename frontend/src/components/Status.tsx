/** The loading and error states every request shows. */

import { useCallback, useEffect, useEffectEvent, useState } from "react";

import { messageOf } from "../api";

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Failure({ error, retry }: { error: string; retry?: () => void }) {
  return (
    <div className="failure" role="alert">
      <span>{error}</span>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Run `load` now and whenever `key` changes; the latest answer wins. `key` stands for what `load`
 * reads, so a caller can pass a new closure each render without loading again: the effect calls the
 * latest `load` (an effect event) but runs only when `key` (or a retry) changes. */
export function useLoaded<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const loadLatest = useEffectEvent(load);
  useEffect(() => {
    let current = true;
    setState((before) => ({ ...before, loading: true, error: null }));
    loadLatest()
      .then((data) => current && setState({ data, error: null, loading: false }))
      .catch((failure: unknown) => {
        const message = messageOf(failure);
        if (current) setState({ data: null, error: message, loading: false });
      });
    return () => {
      current = false;
    };
  }, [key, round]);
  return { ...state, reload };
}
