/** The alerts, each with a checkbox for bulk triage, its subject's link and its case (or a button to open one). */

import { Link } from "react-router-dom";

import type { Alert } from "../../api/endpoints";
import { riskLevel, stamp } from "../../format";

interface Props {
  alerts: Alert[];
  chosen: Set<number>;
  onToggle: (id: number) => void;
  onEscalate: (alert: Alert) => void;
}

export function AlertTable({ alerts, chosen, onToggle, onEscalate }: Props) {
  return (
    <table>
      <thead>
        <tr>
          <th>
            <span className="visually-hidden">Choose</span>
          </th>
          <th>Alert</th>
          <th>Source</th>
          <th>Risk</th>
          <th>Status</th>
          <th>Raised</th>
          <th>
            <span className="visually-hidden">Case</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => (
          <tr key={alert.id}>
            <td>
              <input type="checkbox" aria-label={`choose alert ${alert.id}`} checked={chosen.has(alert.id)} onChange={() => onToggle(alert.id)} />
            </td>
            <td>
              <Link to={subjectLink(alert)}>{alert.title}</Link>
            </td>
            <td>{alert.source}</td>
            <td className={`risk ${riskLevel(alert.risk)}`}>
              {riskLevel(alert.risk)}
              {alert.risk !== null && alert.risk !== undefined && ` ${alert.risk.toFixed(2)}`}
            </td>
            <td>{alert.status}</td>
            <td>{stamp(alert.created_at)}</td>
            <td>
              {alert.case ? (
                <Link to={`/cases/${alert.case}`}>case #{alert.case}</Link>
              ) : (
                <button type="button" onClick={() => onEscalate(alert)} aria-label={`open a case from alert ${alert.id}`}>
                  Open a case
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function subjectLink(alert: Alert): string {
  if (alert.kind === "cluster") return `/explore?cluster=${encodeURIComponent(alert.ref)}`;
  if (alert.kind === "address") return `/addresses/${encodeURIComponent(alert.ref)}`;
  return `/explore?address=${encodeURIComponent(alert.ref)}`;
}
