/** The case's audit trail, read again whenever the case changes. */

import { caseAudit } from "../../api/endpoints";
import { stamp } from "../../format";
import { Failure, Loading, useLoaded } from "../Status";

export function Audit({ caseId, version }: { caseId: number; version: string }) {
  const rows = useLoaded(() => caseAudit(caseId), `${caseId}:${version}`);
  return (
    <section aria-labelledby="audit">
      <h2 id="audit">Audit trail</h2>
      {rows.loading && <Loading what="the audit trail" />}
      {rows.error && <Failure error={rows.error} retry={rows.reload} />}
      {rows.data && (
        <table>
          <tbody>
            {rows.data.map((row) => (
              <tr key={row.seq}>
                <td>{stamp(row.at, true)}</td>
                <td>{row.actor}</td>
                <td>{row.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
