/** A change made from one form or button group, with its failure kept beside it (not at the top of the
 * page, far from what caused it); the case is read again after a change that went through. */

import { useState } from "react";

import { messageOf } from "../../api";
import type { Act } from "./types";

export function useAct(reload: () => void): { act: Act; error: string | null; clear: () => void } {
  const [error, setError] = useState<string | null>(null);
  const act: Act = async (call) => {
    setError(null);
    try {
      await call();
      reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  return { act, error, clear: () => setError(null) };
}
