/** What the case workflow allows next (investigations/services.py TRANSITIONS), as buttons: the server
 * decides, the app only offers what would not be refused. */

import type { Schemas } from "./api/endpoints";

export type CaseStatus = Schemas["CaseStatusEnum"];

/** A button: a transition to a status, or asking for an approval of an action (the bodies' own types). */
export type Step =
  | { label: string; kind: "transition"; to: CaseStatus }
  | { label: string; kind: "approval"; to: Schemas["ActionEnum"] };

export function nextSteps(status: CaseStatus, pendingClose: boolean): Step[] {
  switch (status) {
    case "open":
      return [{ label: "Start work", kind: "transition", to: "in_progress" }];
    case "in_progress":
      return [
        { label: "Confirm illicit", kind: "transition", to: "confirmed" },
        { label: "Dismiss", kind: "transition", to: "dismissed" },
      ];
    case "confirmed": // four eyes: a supervisor other than the asker closes it
      return pendingClose ? [] : [{ label: "Ask to close", kind: "approval", to: "close" }];
    case "dismissed":
      return [{ label: "Close", kind: "transition", to: "closed" }];
    default:
      return [];
  }
}

export const STATUS_WORDS: Record<CaseStatus, string> = {
  open: "open",
  in_progress: "in progress",
  confirmed: "confirmed illicit",
  dismissed: "dismissed",
  closed: "closed",
};

export const PRIORITIES = ["low", "medium", "high", "critical"];
