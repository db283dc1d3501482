/** A case: its workflow (with four-eyes approval), subjects, markdown notes, evidence with hashes, reports
 * (PDF and CSV, made once a second person approves the export) and the audit trail. */

import { type FormEvent, useState } from "react";
import ReactMarkdown from "react-markdown";
import { Link, useParams } from "react-router-dom";

import { api, messageOf } from "../api";
import { type CaseStatus, nextSteps, STATUS_WORDS } from "../cases";
import { Failure, Loading, useLoaded } from "../components/Status";
import { shortId, stamp } from "../format";

interface Approval {
  id: number;
  action: string;
  status: string;
  requested_by: string;
  decided_by: string | null;
}

interface Case {
  id: number;
  title: string;
  summary: string;
  status: CaseStatus;
  outcome: string | null;
  priority: string;
  assignee: string | null;
  subjects: { id: number; kind: string; ref: string }[];
  notes: { id: number; author: string; body: string; created_at: string }[];
  evidence: { id: number; kind: string; name: string; size: number; sha256: string; acquired_by: string; acquired_at: string }[];
  approvals: Approval[];
}

interface Report {
  id: number;
  status: "pending" | "ready" | "failed";
  attempts: number;
  last_error: string;
  pdf_sha256: string;
  generated_at: string;
}

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
}

