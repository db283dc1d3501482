/** The team's alerts, riskiest first (then by value, then newest), a page at a time, filtered by status,
 * source, assignee and model; chosen by checkbox and acknowledged or dismissed in bulk (all or nothing);
 * an alert opens a case too. The page polls: a new alert or a teammate's triage shows without a reload. */

import { useState } from "react";
import { useNavigate } from "react-router-dom";

import { messageOf } from "../../api";
import { type Alert, type AlertStatus, alertEscalate, alertsBulk, alertsList } from "../../api/endpoints";
import { useSession } from "../../session";
import { Failure, Loading } from "../Status";
import { AlertTable } from "./AlertTable";
import { Pager } from "./Pager";
import { PAGE_SIZE, POLL_MS } from "./queue";
import { usePolled } from "./usePolled";

const STATUSES = ["new", "acknowledged", "escalated", "dismissed", "resolved"];
const SOURCES = ["", "labeling", "watchlist", "anomaly", "transfer"];

export function AlertQueue() {
  const navigate = useNavigate();
  const [status, setStatus] = useState("new");
  const [source, setSource] = useState("");
  const [assignee, setAssignee] = useState("");
  const [model, setModel] = useState("");
  const [page, setPage] = useState(1);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [actionError, setActionError] = useState<string | null>(null);
  const me = useSession().user?.username ?? "";
  const filter = { status: status ? [status] : [], source, assignee, model, page, page_size: PAGE_SIZE };
  const alerts = usePolled(() => alertsList(filter), JSON.stringify(filter), POLL_MS);
  const filtered = (set: (value: string) => void) => (value: string) => {
    set(value);
    setPage(1);
    setChosen(new Set());
  };

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
          <select value={status} onChange={(e) => filtered(setStatus)(e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Source
          <select value={source} onChange={(e) => filtered(setSource)(e.target.value)}>
            {SOURCES.map((s) => (
              <option key={s} value={s}>
                {s || "any"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Assignee
          <select value={assignee} onChange={(e) => filtered(setAssignee)(e.target.value)}>
            <option value="">anyone</option>
            <option value="none">unassigned</option>
            {me && <option value={me}>me ({me})</option>}
          </select>
        </label>
        <label>
          Model
          <input value={model} placeholder="any, e.g. v3" size={8} onChange={(e) => filtered(setModel)(e.target.value.trim())} />
        </label>
        <button type="button" disabled={!chosen.size} onClick={() => void triage("acknowledged")}>
          Acknowledge {chosen.size || ""}
        </button>
        <button type="button" disabled={!chosen.size} onClick={() => void triage("dismissed")}>
          Dismiss {chosen.size || ""}
        </button>
      </div>
      {actionError && <Failure error={actionError} />}
      {alerts.loading && !alerts.data && <Loading what="alerts" />}
      {alerts.error && <Failure error={alerts.error} retry={alerts.reload} />}
      {alerts.data && alerts.data.count === 0 && <p>No alert matches.</p>}
      {alerts.data && alerts.data.results.length > 0 && (
        <AlertTable alerts={alerts.data.results} chosen={chosen} onToggle={toggle} onEscalate={(alert) => void escalate(alert)} />
      )}
      {alerts.data && alerts.data.count > 0 && (
        <Pager label="alerts" page={page} pageSize={PAGE_SIZE} count={alerts.data.count} hasNext={!!alerts.data.next} onPage={setPage} />
      )}
    </section>
  );
}
