import type { CaseDetail } from "../../api/endpoints";

export type Case = CaseDetail;

/** Runs a change to the case; its failure is shown beside the form that made it (useAct), and the case is
 * read again after it. */
export type Act = (call: () => Promise<unknown>) => Promise<void>;
