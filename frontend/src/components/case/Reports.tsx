/** The case's reports (PDF and CSV, made once a second person approves the export), read again
 * whenever the case changes; one that failed can be retried. */

import { caseReports, reportFileHref, reportRetry } from "../../api/endpoints";
import { stamp } from "../../format";
import { Failure, useLoaded } from "../Status";
import { useAct } from "./useAct";

export function Reports({ caseId, version }: { caseId: number; version: string }) {
  const reports = useLoaded(() => caseReports(caseId), `${caseId}:${version}`);
  const { act, error } = useAct(reports.reload);
  return (
    <section aria-labelledby="reports">
      <h2 id="reports">Reports</h2>
      {reports.error && <Failure error={reports.error} retry={reports.reload} />}
      {reports.data && reports.data.length === 0 && <p>None yet: a report is made when its export is approved.</p>}
      <ul>
        {reports.data?.map((r) =>
          r.status === "ready" ? (
            <li key={r.id}>
              Report {r.id} ({stamp(r.generated_at)}):{" "}
              <a href={reportFileHref(caseId, r.id, "pdf")} download>
                PDF
              </a>{" "}
              <a href={reportFileHref(caseId, r.id, "csv")} download>
                CSV
              </a>
            </li>
          ) : (
            <li key={r.id}>
              Report {r.id}: {r.status === "failed" ? `failed after ${r.attempts} attempt(s)` : "being made"}
              {r.last_error && <span role="alert"> — {r.last_error}</span>}{" "}
              <button type="button" onClick={() => void act(() => reportRetry(caseId, r.id))}>
                Retry now
              </button>
            </li>
          ),
        )}
      </ul>
      {error && <Failure error={error} />}
    </section>
  );
}
