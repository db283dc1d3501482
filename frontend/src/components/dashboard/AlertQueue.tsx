/** The team's alerts with status and source filters, chosen by checkbox and acknowledged or dismissed
 * in bulk (all or nothing); an alert opens a case too. */

import { useState } from "react";
import { useNavigate } from "react-router-dom";

import { messageOf } from "../../api";
import { type Alert, type AlertStatus, alertEscalate, alertsBulk, alertsList } from "../../api/endpoints";
import { Failure, Loading, useLoaded } from "../Status";
import { AlertTable } from "./AlertTable";

const STATUSES = ["new", "acknowledged", "escalated", "dismissed", "resolved"];
const SOURCES = ["", "labeling", "watchlist", "anomaly", "transfer"];

export function AlertQueue() {
  const navigate = useNavigate();
  const [status, setStatus] = useState("new");
  const [source, setSource] = useState("");
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [actionError, setActionError] = useState<string | null>(null);
  const alerts = useLoaded(() => alertsList({ status: status ? [status] : [], source, limit: 200 }), `${status}:${source}`);

  async function act(step: () => Promise<void>) {
    setActionError(null);
    try {
      await step();
    } catch (failure) {
      setActionError(messageOf(failure));
    }
  }
  const triage = (next: AlertStatus) =>
    act(async () => {
      await alertsBulk({ ids: [...chosen], status: next });
      setChosen(new Set());
      alerts.reload();
    });
  const escalate = (alert: Alert) => act(async () => navigate(`/cases/${(await alertEscalate(alert.id)).id}`));
  const toggle = (id: number) =>
    setChosen((before) => {
      const after = new Set(before);
      if (after.has(id)) after.delete(id);
      else after.add(id);
      return after;
    });

  return (
    <section aria-labelledby="alerts">
      <h2 id="alerts">Alerts</h2>
      <div className="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Source
          <select value={source} onChange={(e) => setSource(e.target.value)}>
            {SOURCES.map((s) => (
              <option key={s} value={s}>
                {s || "any"}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={!chosen.size} onClick={() => void triage("acknowledged")}>
          Acknowledge {chosen.size || ""}
        </button>
        <button type="button" disabled={!chosen.size} onClick={() => void triage("dismissed")}>
          Dismiss {chosen.size || ""}
        </button>
      </div>
      {actionError && <Failure error={actionError} />}
      {alerts.loading && <Loading what="alerts" />}
      {alerts.error && <Failure error={alerts.error} retry={alerts.reload} />}
      {alerts.data && alerts.data.length === 0 && <p>No alert matches.</p>}
      {alerts.data && alerts.data.length > 0 && (
        <AlertTable alerts={alerts.data} chosen={chosen} onToggle={toggle} onEscalate={(alert) => void escalate(alert)} />
      )}
    </section>
  );
}