export function CasePage() {
  const { caseId = "" } = useParams();
  const found = useLoaded(() => api<Case>(`cases/${caseId}/`), caseId);
  const version = found.data ? caseVersion(found.data) : "";
  const reports = useLoaded(() => api<Report[]>(`cases/${caseId}/reports/`), `${caseId}:${version}`);
  const [error, setError] = useState<string | null>(null);

  async function act(path: string, body: unknown, method = "POST") {
    setError(null);
    try {
      await api(path, { method, body });
      found.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  if (found.loading && !found.data) return <Loading what="the case" />;
  if (found.error || !found.data) return <Failure error={found.error ?? "not found"} retry={found.reload} />;
  const c = found.data;
  const pending = c.approvals.filter((a) => a.status === "pending");
  const steps = nextSteps(c.status, pending.some((a) => a.action === "close"));
  return (
    <article className="case-page">
      <h1>
        #{c.id} {c.title}
      </h1>
      <p>
        <strong>{STATUS_WORDS[c.status]}</strong> · priority {c.priority} · assignee {c.assignee ?? "none"} ·{" "}
        <Link to={`/explore?case=${c.id}`}>Explore its subjects</Link>
      </p>
      {c.status !== "closed" && (
        <form
          className="filters"
          aria-label="assign"
          onSubmit={(event) => {
            event.preventDefault();
            void act(`cases/${c.id}/`, { assignee: new FormData(event.currentTarget).get("assignee") }, "PATCH");
          }}
        >
          <label>
            Assignee
            <input name="assignee" defaultValue={c.assignee ?? ""} placeholder="username; empty: nobody" />
          </label>
          <button type="submit">Assign</button>
        </form>
      )}
      <div className="actions" role="group" aria-label="workflow">
        {steps.map((step) => (
          <button
            key={step.to}
            type="button"
            onClick={() =>
              void (step.kind === "transition"
                ? act(`cases/${c.id}/transition/`, { to: step.to })
                : act(`cases/${c.id}/approvals/`, { action: step.to }))
            }
          >
            {step.label}
          </button>
        ))}
        {!pending.some((a) => a.action === "export") && (
          <button type="button" onClick={() => void act(`cases/${c.id}/approvals/`, { action: "export" })}>
            Ask to export a report
          </button>
        )}
      </div>
      {error && <Failure error={error} />}
      {pending.length > 0 && (
        <section aria-labelledby="approvals">
          <h2 id="approvals">Waiting for approval</h2>
          <ul>
            {pending.map((a) => (
              <li key={a.id}>
                {a.action === "close" ? "Close the case" : "Export a report"}, asked by {a.requested_by}{" "}
                <button type="button" onClick={() => void act(`approvals/${a.id}/decide/`, { approve: true })}>
                  Approve {a.action}
                </button>{" "}
                <button type="button" onClick={() => void act(`approvals/${a.id}/decide/`, { approve: false })}>
                  Reject {a.action}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="subjects">
        <h2 id="subjects">Subjects</h2>
        {c.subjects.length === 0 ? (
          <p>None yet.</p>
        ) : (
          <ul>
            {c.subjects.map((s) => (
              <li key={s.id}>
                {s.kind} <Link className="ref" to={subjectPage(s.kind, s.ref)}>{s.ref}</Link>
              </li>
            ))}
          </ul>
        )}
        {c.status !== "closed" && (
          <form
            className="filters"
            aria-label="add a subject"
            onSubmit={(event) => {
              event.preventDefault();
              const form = new FormData(event.currentTarget);
              void act(`cases/${c.id}/subjects/`, { kind: form.get("kind"), ref: String(form.get("ref")).trim() });
              event.currentTarget.reset();
            }}
          >
            <select name="kind" aria-label="subject kind" defaultValue="address">
              <option value="address">address</option>
              <option value="cluster">cluster</option>
              <option value="transaction">transaction</option>
            </select>
            <input name="ref" aria-label="subject" size={45} required />
            <button type="submit">Add subject</button>
          </form>
        )}
      </section>
      <Notes caseId={c.id} notes={c.notes} onAdded={found.reload} closed={c.status === "closed"} />
      <section aria-labelledby="evidence">
        <h2 id="evidence">Evidence</h2>
        {c.evidence.length === 0 ? (
          <p>None yet: save a view from the explorer.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>SHA-256</th>
                <th>By</th>
                <th>At</th>
              </tr>
            </thead>
            <tbody>
              {c.evidence.map((e) => (
                <tr key={e.id}>
                  <td>{e.name}</td>
                  <td>{e.kind}</td>
                  <td className="ref" title={e.sha256}>
                    {shortId(e.sha256, 10)}
                  </td>
                  <td>{e.acquired_by}</td>
                  <td>{stamp(e.acquired_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {c.status !== "closed" && (
        <form
          className="filters"
          aria-label="add evidence"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            void act(`cases/${c.id}/evidence/files/`, new FormData(form)).then(() => form.reset());
          }}
        >
          <label>
            Evidence file
            <input name="file" type="file" required />
          </label>
          <button type="submit">Upload</button>
        </form>
      )}
      <section aria-labelledby="reports">
        <h2 id="reports">Reports</h2>
        {reports.error && <Failure error={reports.error} retry={reports.reload} />}
        {reports.data && reports.data.length === 0 && <p>None yet: a report is made when its export is approved.</p>}
        <ul>
          {reports.data?.map((r) =>
            r.status === "ready" ? (
              <li key={r.id}>
                Report {r.id} ({stamp(r.generated_at)}):{" "}
                <a href={`/api/v1/cases/${c.id}/reports/${r.id}/pdf/`} download>
                  PDF
                </a>{" "}
                <a href={`/api/v1/cases/${c.id}/reports/${r.id}/csv/`} download>
                  CSV
                </a>
              </li>
            ) : (
              <li key={r.id}>
                Report {r.id}: {r.status === "failed" ? `failed after ${r.attempts} attempt(s)` : "being made"}
                {r.last_error && <span role="alert"> — {r.last_error}</span>}{" "}
                <button
                  type="button"
                  onClick={() => void act(`cases/${c.id}/reports/${r.id}/retry/`, {}).then(reports.reload)}
                >
                  Retry now
                </button>
              </li>
            ),
          )}
        </ul>
      </section>
      <Audit caseId={c.id} version={version} />
    </article>
  );
}

function subjectPage(kind: string, ref: string): string {
  const page = { address: "addresses", cluster: "clusters", transaction: "transactions" }[kind] ?? "addresses";
  return `/${page}/${encodeURIComponent(ref)}`;
}

/** Changes whenever the case does, so what hangs off it (reports, the audit trail) is read again. */
function caseVersion(c: Case): string {
  return [c.status, c.assignee, c.subjects.length, c.notes.length, c.evidence.length, ...c.approvals.map((a) => a.status)].join(":");
}

function Notes({ caseId, notes, onAdded, closed }: { caseId: number; notes: Case["notes"]; onAdded: () => void; closed: boolean }) {
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    try {
      await api(`cases/${caseId}/notes/`, { method: "POST", body: { body: new FormData(form).get("body") } });
      form.reset();
      onAdded();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }
  return (
    <section aria-labelledby="notes">
      <h2 id="notes">Notes</h2>
      {notes.map((note) => (
        <div key={note.id} className="note">
          <div className="note-head">
            {note.author}, {stamp(note.created_at)}
          </div>
          <ReactMarkdown>{note.body}</ReactMarkdown>
        </div>
      ))}
      {!closed && (
        <form onSubmit={submit} aria-label="add a note">
          <label>
            Note (Markdown; @name mentions a teammate)
            <textarea name="body" rows={3} required />
          </label>
          <button type="submit">Add note</button>
          {error && <Failure error={error} />}
        </form>
      )}
    </section>
  );
}

function Audit({ caseId, version }: { caseId: number; version: string }) {
  const rows = useLoaded(() => api<AuditRow[]>(`cases/${caseId}/audit/`), `${caseId}:${version}`);
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
