/** The queue: the clusters the active model flagged, and the team's alerts with filters and bulk triage. */

import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";

import { messageOf } from "../api";
import {
  type Alert,
  type AlertStatus,
  alertEscalate,
  alertsBulk,
  alertsList,
  flaggedClusters,
  labelingJobs,
  labelingModels,
  modelPlotSrc,
} from "../api/endpoints";
import { Failure, Loading, useLoaded } from "../components/Status";
import { btc, riskLevel, shortId, stamp, when } from "../format";

const STATUSES = ["new", "acknowledged", "escalated", "dismissed", "resolved"];
const SOURCES = ["", "labeling", "watchlist", "anomaly", "transfer"];

export function Dashboard() {
  return (
    <div className="dashboard">
      <FlaggedClusters />
      <AlertQueue />
      <Labeling />
    </div>
  );
}

const METRICS = ["pr_auc", "precision", "recall", "f1"];

/** Labeling jobs with their progress, and the active model's test metrics and plots. */
function Labeling() {
  const jobs = useLoaded(() => labelingJobs(10), "jobs");
  const models = useLoaded(labelingModels, "models");
  const active = models.data?.find((m) => m.active);
  const metrics = (active?.metrics ?? {}) as Record<string, unknown>; // the schema says only "JSON"
  return (
    <section aria-labelledby="labeling">
      <h2 id="labeling">Labeling</h2>
      {models.error && <Failure error={models.error} retry={models.reload} />}
      {models.data && !active && <p>No model is active yet: the first is trained after the first blocks load.</p>}
      {active && (
        <div className="model">
          <p>
            Active model: version {active.version} ({active.kind}).{" "}
            {METRICS.filter((name) => typeof metrics[name] === "number")
              .map((name) => `${name.replace("_", "-").toUpperCase()} ${(metrics[name] as number).toFixed(3)}`)
              .join(" · ")}
          </p>
          <div className="plots">
            {active.plots.map((plot) => (
              <img
                key={plot}
                src={modelPlotSrc(active.version, plot)}
                alt={plot.replace("_", " ")}
                width={400}
              />
            ))}
          </div>
        </div>
      )}
      {jobs.loading && <Loading what="labeling jobs" />}
      {jobs.error && <Failure error={jobs.error} retry={jobs.reload} />}
      {jobs.data && jobs.data.length > 0 && (
        <table aria-label="labeling jobs">
          <thead>
            <tr>
              <th>Job</th>
              <th>Model</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Flagged</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.map((job) => (
              <tr key={job.id}>
                <td>#{job.id} ({job.scope})</td>
                <td>v{job.version}</td>
                <td title={job.error}>{job.status}</td>
                <td>
                  <progress max={job.addresses_total || 1} value={job.addresses_scored} aria-label={`job ${job.id} progress`} />{" "}
                  {job.addresses_scored.toLocaleString()} / {job.addresses_total.toLocaleString()}
                </td>
                <td>
                  {job.flagged.toLocaleString()} addresses, {job.clusters_flagged.toLocaleString()} clusters
                </td>
                <td>{stamp(job.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function FlaggedClusters() {
  const clusters = useLoaded(() => flaggedClusters(20), "clusters");
  return (
    <section aria-labelledby="flagged">
      <h2 id="flagged">Flagged clusters</h2>
      {clusters.loading && <Loading what="flagged clusters" />}
      {clusters.error && <Failure error={clusters.error} retry={clusters.reload} />}
      {clusters.data && clusters.data.clusters.length === 0 && <p>No cluster is flagged by the active model.</p>}
      {clusters.data && clusters.data.clusters.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Cluster</th>
              <th>Risk</th>
              <th>Addresses</th>
              <th>Received</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {clusters.data.clusters.map((c) => (
              <tr key={c.cluster}>
                <td>
                  <Link to={`/explore?cluster=${encodeURIComponent(c.cluster)}`}>{shortId(c.cluster, 10)}</Link>{" "}
                  <Link to={`/clusters/${encodeURIComponent(c.cluster)}`} aria-label={`cluster ${c.cluster} page`}>
                    page
                  </Link>
                </td>
                <td className={`risk ${riskLevel(c.risk)}`}>
                  {riskLevel(c.risk)} ({c.risk.toFixed(2)})
                </td>
                <td>
                  {c.size} ({c.flagged_addresses ?? 0} flagged)
                </td>
                <td>{btc(c.received)}</td>
                <td>{when(c.last_seen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AlertQueue() {
  const navigate = useNavigate();
  const [status, setStatus] = useState("new");
  const [source, setSource] = useState("");
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [actionError, setActionError] = useState<string | null>(null);
  const alerts = useLoaded(
    () => alertsList({ status: status ? [status] : [], source, limit: 200 }),
    `${status}:${source}`,
  );

  async function triage(next: AlertStatus) {
    setActionError(null);
    try {
      await alertsBulk({ ids: [...chosen], status: next });
      setChosen(new Set());
      alerts.reload();
    } catch (failure) {
      setActionError(messageOf(failure));
    }
  }

  async function escalate(alert: Alert) {
    setActionError(null);
    try {
      const made = await alertEscalate(alert.id);
      navigate(`/cases/${made.id}`);
    } catch (failure) {
      setActionError(messageOf(failure));
    }
  }

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
            {alerts.data.map((alert) => (
              <tr key={alert.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`choose alert ${alert.id}`}
                    checked={chosen.has(alert.id)}
                    onChange={() => toggle(alert.id)}
                  />
                </td>
                <td>
                  <Link to={subjectLink(alert)}>{alert.title}</Link>
                </td>
                <td>{alert.source}</td>
                <td className={`risk ${riskLevel(alert.risk)}`}>{riskLevel(alert.risk)}</td>
                <td>{alert.status}</td>
                <td>{stamp(alert.created_at)}</td>
                <td>
                  {alert.case ? (
                    <Link to={`/cases/${alert.case}`}>case #{alert.case}</Link>
                  ) : (
                    <button type="button" onClick={() => void escalate(alert)} aria-label={`open a case from alert ${alert.id}`}>
                      Open a case
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function subjectLink(alert: Alert): string {
  if (alert.kind === "cluster") return `/explore?cluster=${encodeURIComponent(alert.ref)}`;
  if (alert.kind === "address") return `/addresses/${encodeURIComponent(alert.ref)}`;
  return `/explore?address=${encodeURIComponent(alert.ref)}`;
}
